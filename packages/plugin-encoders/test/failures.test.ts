import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { arrayDecoder, isTimesideError, liveFfmpegProcesses, pipe } from '@timeside/core';
import { describe, expect, it } from 'vitest';
import { AacEncoder } from '../src/aac_encoder.js';
import type { Encoder } from '../src/base/encoder.js';
import { FlacEncoder } from '../src/flac_encoder.js';
import { Mp3Encoder } from '../src/mp3_encoder.js';
import { OpusEncoder } from '../src/opus_encoder.js';
import { VorbisEncoder } from '../src/vorbis_encoder.js';
import { WavEncoder } from '../src/wav_encoder.js';
import { WebmEncoder } from '../src/webm_encoder.js';
import { countingDecoder, FailsAfter, ffmpegChildren, SynthDecoder, tempDir } from './helpers.js';

const SR = 44100;
const dir = tempDir('timeside-fail-');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const encoders: { id: string; make: (output: string) => Encoder; ext: string }[] = [
  { id: 'aac_encoder', make: (output) => new AacEncoder({ output }), ext: 'm4a' },
  { id: 'flac_encoder', make: (output) => new FlacEncoder({ output }), ext: 'flac' },
  { id: 'mp3_encoder', make: (output) => new Mp3Encoder({ output }), ext: 'mp3' },
  { id: 'opus_encoder', make: (output) => new OpusEncoder({ output }), ext: 'opus' },
  { id: 'vorbis_encoder', make: (output) => new VorbisEncoder({ output }), ext: 'ogg' },
  { id: 'wav_encoder', make: (output) => new WavEncoder({ output }), ext: 'wav' },
  { id: 'webm_encoder', make: (output) => new WebmEncoder({ output }), ext: 'webm' },
];

describe('failures leave no output behind', () => {
  it('a failing processor: no file of any of the seven encoders remains, no ffmpeg runs', async () => {
    const out = join(dir, 'failing');
    const run = pipe(
      new SynthDecoder(5, SR, 4096),
      ...encoders.map((e) => e.make(join(out, `x.${e.ext}`))),
      new FailsAfter(),
    ).run();
    await expect(run).rejects.toThrow(/processor fails_after failed in process\(\)/);
    expect(readdirSync(out)).toEqual([]);
    expect(liveFfmpegProcesses()).toBe(0);
  });

  it.each(['vorbis_encoder', 'aac_encoder'])(
    '%s: a killed ffmpeg fails the run with E_ENCODE and leaves no file',
    async (id) => {
      const out = join(dir, `killed-${id}`);
      const entry = encoders.find((e) => e.id === id)!;
      const pipeline = pipe(new SynthDecoder(600, SR, 4096), entry.make(join(out, `x.${entry.ext}`)));
      let framesDone = 0;
      pipeline.on('progress', (e: { framesDone: number }) => {
        framesDone = e.framesDone;
      });
      const run = pipeline.run().catch((e: unknown) => e);
      while (framesDone < 2 * SR) await sleep(20);
      const children = ffmpegChildren();
      expect(children).toHaveLength(1);
      process.kill(children[0], 'SIGKILL');
      const error = await run;
      expect(isTimesideError(error) && error.code).toBe('E_ENCODE');
      expect(String((error as Error).message)).toMatch(
        new RegExp(`${id} cannot encode .*x\\.${entry.ext}: .*killed \\(SIGKILL\\)`),
      );
      expect(readdirSync(out)).toEqual([]);
      expect(liveFfmpegProcesses()).toBe(0);
    },
  );

  it.each(encoders.filter((e) => e.id !== 'wav_encoder'))(
    '$id: an empty stream fails with E_ENCODE (no unreadable file), nothing left',
    async ({ id, make, ext }) => {
      const out = join(dir, `empty-${id}`);
      const error = await pipe(arrayDecoder(new Float32Array(0), SR), make(join(out, `x.${ext}`)))
        .run()
        .catch((e: unknown) => e);
      expect(isTimesideError(error) && error.code).toBe('E_ENCODE');
      expect(String((error as Error).message)).toMatch(
        new RegExp(`${id} cannot encode .*x\\.${ext}: the stream is empty`),
      );
      expect(readdirSync(out)).toEqual([]);
      expect(liveFfmpegProcesses()).toBe(0);
    },
  );
});

describe('an encoder that cannot start fails at setup, before any decoding', () => {
  it.each(encoders)('$id: an output below a regular file', async ({ id, make, ext }) => {
    const blocker = join(dir, `blocker-${id}`);
    writeFileSync(blocker, 'not a directory');
    const output = join(blocker, 'sub', `x.${ext}`);
    const { decoder, read } = countingDecoder(2);
    const error = await pipe(decoder, make(output))
      .run()
      .catch((e: unknown) => e);
    expect(isTimesideError(error) && error.code).toBe('E_ENCODE');
    expect(String((error as Error).message)).toContain(
      `${id} cannot encode ${output}: cannot write the ${ext}`,
    );
    expect(read()).toBe(0);
  });

  // Root writes anywhere: there the case above is the one that shows setup failures.
  it.skipIf(process.getuid?.() === 0)('an unwritable directory', async () => {
    const locked = join(dir, 'locked');
    mkdirSync(locked, { mode: 0o555 });
    const { decoder, read } = countingDecoder(2);
    const error = await pipe(decoder, new Mp3Encoder({ output: join(locked, 'x.mp3') }))
      .run()
      .catch((e: unknown) => e);
    expect(String((error as Error).message)).toMatch(
      /mp3_encoder cannot encode .*x\.mp3: cannot write the mp3/,
    );
    expect(read()).toBe(0);
  });
});

describe('parameters are checked at construction', () => {
  it.each([
    {
      make: () => new WebmEncoder({ bitrate: 16 }),
      error: /webm_encoder: parameter "bitrate" must be ≥ 32 for vorbis/,
    },
    {
      make: () => new OpusEncoder({ container: 'mp4' }),
      error: /opus_encoder: parameter "container" must be one of/,
    },
    {
      make: () => new Mp3Encoder({ bitrate: 100 }),
      error: /mp3_encoder: parameter "bitrate" must be one of/,
    },
    {
      make: () => new FlacEncoder({ compression: 13 }),
      error: /flac_encoder: parameter "compression" must be ≤ 12/,
    },
    { make: () => new AacEncoder({ bitrate: 8 }), error: /aac_encoder: parameter "bitrate" must be ≥ 16/ },
  ])('$error', ({ make, error }) => {
    expect(make).toThrow(error);
  });

  it('accepts opus at a low bitrate in webm', () => {
    expect(() => new WebmEncoder({ codec: 'opus', bitrate: 16 })).not.toThrow();
  });
});
