import { describe, expect, it } from 'vitest';
import { compileKernels, kernelsSource } from '../../../scripts/build-kernels.mjs';
import { KERNELS_WASM } from '../src/dsp/kernels-wasm.js';
import { SpectrumKernels, simdKernelsAvailable, widenMinMax } from '../src/dsp/simd-kernels.js';
import { windowFunction } from '../src/dsp/window.js';

/** A reproducible uniform generator in [−1, 1) (Park–Miller). */
function noise(length: number, seed: number): Float32Array {
  let state = seed;
  return Float32Array.from({ length }, () => {
    state = (state * 16807) % 2147483647;
    return (2 * state) / 2147483647 - 1;
  });
}

describe('STFT kernels (windowing and magnitudes)', () => {
  it('run on WebAssembly SIMD in this runtime (Node ≥ 16 has it)', () => {
    expect(simdKernelsAvailable()).toBe(true);
    expect(new SpectrumKernels(windowFunction('hann', 64)).simd).toBe(true);
    expect(new SpectrumKernels(windowFunction('hann', 64), { simd: false }).simd).toBe(false);
  });

  for (const size of [64, 1024, 2048, 4096]) {
    it(`window products equal frame[i]·window[i] rounded to single, bit for bit (size ${size})`, () => {
      const window = windowFunction('hann', size);
      const frame = noise(size, size);
      const simd = new SpectrumKernels(window).windowed(frame).slice();
      const plain = new SpectrumKernels(window, { simd: false }).windowed(frame).slice();
      for (let i = 0; i < size; i++) {
        expect(simd[i]).toBe(Math.fround(frame[i] * window[i]));
        expect(plain[i]).toBe(simd[i]);
      }
      // A Hann window is 0 at i = 0 and 1 at the middle.
      expect(Math.abs(simd[0])).toBe(0);
      expect(simd[size / 2]).toBe(frame[size / 2]);
    });

    it(`magnitudes equal single(√(re² + im²)), the odd last bin included, bit for bit (size ${size})`, () => {
      const spectrum = noise(size + 2, 3 * size + 1);
      const bins = size / 2 + 1;
      expect(bins % 2).toBe(1);
      const simd = new Float32Array(bins);
      const plain = new Float32Array(bins);
      new SpectrumKernels(windowFunction('hann', size)).magnitudes(spectrum, simd);
      new SpectrumKernels(windowFunction('hann', size), { simd: false }).magnitudes(spectrum, plain);
      for (let k = 0; k < bins; k++) {
        expect(simd[k]).toBe(Math.fround(Math.hypot(spectrum[2 * k], spectrum[2 * k + 1])));
        expect(plain[k]).toBe(simd[k]);
      }
      // (3, 4) has magnitude 5 in any bin, the first and the last.
      spectrum.set([3, 4], 0);
      spectrum.set([-4, 3], size);
      new SpectrumKernels(windowFunction('hann', size)).magnitudes(spectrum, simd);
      expect(simd[0]).toBe(5);
      expect(simd[bins - 1]).toBe(5);
    });
  }

  it('kernels-wasm.ts holds the compiled kernels.wat', async () => {
    expect(kernelsSource(await compileKernels())).toContain(`'${KERNELS_WASM}'`);
  });
});

describe('widenMinMax', () => {
  /** The plain loop, the reference. */
  function reference(samples: Float32Array, from: number, to: number, row: Float32Array, index: number) {
    for (let i = from; i < to; i++) {
      if (samples[i] < row[index]) row[index] = samples[i];
      if (samples[i] > row[index + 1]) row[index + 1] = samples[i];
    }
  }

  it('widens a [min, max] as the plain loop does, for every range length and offset, over chunk boundaries', () => {
    const samples = noise(40000, 11);
    for (const [from, to] of [
      [0, 0],
      [5, 6],
      [3, 40],
      [1, 257],
      [7, 1000],
      [0, 40000],
      [13, 33333],
    ]) {
      for (const start of [
        [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY],
        [-0.25, 0.25],
      ]) {
        const expected = new Float32Array([9, ...start]);
        reference(samples, from, to, expected, 1);
        const simd = new Float32Array([9, ...start]);
        widenMinMax(samples, from, to, simd, 1);
        const plain = new Float32Array([9, ...start]);
        widenMinMax(samples, from, to, plain, 1, { simd: false });
        expect([...simd], `[${from}, ${to})`).toEqual([...expected]);
        expect([...plain]).toEqual([...expected]);
      }
    }
  });

  it('finds an extreme in any lane and in the tail: a spike at each position of a 67-sample range', () => {
    for (let at = 0; at < 67; at++) {
      const samples = new Float32Array(67).fill(0.5);
      samples[at] = -3;
      samples[(at + 30) % 67] = 2;
      const row = new Float32Array([Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]);
      widenMinMax(samples, 0, 67, row, 0);
      expect([...row]).toEqual([-3, 2]);
    }
  });
});
