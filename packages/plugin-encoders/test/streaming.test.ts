import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { arrayDecoder, fileDecoder, isTimesideError, liveFfmpegProcesses, pipe } from '@timeside/core';
import { describe, expect, it } from 'vitest';
import { AacEncoder } from '../src/aac_encoder.js';
import type { Encoder } from '../src/base/encoder.js';
import { FlacEncoder } from '../src/flac_encoder.js';
import { Mp3Encoder } from '../src/mp3_encoder.js';
import { OpusEncoder } from '../src/opus_encoder.js';
import { VorbisEncoder } from '../src/vorbis_encoder.js';
import { WavEncoder } from '../src/wav_encoder.js';
import { WebmEncoder } from '../src/webm_encoder.js';
import {
  alignedCorrelation,
  decodeFloat,
  FailsAfter,
  musicLikeWav,
  runFfmpeg,
  SynthDecoder,
  tempDir,
} from './helpers.js';

const SR = 44100;
const dir = tempDir('timeside-stream-');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A seeded music-like stereo signal in memory: two harmonic tones over low noise. */
function stereo(seconds: number): Float32Array[] {
  const frames = Math.round(seconds * SR);
  const left = new Float32Array(frames);
  const right = new Float32Array(frames);
  let seed = 42;
  for (let i = 0; i < frames; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    const noise = (seed / 2 ** 32 - 0.5) * 0.02;
    const t = i / SR;
    left[i] = 0.3 * Math.sin(2 * Math.PI * 330 * t) + 0.1 * Math.sin(2 * Math.PI * 660 * t) + noise;
    right[i] = 0.3 * Math.sin(2 * Math.PI * 220 * t) + 0.1 * Math.sin(2 * Math.PI * 440 * t) + noise;
  }
  return [left, right];
}

describe('streaming (encoder.stream())', () => {
  it('hands out the first chunks long before the input has finished decoding', async () => {
    const input = join(dir, 'sine-440hz-10min-mono-44k.wav');
    runFfmpeg([
      '-y',
      '-f',
      'lavfi',
      '-i',
      `sine=f=440:sample_rate=${SR}:duration=600`,
      '-c:a',
      'pcm_s16le',
      input,
    ]);
    const total = 600 * SR;
    const encoder = new VorbisEncoder();
    const chunks = encoder.stream();
    const pipeline = pipe(fileDecoder(input), encoder);
    let framesDone = 0;
    pipeline.on('progress', (e: { framesDone: number }) => {
      framesDone = e.framesDone;
    });
    const controller = new AbortController();
    const run = pipeline.run({ signal: controller.signal }).catch((e: unknown) => e);
    let received = 0;
    let framesAtFirstAudio = -1;
    try {
      for await (const chunk of chunks) {
        received += (chunk as Buffer).length;
        // The three Vorbis headers take ≈ 4 KiB: past 16 KiB the chunks carry audio.
        if (received > 16 * 1024) {
          framesAtFirstAudio = framesDone;
          break;
        }
      }
    } catch {
      // Breaking out destroys the stream; the run is aborted below.
    }
    controller.abort();
    const error = await run;
    expect(isTimesideError(error) && error.code).toBe('E_ABORT');
    console.log(`first 16 KiB of ogg after ${framesAtFirstAudio} of ${total} frames decoded`);
    expect(framesAtFirstAudio).toBeGreaterThan(0);
    expect(framesAtFirstAudio).toBeLessThan(total / 10);
    expect(liveFfmpegProcesses()).toBe(0);
  });

  it('a slow reader holds the pipeline back: wav_encoder stays within a few blocks of what was read', async () => {
    const blockSize = 4096;
    const encoder = new WavEncoder();
    const chunks = encoder.stream();
    const pipeline = pipe(arrayDecoder(stereo(30), SR, { blockSize }), encoder);
    let framesDone = 0;
    pipeline.on('progress', (e: { framesDone: number }) => {
      framesDone = e.framesDone;
    });
    const run = pipeline.run();
    const headerBytes = 44;
    let consumed = 0;
    let worstAhead = 0;
    for await (const chunk of chunks) {
      consumed += (chunk as Buffer).length;
      const framesRead = Math.max(0, (consumed - headerBytes) / 4);
      worstAhead = Math.max(worstAhead, framesDone - framesRead);
      await sleep(1);
    }
    await run;
    expect(consumed).toBe(headerBytes + 30 * SR * 4);
    console.log(
      `wav stream: at most ${worstAhead} frames (${(worstAhead / blockSize).toFixed(2)} blocks) decoded ahead of the reader`,
    );
    // Two 64 KiB stream buffers hold 8 blocks of 16 KiB; one more is being written.
    expect(worstAhead).toBeLessThanOrEqual(9 * blockSize);
  });

  it('a reader that stops stalls an ffmpeg encoder too: decoding stops a bounded way ahead', async () => {
    const hours = 1;
    const encoder = new VorbisEncoder();
    const chunks = encoder.stream();
    chunks.pause();
    const pipeline = pipe(new SynthDecoder(hours * 3600), encoder);
    let framesDone = 0;
    pipeline.on('progress', (e: { framesDone: number }) => {
      framesDone = e.framesDone;
    });
    const controller = new AbortController();
    const run = pipeline.run({ signal: controller.signal }).catch((e: unknown) => e);
    // Wait until the pass stops moving: nothing is read, so the pipes and buffers fill up.
    let last = -1;
    for (let waited = 0; waited < 20_000 && framesDone !== last; waited += 500) {
      last = framesDone;
      await sleep(500);
    }
    const stalledAt = framesDone;
    controller.abort();
    expect(isTimesideError(await run) && ((await run) as { code: string }).code).toBe('E_ABORT');
    console.log(
      `vorbis stream, nobody reading: stalled after ${(stalledAt / SR).toFixed(1)} s of ${hours} h`,
    );
    expect(stalledAt).toBe(last);
    // The pipes (ffmpeg's stdin and stdout) and the stream buffers hold a bounded number of bytes,
    // a few hundred KiB: at this bitrate some tens of seconds, however long the input.
    expect(stalledAt).toBeLessThan(120 * SR);
    expect(liveFfmpegProcesses()).toBe(0);
  });

  const cases: { file: string; make: () => Encoder; frame: number }[] = [
    { file: 'stream.wav', make: () => new WavEncoder(), frame: 0 },
    { file: 'stream.flac', make: () => new FlacEncoder(), frame: 0 },
    { file: 'stream.ogg', make: () => new VorbisEncoder(), frame: 2048 },
    { file: 'stream.opus', make: () => new OpusEncoder(), frame: 960 },
    { file: 'stream-opus.webm', make: () => new OpusEncoder({ container: 'webm' }), frame: 960 },
    // Without a LAME header (it is written by seeking back) decoders keep the encoder delay and padding.
    { file: 'stream.mp3', make: () => new Mp3Encoder(), frame: 3 * 1152 },
    { file: 'stream.m4a', make: () => new AacEncoder(), frame: 2048 },
    { file: 'stream.webm', make: () => new WebmEncoder(), frame: 2048 },
  ];

  it('streams every format into a slow Writable, all in one pass; ffmpeg decodes each stream', async () => {
    const source = join(dir, 'music-like-3s.wav');
    musicLikeWav(source, 3);
    const reference = decodeFloat(source, SR, 2);
    const collected = cases.map(() => [] as Buffer[]);
    const encoders = cases.map((c, i) => {
      const encoder = c.make();
      encoder.stream(
        new Writable({
          write(chunk: Buffer, _encoding, callback) {
            collected[i].push(chunk);
            setTimeout(callback, 1);
          },
        }),
      );
      return encoder;
    });
    await pipe(fileDecoder(source), ...encoders).run();
    for (const [i, c] of cases.entries()) {
      const path = join(dir, c.file);
      writeFileSync(path, Buffer.concat(collected[i]));
      const decoded = decodeFloat(path, SR, 2);
      const excess = decoded[0].length - reference[0].length;
      console.log(`${c.file}: ${excess} frames longer than the source`);
      expect(Math.abs(excess), c.file).toBeLessThanOrEqual(c.frame === 0 ? 0 : c.frame + 1);
      const { r } = alignedCorrelation(reference[0], decoded[0], 2500);
      expect(r, c.file).toBeGreaterThan(0.9);
    }
  });

  it('a failing processor ends the stream with its error, not with a clean end', async () => {
    const encoder = new VorbisEncoder();
    const chunks = encoder.stream();
    const run = pipe(arrayDecoder(stereo(3), SR, { blockSize: 4096 }), encoder, new FailsAfter()).run();
    const consumed = (async () => {
      for await (const _ of chunks) {
        // read on
      }
      return new Error('the stream ended cleanly');
    })().catch((e: unknown) => e as Error);
    await expect(run).rejects.toThrow(/fails_after/);
    // The consumer sees the run's own error.
    expect((await consumed).message).toMatch(/processor fails_after failed in process\(\)/);
    expect(liveFfmpegProcesses()).toBe(0);
  });

  it('an input that cannot be opened ends the stream with an error instead of leaving it waiting', async () => {
    const encoder = new VorbisEncoder();
    const chunks = encoder.stream();
    const run = pipe(fileDecoder(join(dir, 'no-such-input.wav')), encoder).run();
    const consumed = (async () => {
      for await (const _ of chunks) {
        // read on
      }
      return new Error('the stream ended cleanly');
    })().catch((e: unknown) => e as Error);
    await expect(run).rejects.toThrow(/no-such-input\.wav/);
    const error = await consumed;
    expect(isTimesideError(error)).toBe(true);
    expect(error.message).not.toBe('the stream ended cleanly');
  });

  it('a consumer that goes away fails the run with E_ENCODE and stops ffmpeg', async () => {
    const encoder = new VorbisEncoder();
    const chunks = encoder.stream();
    const run = pipe(arrayDecoder(stereo(60), SR, { blockSize: 4096 }), encoder).run();
    for await (const _ of chunks) break; // destroys the stream
    const error = await run.catch((e: unknown) => e);
    expect(isTimesideError(error) && error.code).toBe('E_ENCODE');
    expect(String((error as Error).message)).toMatch(/vorbis_encoder cannot encode stream: .*closed/);
    expect(liveFfmpegProcesses()).toBe(0);
  });

  it('an encoder writes to a file or a stream, not both', () => {
    expect(() => new WavEncoder({ output: join(dir, 'x.wav') }).stream()).toThrow(
      /either to a file or to stream/,
    );
  });
});
