import { arrayDecoder, type Matrix, matrixRow, pipe } from '@timeside/core';
import { describe, expect, it } from 'vitest';
import { SpectralContrast } from './spectral_contrast.js';

const SR = 44100;

/** Gaussian white noise from a fixed seed (mulberry32 + Box–Muller). */
function whiteNoise(length: number, seed = 7): Float32Array {
  let state = seed >>> 0;
  const uniform = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++)
    out[i] = 0.1 * Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
  return out;
}

/**
 * The contrast of Rayleigh-distributed magnitudes (those of Gaussian noise's FFT), σ = 1, for a large
 * band: 20·log10 of the mean of the top α share over the mean of the bottom α share, integrated
 * numerically from the density x·e^{−x²/2}.
 */
function rayleighContrastDb(alpha: number): number {
  const density = (x: number) => x * Math.exp((-x * x) / 2);
  const meanBetween = (a: number, b: number) => {
    const steps = 20000;
    const h = (b - a) / steps;
    let mass = 0;
    let moment = 0;
    for (let i = 0; i < steps; i++) {
      const x = a + (i + 0.5) * h;
      mass += density(x) * h;
      moment += x * density(x) * h;
    }
    return moment / mass;
  };
  const low = Math.sqrt(-2 * Math.log(1 - alpha));
  const high = Math.sqrt(-2 * Math.log(alpha));
  return 20 * Math.log10(meanBetween(high, 12) / meanBetween(0, low));
}

/** Mean over the frames wholly inside the signal of each band's value. */
function bandMeans(value: Matrix, length: number, fftSize: number, hop: number): number[] {
  const whole = Math.floor((length - fftSize) / hop) + 1;
  const sums = new Array(value.cols).fill(0);
  for (let r = 1; r < whole; r++) {
    const row = matrixRow(value, r);
    for (let b = 0; b < value.cols; b++) sums[b] += row[b] / (whole - 1);
  }
  return sums;
}

describe('spectral_contrast', () => {
  it('a pure tone reads a high contrast in its band, white noise the contrast of Rayleigh magnitudes', async () => {
    const fftSize = 8192;
    const hop = 2048;
    const length = SR;
    const tone = Float32Array.from({ length }, (_, n) => 0.5 * Math.sin((2 * Math.PI * 1000 * n) / SR));
    const params = { fftSize, hopSize: hop };
    const toneResults = await pipe(arrayDecoder(tone, SR), new SpectralContrast(params)).run();
    const noiseResults = await pipe(arrayDecoder(whiteNoise(length), SR), new SpectralContrast(params)).run();
    const toneContrast = bandMeans(
      toneResults.require('spectral_contrast').value as Matrix,
      length,
      fftSize,
      hop,
    );
    const noiseContrast = bandMeans(
      noiseResults.require('spectral_contrast').value as Matrix,
      length,
      fftSize,
      hop,
    );
    // 1 kHz lies in band 3, 800–1600 Hz.
    expect(toneContrast[3]).toBeGreaterThan(60);
    expect(toneContrast[3] - noiseContrast[3]).toBeGreaterThan(30);
    // The upper bands hold hundreds of bins (n = α·N ≥ 6): there the order statistics approach the
    // closed form for Rayleigh magnitudes.
    const expected = rayleighContrastDb(0.02);
    expect(expected).toBeGreaterThan(27);
    expect(expected).toBeLessThan(28);
    for (const band of [4, 5])
      expect(Math.abs(noiseContrast[band] - expected), `band ${band}`).toBeLessThan(3);
  });

  it('uses the paper’s six bands by default, and a valley in dB', async () => {
    const results = await pipe(arrayDecoder(whiteNoise(SR / 2), SR), new SpectralContrast()).run();
    const contrast = results.require('spectral_contrast').value as Matrix;
    const valley = results.require('spectral_contrast.valley').value as Matrix;
    expect(contrast.cols).toBe(6);
    expect(valley.rows).toBe(contrast.rows);
  });
});
