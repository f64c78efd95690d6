/**
 * Streaming min/max envelope over a fixed number of pixel columns, with memory independent of the
 * stream's length. Column c covers frames [⌊c·C/W⌋, ⌊(c+1)·C/W⌋) of a span of C frames over W
 * columns. C starts at the expected length (exact when the decoder knows it) or at W when it does
 * not; a frame past the span doubles C and folds the columns pairwise (the boundaries of the new
 * columns are every other old boundary, so folding loses nothing). `columns()` then returns
 * exactly W columns, stretching the used ones when the stream was shorter than the span.
 */
export class ColumnEnvelope {
  readonly width: number;
  /** Per-column minimum and maximum; +∞ / −∞ for columns no frame has reached. */
  readonly min: Float32Array;
  readonly max: Float32Array;
  #span: number;
  #column = 0;
  #end: number;
  #frames = 0;

  /** `expectedFrames`: the stream's length when known (an estimate is fine). */
  constructor(width: number, expectedFrames?: number) {
    this.width = width;
    this.min = new Float32Array(width).fill(Number.POSITIVE_INFINITY);
    this.max = new Float32Array(width).fill(Number.NEGATIVE_INFINITY);
    this.#span = expectedFrames && expectedFrames > 0 ? expectedFrames : width;
    this.#end = this.#boundary(1);
  }

  /** Frames seen so far. */
  get frames(): number {
    return this.#frames;
  }

  #boundary(column: number): number {
    return Math.floor((column * this.#span) / this.width);
  }

  /** Doubles the span: column j of the result merges old columns 2j and 2j + 1. */
  #fold(): void {
    const { min, max, width } = this;
    const half = Math.ceil(width / 2);
    for (let j = 0; j < half; j++) {
      const a = 2 * j;
      const b = a + 1;
      min[j] = b < width ? Math.min(min[a], min[b]) : min[a];
      max[j] = b < width ? Math.max(max[a], max[b]) : max[a];
    }
    min.fill(Number.POSITIVE_INFINITY, half);
    max.fill(Number.NEGATIVE_INFINITY, half);
    this.#span *= 2;
  }

  /** Adds `length` samples that follow the ones already added. */
  push(samples: Float32Array, length: number): void {
    const { min, max } = this;
    let i = 0;
    while (i < length) {
      while (this.#frames >= this.#end) {
        this.#column++;
        if (this.#column >= this.width) {
          this.#fold();
          this.#column = this.#locate(this.#frames);
        }
        this.#end = this.#boundary(this.#column + 1);
      }
      const column = this.#column;
      const stop = Math.min(length, i + (this.#end - this.#frames));
      let lo = min[column];
      let hi = max[column];
      for (let k = i; k < stop; k++) {
        const v = samples[k];
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      min[column] = lo;
      max[column] = hi;
      this.#frames += stop - i;
      i = stop;
    }
  }

  /** The column holding frame `frame` in the current span. */
  #locate(frame: number): number {
    let column = Math.min(this.width - 1, Math.floor((frame * this.width) / this.#span));
    while (column > 0 && this.#boundary(column) > frame) column--;
    while (this.#boundary(column + 1) <= frame) column++;
    return column;
  }

  /**
   * Exactly `width` columns of [min, max] for the frames seen: the columns reached are stretched
   * (nearest neighbour) over the whole width; a column no frame fell into (fewer frames than
   * columns) takes its left neighbour's values. With no frames at all, every column is [0, 0].
   */
  columns(): { min: Float32Array; max: Float32Array } {
    const width = this.width;
    const outMin = new Float32Array(width);
    const outMax = new Float32Array(width);
    if (this.#frames === 0) return { min: outMin, max: outMax };
    // The last frame lies in the current column: every column after it is unreached.
    const used = this.#column + 1;
    let lastMin = 0;
    let lastMax = 0;
    let seen = false;
    for (let x = 0; x < width; x++) {
      const source = Math.floor((x * used) / width);
      if (this.min[source] <= this.max[source]) {
        lastMin = this.min[source];
        lastMax = this.max[source];
        if (!seen) {
          // Leading empty columns take the first reached column's values.
          outMin.fill(lastMin, 0, x);
          outMax.fill(lastMax, 0, x);
          seen = true;
        }
      }
      outMin[x] = lastMin;
      outMax[x] = lastMax;
    }
    return { min: outMin, max: outMax };
  }
}
