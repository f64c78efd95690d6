import FFT from 'fft.js';
import { loadPffft, PFFFT_MIN_SIZE, type PffftModule, PffftPlan, wasmSimdSupported } from './pffft.js';

/** An FFT implementation behind `RealFft`: PFFFT in WebAssembly, or fft.js in JavaScript. */
export type FftBackend = 'pffft' | 'fftjs';

/** Which FFT backend this process uses, as `fftBackend()` reports it (for `timeside doctor`). */
export interface FftBackendInfo {
  /** The backend of `new RealFft(size)` for sizes ≥ 32 (smaller sizes always use fft.js). */
  backend: FftBackend;
  /** Whether the WebAssembly SIMD build of pffft is loaded (false for fft.js). */
  simd: boolean;
  /** Whether the `TIMESIDE_FFT` environment variable chose the backend. */
  forced: boolean;
  /** Why pffft is not loaded, or why a `TIMESIDE_FFT` value was ignored; absent when all is well. */
  note?: string;
}

/** Options of `new RealFft`. */
export interface RealFftOptions {
  /**
   * Backend of this instance (default: the process's, see `fftBackend()`). Asking for `pffft`
   * throws when it is not loaded or cannot plan the size (below 32, above 2²⁴, wasm heap full);
   * by default those cases use fft.js.
   */
  backend?: FftBackend;
}

/** Environment variable that forces the backend: `fftjs`, `pffft` or `pffft-nosimd`. */
const FFT_ENV = 'TIMESIDE_FFT';

interface LoadedBackend {
  info: FftBackendInfo;
  module?: PffftModule;
}

/**
 * Chooses and loads the process's backend once, at module load: the SIMD build of pffft where
 * WebAssembly SIMD validates, else its scalar build, else fft.js. Never throws: a failed load
 * only leaves a note, so importing core works wherever JavaScript does.
 */
async function loadBackend(): Promise<LoadedBackend> {
  const raw = globalThis.process?.env?.[FFT_ENV] ?? '';
  const requested = raw.trim().toLowerCase();
  const forced = requested === 'fftjs' || requested === 'pffft' || requested === 'pffft-nosimd';
  if (requested === 'fftjs') return { info: { backend: 'fftjs', simd: false, forced } };
  const notes: string[] = [];
  if (requested !== '' && !forced) {
    notes.push(`${FFT_ENV}=${JSON.stringify(raw)} ignored: expected fftjs, pffft or pffft-nosimd`);
  }
  const builds = requested !== 'pffft-nosimd' && wasmSimdSupported() ? [true, false] : [false];
  for (const simd of builds) {
    try {
      const module = await loadPffft(simd);
      const info: FftBackendInfo = { backend: 'pffft', simd, forced };
      if (notes.length > 0) info.note = notes.join('; ');
      return { info, module };
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      notes.push(`@echogarden/pffft-wasm (${simd ? 'SIMD' : 'scalar'} build) failed to load: ${reason}`);
    }
  }
  return { info: { backend: 'fftjs', simd: false, forced, note: `${notes.join('; ')}; using fft.js` } };
}

const loaded = await loadBackend();

/** The FFT backend chosen at load (env `TIMESIDE_FFT`, SIMD support, load errors). */
export function fftBackend(): FftBackendInfo {
  return { ...loaded.info };
}

/**
 * pffft plans of sizes up to this one are shared by every `RealFft` of that size and kept for the
 * life of the process (a few MB at most: `forward` is synchronous, so sharing buffers is safe);
 * larger ones belong to their instance and are freed when it is garbage-collected.
 */
const SHARED_PLAN_MAX_SIZE = 1 << 16;
const sharedPlans = new Map<number, PffftPlan>();
const ownedPlans = new FinalizationRegistry<PffftPlan>((plan) => plan.destroy());

/**
 * Real FFT of a fixed size. On pffft (WebAssembly, single precision, ≈ 2.5 µs per 2048 points
 * with SIMD) where it loaded, else on fft.js (pure JS, double precision, ≈ 18 µs); see
 * docs/dependencies.md and `fftBackend()`. `forward` writes bins 0..size/2 as interleaved
 * (re, im), unscaled, into `out` (length size + 2).
 */
export class RealFft {
  readonly size: number;
  /** The backend this instance runs on. */
  readonly backend: FftBackend;
  readonly #plan: PffftPlan | FftJsPlan;

  constructor(size: number, options: RealFftOptions = {}) {
    if (!Number.isInteger(Math.log2(size)) || size < 4) {
      throw new RangeError(`FFT size must be a power of two ≥ 4, got ${size}`);
    }
    this.size = size;
    const wanted = options.backend ?? loaded.info.backend;
    const plan = wanted === 'pffft' ? pffftPlan(this, size, options.backend === 'pffft') : undefined;
    this.#plan = plan ?? new FftJsPlan(size);
    this.backend = plan === undefined ? 'fftjs' : 'pffft';
  }

  /** Transforms `input` (length size), writing size/2+1 complex bins into `out` (length ≥ size+2). */
  forward(input: ArrayLike<number>, out: Float32Array | Float64Array): void {
    this.#plan.forward(input, out);
  }

  /**
   * `forward` of `input[i]·window[i]` (each product rounded to single precision), the window
   * applied while copying into the transform's buffer: one pass over the frame instead of two,
   * and no windowed copy of it. Equal, bit for bit, to `forward` of the windowed frame held in a
   * Float32Array.
   */
  forwardWindowed(input: Float32Array, window: Float32Array, out: Float32Array | Float64Array): void {
    this.#plan.forwardWindowed(input, window, out);
  }
}

/** fft.js (radix-4, double precision) behind the same `forward` as `PffftPlan`. */
class FftJsPlan {
  readonly size: number;
  readonly #fft: FFT;
  readonly #input: Float64Array;
  /** fft.js writes the full complex spectrum; bins 0..size/2 are its first size + 2 floats. */
  readonly #output: Float64Array;
  readonly #bins: Float64Array;

  constructor(size: number) {
    this.size = size;
    this.#fft = new FFT(size);
    this.#input = new Float64Array(size);
    this.#output = new Float64Array(2 * size);
    this.#bins = this.#output.subarray(0, size + 2);
  }

  forward(input: ArrayLike<number>, out: Float32Array | Float64Array): void {
    const size = this.size;
    const src = this.#input;
    if (ArrayBuffer.isView(input) && input.length === size) src.set(input);
    else for (let i = 0; i < size; i++) src[i] = input[i];
    this.#fft.realTransform(this.#output, src);
    out.set(this.#bins);
  }

  forwardWindowed(input: Float32Array, window: Float32Array, out: Float32Array | Float64Array): void {
    const src = this.#input;
    for (let i = 0; i < this.size; i++) src[i] = Math.fround(input[i] * window[i]);
    this.#fft.realTransform(this.#output, src);
    out.set(this.#bins);
  }
}

/**
 * The pffft plan for a new `RealFft`, or undefined to use fft.js. `required` (an explicit
 * `backend: 'pffft'`) turns every reason not to use pffft into an error.
 */
function pffftPlan(owner: RealFft, size: number, required: boolean): PffftPlan | undefined {
  const module = loaded.module;
  if (module === undefined || size < PFFFT_MIN_SIZE) {
    if (!required) return undefined;
    throw new RangeError(
      module === undefined
        ? `the pffft FFT backend is not loaded (${loaded.info.note ?? `${FFT_ENV}=fftjs`})`
        : `the pffft FFT backend needs a size ≥ ${PFFFT_MIN_SIZE}, got ${size}`,
    );
  }
  if (size <= SHARED_PLAN_MAX_SIZE) {
    let plan = sharedPlans.get(size);
    if (plan === undefined) {
      plan = createPlan(module, size, required);
      if (plan !== undefined) sharedPlans.set(size, plan);
    }
    return plan;
  }
  const plan = createPlan(module, size, required);
  if (plan !== undefined) ownedPlans.register(owner, plan);
  return plan;
}

/** A new plan; when the wasm heap is full, undefined (fft.js takes over) unless `required`. */
function createPlan(module: PffftModule, size: number, required: boolean): PffftPlan | undefined {
  try {
    return new PffftPlan(module, size);
  } catch (error) {
    if (required) throw error;
    return undefined;
  }
}
