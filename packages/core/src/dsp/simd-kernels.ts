/**
 * Hot loops in WebAssembly SIMD (kernels.wat) where the runtime supports it, else in JavaScript:
 * the STFT's two besides the FFT — windowing a frame and taking the magnitudes of its bins — and
 * the running min / max of a run of samples. Both paths give the same floats bit for bit.
 */
import { KERNELS_WASM } from './kernels-wasm.js';
import { wasmSimdSupported } from './pffft.js';

interface KernelExports {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  multiply(a: number, b: number, dst: number, n: number): void;
  magnitudes(spec: number, mag: number, count: number): void;
  minmax(samples: number, count: number, out: number): void;
}

/** Typed locally: core's tsconfig has no DOM lib, and @types/node does not declare WebAssembly. */
interface WasmApi {
  Module: new (bytes: Uint8Array) => unknown;
  Instance: new (module: unknown) => { exports: unknown };
}

const PAGE_BYTES = 65536;

/** The compiled kernels, or undefined where wasm SIMD is missing or the module fails to load. */
const compiled: unknown = (() => {
  const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (wasm === undefined || !wasmSimdSupported()) return undefined;
  try {
    return new wasm.Module(Buffer.from(KERNELS_WASM, 'base64'));
  } catch {
    return undefined;
  }
})();

/** Whether `SpectrumKernels` run on WebAssembly SIMD in this process. */
export function simdKernelsAvailable(): boolean {
  return compiled !== undefined;
}

/** Bytes rounded up to a multiple of 16 (the kernels' v128 loads and stores are aligned). */
function aligned(bytes: number): number {
  return Math.ceil(bytes / 16) * 16;
}

/**
 * Windowing and magnitudes for frames of one size, on an instance of its own (a few pages of
 * memory, sized once: the views below stay valid). Not reentrant: one frame at a time.
 */
export class SpectrumKernels {
  readonly size: number;
  readonly bins: number;
  /** Whether this instance runs on WebAssembly SIMD. */
  readonly simd: boolean;
  readonly #kernels: KernelExports | undefined;
  readonly #window: Float32Array;
  /** The windowed frame (wasm memory, or a plain array without it). */
  readonly #windowed: Float32Array;
  readonly #frame: Float32Array;
  readonly #spectrum: Float32Array;
  readonly #magnitude: Float32Array;
  readonly #offsets = { window: 0, frame: 0, windowed: 0, spectrum: 0, magnitude: 0 };

  /** `window` of length size (a multiple of 4); `simd: false` forces the JavaScript loops. */
  constructor(window: Float32Array, options: { simd?: boolean } = {}) {
    const size = window.length;
    this.size = size;
    this.bins = size / 2 + 1;
    const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
    const kernels =
      options.simd !== false && compiled !== undefined && wasm !== undefined && size % 4 === 0
        ? (new wasm.Instance(compiled).exports as KernelExports)
        : undefined;
    this.#kernels = kernels;
    this.simd = kernels !== undefined;
    if (kernels === undefined) {
      this.#window = window;
      this.#windowed = new Float32Array(size);
      this.#frame = this.#spectrum = this.#magnitude = new Float32Array(0);
      return;
    }
    const o = this.#offsets;
    const frameBytes = aligned(4 * size);
    o.frame = frameBytes;
    o.windowed = 2 * frameBytes;
    o.spectrum = 3 * frameBytes;
    o.magnitude = o.spectrum + aligned(4 * (size + 2));
    const end = o.magnitude + aligned(4 * this.bins);
    const pages = Math.ceil(end / PAGE_BYTES) - kernels.memory.buffer.byteLength / PAGE_BYTES;
    if (pages > 0) kernels.memory.grow(pages);
    const buffer = kernels.memory.buffer;
    this.#window = new Float32Array(buffer, o.window, size);
    this.#window.set(window);
    this.#frame = new Float32Array(buffer, o.frame, size);
    this.#windowed = new Float32Array(buffer, o.windowed, size);
    this.#spectrum = new Float32Array(buffer, o.spectrum, size + 2);
    this.#magnitude = new Float32Array(buffer, o.magnitude, this.bins);
  }

  /**
   * `frame[i]·window[i]`, each product rounded to single precision: a view valid until the next
   * call (the same floats as RealFft's `forwardWindowed` transforms).
   */
  windowed(frame: Float32Array): Float32Array {
    const kernels = this.#kernels;
    const out = this.#windowed;
    if (kernels === undefined) {
      const window = this.#window;
      for (let i = 0; i < out.length; i++) out[i] = frame[i] * window[i];
      return out;
    }
    this.#frame.set(frame);
    const o = this.#offsets;
    kernels.multiply(o.frame, o.window, o.windowed, this.size);
    return out;
  }

  /** `magnitude[k] = √(re_k² + im_k²)` of the interleaved bins 0..size/2 of `spectrum`. */
  magnitudes(spectrum: Float32Array, magnitude: Float32Array): void {
    const kernels = this.#kernels;
    const bins = this.bins;
    if (kernels === undefined) {
      for (let k = 0; k < bins; k++) {
        const re = spectrum[2 * k];
        const im = spectrum[2 * k + 1];
        magnitude[k] = Math.sqrt(re * re + im * im);
      }
      return;
    }
    this.#spectrum.set(spectrum);
    kernels.magnitudes(this.#offsets.spectrum, this.#offsets.magnitude, bins);
    magnitude.set(this.#magnitude);
  }
}

/** Ranges shorter than this are widened in JavaScript: copying them in would cost more. */
const MIN_MAX_SIMD_FROM = 32;
/** Samples copied into the min / max instance per call (its first page, after the two results). */
const MIN_MAX_CHUNK = (PAGE_BYTES - 16) / 4;

let minMaxState: { kernels: KernelExports; samples: Float32Array; out: Float32Array } | null | undefined;

function minMaxKernels() {
  if (minMaxState === undefined) {
    const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
    if (compiled === undefined || wasm === undefined) minMaxState = null;
    else {
      const kernels = new wasm.Instance(compiled).exports as KernelExports;
      const buffer = kernels.memory.buffer;
      minMaxState = {
        kernels,
        out: new Float32Array(buffer, 0, 2),
        samples: new Float32Array(buffer, 16, MIN_MAX_CHUNK),
      };
    }
  }
  return minMaxState;
}

/**
 * Widens the running [min, max] kept in `row[index]` (min) and `row[index + 1]` (max) by
 * `samples[from..to)` — the values a loop of `if (x < min) min = x; if (x > max) max = x` gives,
 * up to the sign of a zero when a range holds both +0 and −0.
 */
export function widenMinMax(
  samples: Float32Array,
  from: number,
  to: number,
  row: Float32Array,
  index: number,
  options: { simd?: boolean } = {},
): void {
  const state = options.simd === false || to - from < MIN_MAX_SIMD_FROM ? null : minMaxKernels();
  if (!state) {
    let min = row[index];
    let max = row[index + 1];
    for (let i = from; i < to; i++) {
      const x = samples[i];
      if (x < min) min = x;
      if (x > max) max = x;
    }
    row[index] = min;
    row[index + 1] = max;
    return;
  }
  const { kernels, out } = state;
  out[0] = row[index];
  out[1] = row[index + 1];
  for (let start = from; start < to; start += MIN_MAX_CHUNK) {
    const end = Math.min(to, start + MIN_MAX_CHUNK);
    state.samples.set(samples.subarray(start, end));
    kernels.minmax(16, end - start, 0);
  }
  row[index] = out[0];
  row[index + 1] = out[1];
}
