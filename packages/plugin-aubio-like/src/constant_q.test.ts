import { arrayDecoder, isTimesideError, type Matrix, matrixRow, pipe } from '@timeside/core';
import { describe, expect, it } from 'vitest';
import { ConstantQ } from './constant_q.js';

const SR = 44100;
const FMIN = 130.8128;

/**
 * The response of a Hann window of N samples, at δ of its bins from a tone, relative to its peak
 * (continuous-time closed form: sinc(δ)/(1 − δ²), ½ at δ = ±1, 0 at ±2).
 */
function hannResponse(delta: number): number {
  const d = Math.abs(delta);
  if (Math.abs(d - 1) < 1e-9) return 0.5;
  if (d < 1e-12) return 1;
  return Math.abs(Math.sin(Math.PI * d) / (Math.PI * d) / (1 - d * d));
}

function sine(freqHz: number, amplitude: number, seconds = 0.6): Float32Array {
  return Float32Array.from(
    { length: Math.round(seconds * SR) },
    (_, n) => amplitude * Math.sin((2 * Math.PI * freqHz * n) / SR),
  );
}

describe('constant_q', () => {
  it.each([
    { freqHz: 220, binsPerOctave: 12 },
    { freqHz: 440, binsPerOctave: 12 },
    { freqHz: 1000, binsPerOctave: 12 },
    { freqHz: 440, binsPerOctave: 24 },
    { freqHz: 261.6256, binsPerOctave: 24 },
  ])(
    'a $freqHz Hz tone peaks in its bin at $binsPerOctave bins per octave',
    async ({ freqHz, binsPerOctave }) => {
      const amplitude = 0.4;
      const nBins = 5 * binsPerOctave;
      const params = { binsPerOctave, nBins, fftSize: binsPerOctave === 24 ? 16384 : 8192 };
      const results = await pipe(arrayDecoder(sine(freqHz, amplitude), SR), new ConstantQ(params)).run();
      const value = results.require('constant_q').value as Matrix;
      expect(value.cols).toBe(nBins);
      const frequencies = results.require('constant_q.frequencies').value as Float64Array;
      const expectedBin = Math.round(binsPerOctave * Math.log2(freqHz / FMIN));
      expect(frequencies[expectedBin]).toBeCloseTo(FMIN * 2 ** (expectedBin / binsPerOctave), 6);
      // A frame wholly inside the tone.
      const row = matrixRow(value, 4);
      let peak = 0;
      for (let k = 1; k < nBins; k++) if (row[k] > row[peak]) peak = k;
      expect(peak).toBe(expectedBin);
      // Bin k's kernel is a Hann window of N_k = ceil(Q·Fs/f_k) samples: a tone δ = (f − f_k)·N_k/Fs of
      // its bins away reads amplitude × the window's response at δ (the frame's own window aside).
      const q = 1 / (2 ** (1 / binsPerOctave) - 1);
      const reads = (k: number) => {
        const length = Math.ceil((q * SR) / frequencies[k]);
        return amplitude * hannResponse(((freqHz - frequencies[k]) * length) / SR);
      };
      // The frame's window shortens the longest kernels a little: 4 % of the amplitude beside the peak.
      expect(Math.abs(row[peak] - reads(peak))).toBeLessThan(0.02 * amplitude);
      for (const k of [peak - 2, peak - 1, peak + 1, peak + 2]) {
        expect(Math.abs(row[k] - reads(k)), `bin ${k}`).toBeLessThan(0.04 * amplitude);
      }
    },
  );

  it('refuses an fftSize shorter than the lowest bin’s kernel, and a top bin above Nyquist', async () => {
    const tooShort = pipe(arrayDecoder(new Float32Array(1000), SR), new ConstantQ({ fftSize: 4096 })).run();
    await expect(tooShort).rejects.toSatisfy(
      (e) => isTimesideError(e) && e.code === 'E_PARAM' && /5670 samples/.test((e as Error).message),
    );
    const tooHigh = pipe(arrayDecoder(new Float32Array(1000), 16000), new ConstantQ({ nBins: 96 })).run();
    await expect(tooHigh).rejects.toSatisfy(
      (e) => isTimesideError(e) && /Nyquist/.test((e as Error).message),
    );
  });
});
