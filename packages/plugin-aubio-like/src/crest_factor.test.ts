import { arrayDecoder, pipe } from '@timeside/core';
import { describe, expect, it } from 'vitest';
import { CrestFactor } from './crest_factor.js';

const SR = 44100;

describe('crest_factor', () => {
  it('a square wave reads 1 (0 dB)', async () => {
    const square = Float32Array.from({ length: 10000 }, (_, n) =>
      Math.floor(n / 50) % 2 === 0 ? 0.7 : -0.7,
    );
    const results = await pipe(arrayDecoder(square, SR), new CrestFactor()).run();
    expect(results.get('crest_factor')?.value).toBeCloseTo(1, 6);
    expect(results.get('crest_factor.db')?.value).toBeCloseTo(0, 5);
  });

  it.each([
    { freqHz: 441, amplitude: 1 },
    { freqHz: 1102.5, amplitude: 0.25 },
    { freqHz: 100, amplitude: 0.5 },
  ])('a sine at $freqHz Hz, amplitude $amplitude, reads √2 (3.01 dB)', async ({ freqHz, amplitude }) => {
    // A cosine: sample 0 is the exact peak.
    const frames = SR;
    const signal = Float32Array.from(
      { length: frames },
      (_, n) => amplitude * Math.cos((2 * Math.PI * freqHz * n) / SR),
    );
    const results = await pipe(
      arrayDecoder([signal, signal], SR, { blockSize: 3000 }),
      new CrestFactor(),
    ).run();
    expect(Math.abs((results.get('crest_factor')?.value as number) - Math.SQRT2)).toBeLessThan(1e-4);
    expect(results.get('crest_factor.db')?.value).toBeCloseTo(10 * Math.log10(2), 3);
  });
});
