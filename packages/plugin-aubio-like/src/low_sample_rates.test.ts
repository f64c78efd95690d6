import { arrayDecoder, type Matrix, matrixRow, pipe } from '@timeside/core';
import { describe, expect, it } from 'vitest';
import { Chroma } from './chroma.js';
import { ConstantQ } from './constant_q.js';
import { CrestFactor } from './crest_factor.js';
import { DcOffset } from './dc_offset.js';
import { Dissonance } from './dissonance.js';
import { Key } from './key.js';
import { SpectralContrast } from './spectral_contrast.js';
import { Tuning } from './tuning.js';

// Telephone and speech archives come at 8 and 16 kHz: the defaults (fmax of 5 to 10 kHz, five
// octaves of constant-Q bins) are capped at the Nyquist frequency instead of failing.
describe.each([8000, 16000])('the new analyzers with default parameters at %i Hz', (sampleRate) => {
  const tone = Float32Array.from(
    { length: sampleRate },
    (_, n) => 0.5 * Math.sin((2 * Math.PI * 440 * n) / sampleRate),
  );

  it('all run in one pass; tuning reads an A440 as 440 Hz, constant_q peaks on A4', async () => {
    const results = await pipe(
      arrayDecoder(tone, sampleRate),
      new Chroma(),
      new ConstantQ(),
      new CrestFactor(),
      new DcOffset(),
      new Dissonance(),
      new Key(),
      new SpectralContrast(),
      new Tuning(),
    ).run();
    expect(Math.abs((results.require('tuning').value as number) - 440)).toBeLessThan(0.5);
    const frequencies = results.require('constant_q.frequencies').value as Float64Array;
    // Bins fit while their upper half-bin edge stays below Nyquist (five octaves at most).
    const fitting = Math.min(60, Math.ceil(12 * Math.log2(sampleRate / 2 / 130.8128) - 0.5));
    expect(frequencies.length).toBe(fitting);
    expect(frequencies[fitting - 1] * 2 ** (1 / 24)).toBeLessThan(sampleRate / 2);
    const row = matrixRow(results.require('constant_q').value as Matrix, 3);
    let peak = 0;
    for (let k = 1; k < row.length; k++) if (row[k] > row[peak]) peak = k;
    expect(frequencies[peak]).toBeCloseTo(440, 0);
    const chroma = matrixRow(results.require('chroma').value as Matrix, 1);
    expect(chroma[9]).toBe(1);
  });
});
