/**
 * Real FFTs on PFFFT (Julien Pommier's FFTPACK-derived SIMD FFT) compiled to WebAssembly by
 * `@echogarden/pffft-wasm`. Internal to core: `RealFft` (fft.ts) is the public face.
 */

/** The parts of the Emscripten module of `@echogarden/pffft-wasm` used here. */
export interface PffftModule {
  /** Float view of the wasm heap; Emscripten replaces it when memory grows. */
  HEAPF32: Float32Array;
  _pffft_new_setup(size: number, transform: number): number;
  _pffft_destroy_setup(setup: number): void;
  _pffft_transform_ordered(
    setup: number,
    input: number,
    output: number,
    work: number,
    direction: number,
  ): void;
  _pffft_aligned_malloc(bytes: number): number;
  _pffft_aligned_free(pointer: number): void;
  _pffft_simd_size(): number;
}

/** pffft.h's `pffft_transform_t` and `pffft_direction_t`. */
const PFFFT_REAL = 0;
const PFFFT_FORWARD = 0;

/**
 * Smallest real transform pffft accepts: N must be a multiple of 2·SIMD_SZ² (32 with SIMD); a
 * smaller N fails an `assert` that aborts the whole wasm instance, so it is never asked for.
 */
export const PFFFT_MIN_SIZE = 32;

/**
 * Largest size planned here: four N-float blocks (input, output, work, twiddles) of 64 MiB each
 * stay well inside the 2 GiB that this Emscripten build lets its memory grow to.
 */
export const PFFFT_MAX_SIZE = 1 << 24;

/**
 * A module of the smallest valid function using a SIMD instruction: `() -> v128` whose body is
 * `i32.const 0; i8x16.splat`. `WebAssembly.validate` accepts it only where wasm SIMD is supported.
 */
const SIMD_PROBE = new Uint8Array([
  ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00], // magic, version 1
  ...[0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b], // type section: () -> v128
  ...[0x03, 0x02, 0x01, 0x00], // function section: one function of type 0
  ...[0x0a, 0x08, 0x01, 0x06, 0x00, 0x41, 0x00, 0xfd, 0x0f, 0x0b], // code: i32.const 0, i8x16.splat, end
]);

/** Whether this runtime's WebAssembly supports the 128-bit SIMD proposal. */
export function wasmSimdSupported(): boolean {
  // Typed locally: core's tsconfig has no DOM lib, and @types/node does not declare WebAssembly.
  const wasm = (globalThis as { WebAssembly?: { validate(bytes: Uint8Array): boolean } }).WebAssembly;
  try {
    return wasm?.validate(SIMD_PROBE) === true;
  } catch {
    return false;
  }
}

/** Instantiates the SIMD or the scalar build (each import resolves its .wasm beside its .js). */
export async function loadPffft(simd: boolean): Promise<PffftModule> {
  const factory = simd
    ? (await import('@echogarden/pffft-wasm/simd')).default
    : (await import('@echogarden/pffft-wasm')).default;
  return (await factory()) as PffftModule;
}

/**
 * One size's setup (twiddles) and 16-byte-aligned input, output and work buffers in the wasm
 * heap. pffft is given its own work buffer because with NULL it uses the stack, which Emscripten
 * keeps at 64 KiB: too small for N ≥ 16384.
 */
export class PffftPlan {
  readonly size: number;
  readonly #module: PffftModule;
  readonly #setup: number;
  readonly #input: number;
  readonly #output: number;
  readonly #work: number;
  /** HEAPF32 views of the input buffer, the output buffer, and its floats 2..N−1 (bins 1..N/2−1). */
  #inView: Float32Array;
  #outView: Float32Array;
  #binsView: Float32Array;

  /** Throws if the heap cannot hold the buffers (nothing is left allocated then). */
  constructor(module: PffftModule, size: number) {
    if (size < PFFFT_MIN_SIZE || size > PFFFT_MAX_SIZE || size % PFFFT_MIN_SIZE !== 0) {
      throw new RangeError(
        `pffft plans real FFT sizes that are multiples of ${PFFFT_MIN_SIZE} up to ${PFFFT_MAX_SIZE}, got ${size}`,
      );
    }
    this.size = size;
    this.#module = module;
    const bytes = size * Float32Array.BYTES_PER_ELEMENT;
    const input = module._pffft_aligned_malloc(bytes);
    const output = input === 0 ? 0 : module._pffft_aligned_malloc(bytes);
    const work = output === 0 ? 0 : module._pffft_aligned_malloc(bytes);
    // pffft_new_setup does not check its own allocation (N floats of twiddles and a small
    // struct; a failed malloc would have it write near address 0), so room for them is shown
    // first by a block of that size, freed for the setup to reuse. Emscripten's malloc returns 0
    // when the memory cannot grow (ALLOW_MEMORY_GROWTH makes malloc non-aborting).
    const room = work === 0 ? 0 : module._pffft_aligned_malloc(bytes + 4096);
    if (room !== 0) module._pffft_aligned_free(room);
    const setup = room === 0 ? 0 : module._pffft_new_setup(size, PFFFT_REAL);
    if (setup === 0) {
      for (const pointer of [input, output, work]) if (pointer !== 0) module._pffft_aligned_free(pointer);
      throw new RangeError(`pffft could not allocate a ${size}-point FFT in its WebAssembly heap`);
    }
    this.#setup = setup;
    this.#input = input;
    this.#output = output;
    this.#work = work;
    this.#inView = this.#outView = this.#binsView = module.HEAPF32;
    this.#acquireViews();
  }

  /** (Re)creates the heap views: growing wasm memory detaches the old buffer and all its views. */
  #acquireViews(): void {
    const heap = this.#module.HEAPF32;
    const input = this.#input >>> 2;
    const output = this.#output >>> 2;
    this.#inView = heap.subarray(input, input + this.size);
    this.#outView = heap.subarray(output, output + this.size);
    this.#binsView = heap.subarray(output + 2, output + this.size);
  }

  /**
   * Transforms `input[0 .. size)` into bins 0..size/2 as interleaved (re, im) in `out`
   * (length ≥ size + 2), unscaled. Allocates nothing.
   */
  forward(input: ArrayLike<number>, out: Float32Array | Float64Array): void {
    const size = this.size;
    // A detached view (after a later plan's malloc grew the memory) reads length 0.
    if (this.#inView.length === 0) this.#acquireViews();
    const inView = this.#inView;
    // TypedArray#set copies (and converts) natively: ≈ 20× faster than an element loop from a
    // Float32Array. Other array-likes, or longer ones, are read element by element.
    if (ArrayBuffer.isView(input) && input.length === size) inView.set(input);
    else for (let i = 0; i < size; i++) inView[i] = input[i];
    this.#transform(out);
  }

  /** `forward` of `input[i]·window[i]`, the products written straight into the wasm heap. */
  forwardWindowed(input: Float32Array, window: Float32Array, out: Float32Array | Float64Array): void {
    const size = this.size;
    if (this.#inView.length === 0) this.#acquireViews();
    const inView = this.#inView;
    for (let i = 0; i < size; i++) inView[i] = input[i] * window[i];
    this.#transform(out);
  }

  #transform(out: Float32Array | Float64Array): void {
    const size = this.size;
    this.#module._pffft_transform_ordered(this.#setup, this.#input, this.#output, this.#work, PFFFT_FORWARD);
    // Ordered real output is [F(0), F(N/2), re 1, im 1, …, re N/2−1, im N/2−1]: both real bins
    // share the first complex slot (pffft.h, pffft_zreorder).
    const packed = this.#outView;
    out[0] = packed[0];
    out[1] = 0;
    out.set(this.#binsView, 2);
    out[size] = packed[1];
    out[size + 1] = 0;
  }

  /** Frees the setup and buffers; the plan must not be used afterwards. */
  destroy(): void {
    const module = this.#module;
    module._pffft_destroy_setup(this.#setup);
    module._pffft_aligned_free(this.#input);
    module._pffft_aligned_free(this.#output);
    module._pffft_aligned_free(this.#work);
  }
}
