import { join } from 'node:path';
import { fileDecoder, type Processor, pipe } from '@timeside/core';
import { beforeAll, expect, describe as group, it } from 'vitest';
import { AacEncoder } from '../src/aac_encoder.js';
import { FlacEncoder } from '../src/flac_encoder.js';
import { Mp3Encoder } from '../src/mp3_encoder.js';
import { OpusEncoder } from '../src/opus_encoder.js';
import { VorbisEncoder } from '../src/vorbis_encoder.js';
import { WavEncoder } from '../src/wav_encoder.js';
import { WebmEncoder } from '../src/webm_encoder.js';
import { alignedCorrelation, decodeFloat, decodeS16, describe, musicLikeWav, tempDir } from './helpers.js';

const SR = 44100;
const SECONDS = 4;
const dir = tempDir('timeside-roundtrip-');
const source = join(dir, 'music-like-4s-stereo-44k-s16.wav');

/**
 * Every encoder, with the codec's frame length in frames at 44.1 kHz (the duration tolerance:
 * one codec frame) and the codec ffmpeg must report. Lossless ones must match the source exactly.
 */
const cases = [
  { file: 'out.wav', make: (o: string) => new WavEncoder({ output: o }), codec: 'pcm_s16le', frame: 0 },
  { file: 'out.flac', make: (o: string) => new FlacEncoder({ output: o }), codec: 'flac', frame: 0 },
  // Vorbis long blocks are 2048 samples (Vorbis I spec, §1.3.2).
  { file: 'out.ogg', make: (o: string) => new VorbisEncoder({ output: o }), codec: 'vorbis', frame: 2048 },
  // Opus frames are 20 ms here (libopus's default), 960 samples at 48 kHz.
  { file: 'out.opus', make: (o: string) => new OpusEncoder({ output: o }), codec: 'opus', frame: 960 },
  {
    file: 'opus.webm',
    make: (o: string) => new OpusEncoder({ output: o, container: 'webm' }),
    codec: 'opus',
    frame: 960,
  },
  { file: 'out.mp3', make: (o: string) => new Mp3Encoder({ output: o }), codec: 'mp3', frame: 1152 },
  { file: 'out.m4a', make: (o: string) => new AacEncoder({ output: o }), codec: 'aac', frame: 1024 },
  { file: 'vorbis.webm', make: (o: string) => new WebmEncoder({ output: o }), codec: 'vorbis', frame: 2048 },
  {
    file: 'opus2.webm',
    make: (o: string) => new WebmEncoder({ output: o, codec: 'opus', bitrate: 128 }),
    codec: 'opus',
    frame: 960,
  },
] as const;

let reference: Float32Array[];

beforeAll(async () => {
  musicLikeWav(source, SECONDS);
  reference = decodeFloat(source, SR, 2);
  // One pass: the file is decoded once and every encoder is fed from the same blocks.
  const encoders: Processor[] = cases.map((c) => c.make(join(dir, c.file)));
  await pipe(fileDecoder(source, { blockSize: 8192 }), ...encoders).run();
});

group('every encoder, decoded back with ffmpeg', () => {
  it.each(cases)(
    '$file: ffmpeg reads $codec, stereo, the duration within one codec frame',
    ({ file, codec, frame }) => {
      const path = join(dir, file);
      expect(describe(path).stream).toMatch(new RegExp(`^${codec}\\b.*stereo`));
      const decoded = decodeFloat(path, SR, 2);
      expect(reference[0].length).toBe(SECONDS * SR);
      // Opus resamples 44.1 → 48 → 44.1 kHz, which may add a frame at either end.
      expect(Math.abs(decoded[0].length - reference[0].length)).toBeLessThanOrEqual(
        frame === 0 ? 0 : frame + 1,
      );
    },
  );

  it.each(cases.filter((c) => c.frame === 0))('$file is bit-exact to the 16-bit source', ({ file }) => {
    const original = decodeS16(source);
    const decoded = decodeS16(join(dir, file));
    expect(decoded.length).toBe(original.length);
    let differing = 0;
    for (let i = 0; i < original.length; i++) if (original[i] !== decoded[i]) differing++;
    expect(differing).toBe(0);
  });

  it.each(cases.filter((c) => c.frame > 0))(
    '$file keeps a correlation ≥ 0.9 with the source once aligned for the codec delay',
    ({ file }) => {
      const decoded = decodeFloat(join(dir, file), SR, 2);
      for (let c = 0; c < 2; c++) {
        const { lag, r } = alignedCorrelation(reference[c], decoded[c], 3000);
        console.log(`${file} channel ${c}: delay ${lag} frames, correlation ${r.toFixed(4)}`);
        expect(Math.abs(lag)).toBeLessThanOrEqual(3000 - 1);
        expect(r).toBeGreaterThanOrEqual(0.9);
      }
    },
  );
});
