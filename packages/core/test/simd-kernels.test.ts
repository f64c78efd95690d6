import { describe, expect, it } from 'vitest';
import { compileKernels, kernelsSource } from '../../../scripts/build-kernels.mjs';
import { KERNELS_WASM } from '../src/dsp/kernels-wasm.js';
import { SpectrumKernels, simdKernelsAvailable } from '../src/dsp/simd-kernels.js';
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
