import { arrayDecoder, pipe } from '@timeside/core';
import { describe, expect, it } from 'vitest';
import { Tuning } from './tuning.js';

const SR = 44100;

/** A harmonic tone: partials n·f0 at amplitude a/n. */
function harmonic(f0: number, partials: number, seconds = 1, amplitude = 0.5): Float32Array {
  const out = new Float32Array(Math.round(seconds * SR));
  for (let n = 1; n <= partials; n++) {
    for (let i = 0; i < out.length; i++)
      out[i] += (amplitude / n) * Math.sin((2 * Math.PI * n * f0 * i) / SR);
  }
  return out;
}

describe('tuning', () => {
  it.each([
    { name: 'a 442 Hz A (pure)', signal: harmonic(442, 1), expected: 442 },
    { name: 'a 442 Hz A, 6 harmonics', signal: harmonic(442, 6), expected: 442 },
    // Harmonics 3 (a just fifth, +1.96 cents) and above are not equal-tempered; with three the bias is 0.4 cent.
    { name: 'A4 = 432 Hz, 3 harmonics of A3', signal: harmonic(216, 3), expected: 432 },
    { name: 'E5 on A4 = 442 Hz', signal: harmonic(442 * 2 ** (7 / 12), 3), expected: 442 },
    { name: 'A 440 Hz', signal: harmonic(440, 1), expected: 440 },
  ])('$name reads $expected ± 0.5 Hz', async ({ signal, expected }) => {
    const results = await pipe(arrayDecoder(signal, SR), new Tuning()).run();
    const tuning = results.require('tuning').value as number;
    expect(Math.abs(tuning - expected)).toBeLessThan(0.5);
    // ±0.5 Hz at A4 is ±2 cents.
    const cents = results.require('tuning.cents').value as number;
    expect(Math.abs(cents - 1200 * Math.log2(expected / 440))).toBeLessThan(2);
    expect(results.require('tuning.confidence').value as number).toBeGreaterThan(0.9);
  });

  it('reads 440 Hz with confidence 0 on silence', async () => {
    const results = await pipe(arrayDecoder(new Float32Array(SR / 4), SR), new Tuning()).run();
    expect(results.require('tuning').value).toBe(440);
    expect(results.require('tuning.confidence').value).toBe(0);
  });
});
