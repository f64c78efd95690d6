import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { arrayDecoder, fileDecoder, isTimesideError, pipe } from '@timeside/core';
import { afterAll, describe, expect, it } from 'vitest';
// Sibling first-party plugins, from their sources (tests import src, never dist).
import { Level } from '../../plugin-aubio-like/src/level.js';
import { WavEncoder } from '../../plugin-encoders/src/wav_encoder.js';
import { Gain } from '../src/gain.js';
import { Capture, sine } from './capture.js';

const dir = mkdtempSync(join(tmpdir(), 'timeside-fx-gain-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function levels(data: Float32Array[], ...fx: Gain[]): Promise<{ max: number; rms: number }> {
  const results = await pipe(arrayDecoder(data, 44100, { blockSize: 1000 }), ...fx, new Level()).run();
  return { max: results.get('level.max')?.value as number, rms: results.get('level.rms')?.value as number };
}

describe('gain', () => {
  it('−6 dB before level moves its peak and RMS by −6.0 dB, and leaves the input arrays alone', async () => {
    const left = sine(440, 44100, 44100, { amplitude: 0.8 });
    const right = sine(1000, 44100, 44100, { amplitude: 0.5 });
    const copy = Float32Array.from(left);
    const before = await levels([left, right]);
    const after = await levels([left, right], new Gain({ gain: -6 }));
    expect(after.max - before.max).toBeCloseTo(-6.0, 4);
    expect(after.rms - before.rms).toBeCloseTo(-6.0, 4);
    expect(left).toEqual(copy);
  });

  it.each([
    { params: { gain: 0.25, unit: 'linear' }, factor: 0.25 },
    { params: { gain: -1, unit: 'linear' }, factor: -1 },
    { params: { gain: 20 }, factor: 10 },
    { params: { gain: -20 }, factor: 0.1 },
  ])('$params multiplies by $factor', async ({ params, factor }) => {
    const input = sine(100, 8000, 500, { amplitude: 0.05 });
    const capture = new Capture();
    await pipe(arrayDecoder(input, 8000, { blockSize: 64 }), new Gain(params), capture).run();
    expect(capture.samples[0]).toHaveLength(500);
    for (let i = 0; i < 500; i++) expect(capture.samples[0][i]).toBeCloseTo(input[i] * factor, 6);
  });

  it('before a wav_encoder changes what it writes (read back by the WAV decoder)', async () => {
    const input = [sine(440, 22050, 5000, { amplitude: 0.9 }), sine(660, 22050, 5000, { amplitude: 0.4 })];
    const output = join(dir, 'sine-440hz-half.wav');
    await pipe(
      arrayDecoder(input, 22050, { blockSize: 777 }),
      new Gain({ gain: 0.5, unit: 'linear' }),
      new WavEncoder({ output, format: 'float32' }),
    ).run();
    const back = new Capture();
    await pipe(fileDecoder(output), back).run();
    expect(back.format).toMatchObject({ sampleRate: 22050, channels: 2 });
    for (let c = 0; c < 2; c++) {
      expect(back.samples[c]).toHaveLength(5000);
      // float32 is written as is: 0.5·x is exact in binary floating point.
      for (let i = 0; i < 5000; i++) expect(back.samples[c][i]).toBe(Math.fround(input[c][i] * 0.5));
    }
  });

  it('refuses a dB gain too large to represent', () => {
    try {
      new Gain({ gain: 1e6 });
      expect.unreachable();
    } catch (error) {
      expect(isTimesideError(error) && error.code).toBe('E_PARAM');
      expect((error as Error).message).toMatch(/gain/);
    }
  });
});
