import { afterEach, describe, expect, it, vi } from 'vitest';
import { type FftBackend, fftBackend, RealFft } from '../src/dsp/fft.js';
import { loadPffft, type PffftModule, PffftPlan, wasmSimdSupported } from '../src/dsp/pffft.js';

const SIZES = [64, 128, 256, 512, 1024, 2048, 4096, 8192];
const BACKENDS: FftBackend[] = ['pffft', 'fftjs'];

/** mulberry32: a small seeded PRNG, so every run transforms the same "random" signals. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function noise(size: number, seed: number): Float64Array {
  const next = random(seed);
  return Float64Array.from({ length: size }, () => 2 * next() - 1);
}

/** The definition X_k = Σ x_n·e^{−2πikn/N}, k = 0..N/2, in double precision: O(N²). */
function directDft(x: ArrayLike<number>): Float64Array {
  const size = x.length;
  const cos = Float64Array.from({ length: size }, (_, i) => Math.cos((2 * Math.PI * i) / size));
  const sin = Float64Array.from({ length: size }, (_, i) => Math.sin((2 * Math.PI * i) / size));
  const out = new Float64Array(size + 2);
  for (let k = 0; k <= size / 2; k++) {
    let re = 0;
    let im = 0;
    for (let n = 0, phase = 0; n < size; n++, phase = (phase + k) % size) {
      re += x[n] * cos[phase];
      im -= x[n] * sin[phase];
    }
    out[2 * k] = re;
    out[2 * k + 1] = im;
  }
  return out;
}

/** Largest |actual − expected| over bins 0..N/2, relative to the spectrum's largest magnitude. */
function relativeError(actual: ArrayLike<number>, expected: Float64Array): number {
  let peak = 0;
  let error = 0;
  for (let k = 0; k < expected.length / 2; k++) {
    peak = Math.max(peak, Math.hypot(expected[2 * k], expected[2 * k + 1]));
    error = Math.max(
      error,
      Math.hypot(actual[2 * k] - expected[2 * k], actual[2 * k + 1] - expected[2 * k + 1]),
    );
  }
  return error / peak;
}

const references = new Map<number, { input: Float64Array; spectrum: Float64Array }>();
function reference(size: number): { input: Float64Array; spectrum: Float64Array } {
  let ref = references.get(size);
  if (ref === undefined) {
    const input = noise(size, 0x5eed + size);
    ref = { input, spectrum: directDft(input) };
    references.set(size, ref);
  }
  return ref;
}

describe('fftBackend', () => {
  it.skipIf(process.env.TIMESIDE_FFT !== undefined)(
    'loads pffft, in its SIMD build where wasm SIMD validates',
    () => {
      expect(fftBackend()).toEqual({ backend: 'pffft', simd: wasmSimdSupported(), forced: false });
      expect(new RealFft(2048).backend).toBe('pffft');
    },
  );

  it('validates the SIMD probe on Node 20, whose V8 ships wasm SIMD', () => {
    expect(wasmSimdSupported()).toBe(true);
  });
});

describe.each(BACKENDS)('RealFft on %s', (backend) => {
  it.each(SIZES)('matches the direct DFT of seeded noise at N = %i', (size) => {
    const { input, spectrum } = reference(size);
    const fft = new RealFft(size, { backend });
    expect(fft.backend).toBe(backend);
    const out32 = new Float32Array(size + 2);
    fft.forward(Float32Array.from(input), out32);
    expect(relativeError(out32, spectrum)).toBeLessThan(1e-4);
    const out64 = new Float64Array(size + 2);
    fft.forward(input, out64);
    expect(relativeError(out64, spectrum)).toBeLessThan(1e-4);
    // A plain array takes the element-by-element path.
    const outArray = new Float64Array(size + 2);
    fft.forward(Array.from(input), outArray);
    expect(relativeError(outArray, spectrum)).toBeLessThan(1e-4);
  });

  it('puts a sine of k cycles at bin k (magnitude N/2, phase −π/2)', () => {
    const size = 1024;
    const fft = new RealFft(size, { backend });
    const out = new Float32Array(size + 2);
    for (const k of [1, 7, 100, 511]) {
      const sine = Float32Array.from({ length: size }, (_, n) => Math.sin((2 * Math.PI * k * n) / size));
      fft.forward(sine, out);
      let peak = 0;
      for (let bin = 1; bin <= size / 2; bin++) {
        if (Math.hypot(out[2 * bin], out[2 * bin + 1]) > Math.hypot(out[2 * peak], out[2 * peak + 1]))
          peak = bin;
      }
      expect(peak).toBe(k);
      expect(out[2 * k]).toBeCloseTo(0, 2);
      expect(out[2 * k + 1]).toBeCloseTo(-size / 2, 2);
    }
  });

  it('puts DC in bin 0 and Nyquist in bin N/2, with zero imaginary parts', () => {
    const size = 256;
    const fft = new RealFft(size, { backend });
    // out is longer than size + 2: the floats after bin N/2 stay untouched.
    const out = new Float64Array(size + 4).fill(7);
    fft.forward(new Float64Array(size).fill(0.25), out);
    expect(out[0]).toBeCloseTo(0.25 * size, 4);
    expect(out[1]).toBe(0);
    expect(out[size]).toBeCloseTo(0, 4);
    expect(out[size + 1]).toBe(0);
    expect(out[size + 2]).toBe(7);
    expect(out[size + 3]).toBe(7);

    const alternating = Float64Array.from({ length: size }, (_, n) => (n % 2 === 0 ? 0.5 : -0.5));
    fft.forward(alternating, out);
    expect(out[0]).toBeCloseTo(0, 4);
    expect(out[1]).toBe(0);
    expect(out[size]).toBeCloseTo(0.5 * size, 4);
    expect(out[size + 1]).toBe(0);
    for (let k = 1; k < size / 2; k++) expect(Math.hypot(out[2 * k], out[2 * k + 1])).toBeLessThan(1e-4);
  });
});

describe('RealFft sizes', () => {
  it('runs sizes below pffft’s minimum of 32 on fft.js, matching the direct DFT', () => {
    for (const size of [4, 8, 16]) {
      const fft = new RealFft(size);
      expect(fft.backend).toBe('fftjs');
      const { input, spectrum } = { input: noise(size, size), spectrum: directDft(noise(size, size)) };
      const out = new Float64Array(size + 2);
      fft.forward(input, out);
      expect(relativeError(out, spectrum)).toBeLessThan(1e-12);
      expect(() => new RealFft(size, { backend: 'pffft' })).toThrow(/size ≥ 32/);
    }
  });

  it('rejects sizes that are not powers of two ≥ 4', () => {
    for (const size of [0, 2, 3, 100, 2049]) expect(() => new RealFft(size)).toThrow(RangeError);
  });

  it('keeps instances of one size independent (they share one pffft plan)', () => {
    const a = new RealFft(512, { backend: 'pffft' });
    const b = new RealFft(512, { backend: 'pffft' });
    const { input, spectrum } = reference(512);
    const outA = new Float64Array(514);
    const outB = new Float64Array(514);
    a.forward(input, outA);
    b.forward(new Float64Array(512), outB);
    expect(relativeError(outA, spectrum)).toBeLessThan(1e-4);
    expect(outB.every((v) => v === 0)).toBe(true);
  });
});

describe('PffftPlan on both wasm builds', () => {
  const builds = new Map<boolean, Promise<PffftModule>>();
  const build = (simd: boolean) => {
    let module = builds.get(simd);
    if (module === undefined) {
      module = loadPffft(simd);
      builds.set(simd, module);
    }
    return module;
  };

  it.each([
    [true, 2048],
    [false, 2048],
    [false, 64],
    [false, 8192],
  ])('simd = %s matches the direct DFT at N = %i', async (simd, size) => {
    const module = await build(simd);
    expect(module._pffft_simd_size()).toBe(simd ? 4 : 1);
    const plan = new PffftPlan(module, size);
    const { input, spectrum } = reference(size);
    const out = new Float32Array(size + 2);
    plan.forward(input, out);
    expect(relativeError(out, spectrum)).toBeLessThan(1e-4);
    plan.destroy();
  });

  it('keeps working after a later allocation grows (and detaches) the wasm memory', async () => {
    const module = await loadPffft(false);
    const small = new PffftPlan(module, 1024);
    const { input, spectrum } = reference(1024);
    const out = new Float64Array(1026);
    small.forward(input, out);
    const before = module.HEAPF32.buffer;
    const initialBytes = before.byteLength;
    // Four blocks of 8 MiB (input, output, work, twiddles): more than the initial 16 MiB heap.
    const large = new PffftPlan(module, 1 << 21);
    expect(module.HEAPF32.buffer.byteLength).toBeGreaterThan(initialBytes);
    expect(before.byteLength).toBe(0);
    out.fill(0);
    small.forward(input, out);
    expect(relativeError(out, spectrum)).toBeLessThan(1e-4);
    large.destroy();
    small.destroy();
  });
});

describe('backend choice at import', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.doUnmock('@echogarden/pffft-wasm');
    vi.doUnmock('@echogarden/pffft-wasm/simd');
    vi.resetModules();
  });

  async function freshFft(): Promise<typeof import('../src/dsp/fft.js')> {
    vi.resetModules();
    return import('../src/dsp/fft.js');
  }

  it('falls back to fft.js, with a note, when pffft fails to load', async () => {
    // As an Emscripten factory whose instantiation fails (no .wasm file, no WebAssembly, ...).
    const broken = () => ({ default: () => Promise.reject(new Error('no wasm here')) });
    vi.doMock('@echogarden/pffft-wasm', broken);
    vi.doMock('@echogarden/pffft-wasm/simd', broken);
    vi.stubEnv('TIMESIDE_FFT', '');
    const fresh = await freshFft();
    const info = fresh.fftBackend();
    expect(info).toMatchObject({ backend: 'fftjs', simd: false, forced: false });
    expect(info.note).toMatch(/failed to load.*no wasm here.*using fft\.js/);
    const fft = new fresh.RealFft(2048);
    expect(fft.backend).toBe('fftjs');
    const { input, spectrum } = reference(2048);
    const out = new Float64Array(2050);
    fft.forward(input, out);
    expect(relativeError(out, spectrum)).toBeLessThan(1e-12);
    expect(() => new fresh.RealFft(2048, { backend: 'pffft' })).toThrow(/not loaded/);
  });

  it.each([
    ['fftjs', { backend: 'fftjs', simd: false, forced: true }],
    ['pffft', { backend: 'pffft', simd: true, forced: true }],
    ['pffft-nosimd', { backend: 'pffft', simd: false, forced: true }],
    ['fftw', { backend: 'pffft', simd: true, forced: false }],
  ])('TIMESIDE_FFT=%s', async (value, expected) => {
    vi.stubEnv('TIMESIDE_FFT', value);
    const fresh = await freshFft();
    const info = fresh.fftBackend();
    expect(info).toMatchObject(expected);
    if (value === 'fftw') expect(info.note).toMatch(/TIMESIDE_FFT="fftw" ignored/);
    else expect(info.note).toBeUndefined();
    expect(new fresh.RealFft(1024).backend).toBe(expected.backend);
  });
});
