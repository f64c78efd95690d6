import FFT from 'fft.js';

/**
 * Real FFT of a fixed size on fft.js (radix-4, pure JS; see docs/dependencies.md).
 * `forward` writes bins 0..size/2 as interleaved (re, im) into `out` (length size + 2).
 */
export class RealFft {
  readonly size: number;
  readonly #fft: FFT;
  readonly #input: Float64Array;
  readonly #output: Float64Array;

  constructor(size: number) {
    if (!Number.isInteger(Math.log2(size)) || size < 4) {
      throw new RangeError(`FFT size must be a power of two ≥ 4, got ${size}`);
    }
    this.size = size;
    this.#fft = new FFT(size);
    this.#input = new Float64Array(size);
    this.#output = new Float64Array(2 * size);
  }

  /** Transforms `input` (length size), writing size/2+1 complex bins into `out` (length ≥ size+2). */
  forward(input: ArrayLike<number>, out: Float32Array | Float64Array): void {
    const src = this.#input;
    for (let i = 0; i < this.size; i++) src[i] = input[i];
    this.#fft.realTransform(this.#output, src);
    const n = this.size + 2;
    const o = this.#output;
    for (let i = 0; i < n; i++) out[i] = o[i];
  }
}
