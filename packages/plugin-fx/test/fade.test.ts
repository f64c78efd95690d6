import { arrayDecoder, pipe } from '@timeside/core';
import { describe, expect, it } from 'vitest';
import { Level } from '../../plugin-aubio-like/src/level.js';
import { Fade } from '../src/fade.js';
import { Capture } from './capture.js';

/** The shapes written out from their definitions, independently of the code under test. */
const CURVES = {
  linear: (t: number) => t,
  qsin: (t: number) => Math.sin((Math.PI / 2) * t),
  hsin: (t: number) => 0.5 - 0.5 * Math.cos(Math.PI * t),
  exponential: (t: number) => (t === 0 ? 0 : 1000 ** (t - 1)),
} as const;

describe('fade', () => {
  it.each([
    { shape: 'linear', blockSize: 7, frames: 50 },
    { shape: 'qsin', blockSize: 3, frames: 50 },
    { shape: 'hsin', blockSize: 64, frames: 50 },
    { shape: 'exponential', blockSize: 11, frames: 50 },
    // Fades longer than the stream overlap; blocks shorter than the fade-out.
    { shape: 'linear', blockSize: 4, frames: 9 },
  ] as const)(
    '$shape over a constant, blocks of $blockSize, $frames frames',
    async ({ shape, blockSize, frames }) => {
      const sr = 100;
      const fadeIn = 10;
      const fadeOut = 13;
      const input = [new Float32Array(frames).fill(1), new Float32Array(frames).fill(-0.5)];
      const capture = new Capture();
      await pipe(
        arrayDecoder(input, sr, { blockSize }),
        new Fade({ fadeIn: fadeIn / sr, fadeOut: fadeOut / sr, shape }),
        capture,
      ).run();
      const g = CURVES[shape];
      const expected = Array.from({ length: frames }, (_, n) => {
        const gainIn = n < fadeIn ? g(n / fadeIn) : 1;
        const left = frames - 1 - n;
        const gainOut = left < fadeOut ? g(left / fadeOut) : 1;
        return gainIn * gainOut;
      });
      expect(capture.samples[0]).toHaveLength(frames);
      for (let n = 0; n < frames; n++) {
        expect(capture.samples[0][n]).toBeCloseTo(expected[n], 6);
        expect(capture.samples[1][n]).toBeCloseTo(-0.5 * expected[n], 6);
      }
      // The last frame is silent, the first too (g(0) = 0 for every shape).
      expect(capture.samples[0][0]).toBe(0);
      expect(capture.samples[0][frames - 1]).toBe(0);
    },
  );

  it('delays the stream by the fade-out but keeps every frame for the processors after it', async () => {
    const input = new Float32Array(44100).fill(0.5);
    const results = await pipe(
      arrayDecoder(input, 44100, { blockSize: 1000 }),
      new Fade({ fadeOut: 0.5 }),
      new Level({ frameSize: 22050, hopSize: 22050 }),
    ).run();
    // Frames 0–22049 untouched (0.5 → −6.02 dBFS); the second half fades linearly: RMS of 0.5·t.
    const frames = results.get('level.rms_frames')?.value as Float32Array;
    expect(frames).toHaveLength(2);
    expect(frames[0]).toBeCloseTo(20 * Math.log10(0.5), 3);
    expect(frames[1]).toBeCloseTo(20 * Math.log10(0.5 / Math.sqrt(3)), 2);
  });
});
