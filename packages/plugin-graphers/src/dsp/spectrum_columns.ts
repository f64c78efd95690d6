/**
 * Streaming mean power spectrum over a fixed number of pixel columns, with memory independent of
 * the stream's length (after ColumnEnvelope): column c gathers the frames whose position (sample
 * index) lies in [⌊c·S/W⌋, ⌊(c+1)·S/W⌋) of a span of S samples. S starts at the expected length
 * (or W when unknown) and doubles when a frame lies past it, merging the columns pairwise.
 */
export class SpectrumColumns {
  readonly width: number;
  readonly bins: number;
  /** Sum of power (magnitude²) per column and bin, column-major: column c at c·bins. */
  readonly #sum: Float32Array;
  readonly #count: Uint32Array;
  #span: number;
  #last = -1;

  constructor(width: number, bins: number, expectedFrames?: number) {
    this.width = width;
    this.bins = bins;
    this.#sum = new Float32Array(width * bins);
    this.#count = new Uint32Array(width);
    this.#span = expectedFrames && expectedFrames > 0 ? expectedFrames : width;
  }

  #column(position: number): number {
    return Math.min(this.width - 1, Math.floor((position * this.width) / this.#span));
  }

  #fold(): void {
    const { width, bins } = this;
    const sum = this.#sum;
    const count = this.#count;
    const half = Math.ceil(width / 2);
    for (let j = 0; j < half; j++) {
      const a = 2 * j;
      const b = a + 1;
      for (let k = 0; k < bins; k++)
        sum[j * bins + k] = sum[a * bins + k] + (b < width ? sum[b * bins + k] : 0);
      count[j] = count[a] + (b < width ? count[b] : 0);
    }
    sum.fill(0, half * bins);
    count.fill(0, half);
    this.#span *= 2;
  }

  /** Adds the magnitude spectrum of a frame centred on sample `position` (positions never decrease). */
  add(position: number, magnitude: Float32Array): void {
    while (position >= this.#span) this.#fold();
    const c = this.#column(position);
    const sum = this.#sum;
    const o = c * this.bins;
    for (let k = 0; k < this.bins; k++) {
      const m = magnitude[k];
      sum[o + k] += m * m;
    }
    this.#count[c]++;
    this.#last = c;
  }

  /**
   * Mean power of each of `width` output columns (column-major, `bins` per column): the columns
   * reached are stretched over the width; an empty column takes its left neighbour's spectrum (the
   * first reached one at the start). All zero when no frame came.
   */
  columns(): Float32Array {
    const { width, bins } = this;
    const out = new Float32Array(width * bins);
    if (this.#last < 0) return out;
    const used = this.#last + 1;
    let source = -1;
    for (let c = 0; c < used && source < 0; c++) if (this.#count[c] > 0) source = c;
    for (let x = 0; x < width; x++) {
      const c = Math.floor((x * used) / width);
      if (this.#count[c] > 0) source = c;
      const scale = 1 / this.#count[source];
      for (let k = 0; k < bins; k++) out[x * bins + k] = this.#sum[source * bins + k] * scale;
    }
    return out;
  }
}
