import type { Matrix } from '../results/result.js';

/**
 * Capacity after `capacity` is full: ×1.5 rather than ×2, so that a series sized by an estimate
 * (ffprobe's duration) and outgrowing it holds at most half again what it needs, not twice.
 */
function grown(capacity: number, needed: number): number {
  return Math.max(needed, Math.ceil(capacity * 1.5));
}

/**
 * Whether `used` of `capacity` is full enough to hand out a view of the storage rather than a
 * trimmed copy: a series sized for its stream ends within a frame of full, and a copy would hold
 * it twice at the end of a long file. Later pushes write past the view, never into it.
 */
function nearlyFull(used: number, capacity: number): boolean {
  return used >= capacity - (capacity >>> 4);
}

/** A growable Float32Array for framewise values (amortised O(1) push, no boxing). */
export class Float32Series {
  #data: Float32Array;
  #length = 0;

  constructor(initialCapacity = 1024) {
    this.#data = new Float32Array(Math.max(16, initialCapacity));
  }

  get length(): number {
    return this.#length;
  }

  push(value: number): void {
    if (this.#length === this.#data.length) {
      const larger = new Float32Array(grown(this.#data.length, this.#length + 1));
      larger.set(this.#data);
      this.#data = larger;
    }
    this.#data[this.#length++] = value;
  }

  /**
   * The values, exactly `length` long: a view of the storage when it is nearly full (≥ 15/16),
   * else a trimmed copy. Later pushes never change it; writing into it may change the series.
   */
  toArray(): Float32Array {
    const data = this.#data;
    return nearlyFull(this.#length, data.length)
      ? data.subarray(0, this.#length)
      : data.slice(0, this.#length);
  }

  /** A view of the values (valid until the next push). */
  view(): Float32Array {
    return this.#data.subarray(0, this.#length);
  }
}

/** A growable Float64Array (event times, durations). */
export class Float64Series {
  #data: Float64Array;
  #length = 0;

  constructor(initialCapacity = 64) {
    this.#data = new Float64Array(Math.max(16, initialCapacity));
  }

  get length(): number {
    return this.#length;
  }

  push(value: number): void {
    if (this.#length === this.#data.length) {
      const larger = new Float64Array(grown(this.#data.length, this.#length + 1));
      larger.set(this.#data);
      this.#data = larger;
    }
    this.#data[this.#length++] = value;
  }

  /** The values, exactly `length` long (a view when nearly full, see Float32Series#toArray). */
  toArray(): Float64Array {
    const data = this.#data;
    return nearlyFull(this.#length, data.length)
      ? data.subarray(0, this.#length)
      : data.slice(0, this.#length);
  }
}

/** Rows of equal width (e.g. MFCC per frame) stored in one growing Float32Array. */
export class Float32Matrix {
  readonly width: number;
  #data: Float32Array;
  #rows = 0;

  constructor(width: number, initialRows = 256) {
    this.width = width;
    this.#data = new Float32Array(width * Math.max(16, initialRows));
  }

  get rows(): number {
    return this.#rows;
  }

  /** Appends a row of `width` values. */
  push(row: ArrayLike<number>): void {
    if ((this.#rows + 1) * this.width > this.#data.length) {
      const larger = new Float32Array(grown(this.#data.length, (this.#rows + 1) * this.width));
      larger.set(this.#data);
      this.#data = larger;
    }
    const base = this.#rows * this.width;
    if (row instanceof Float32Array && row.length === this.width) this.#data.set(row, base);
    else for (let i = 0; i < this.width; i++) this.#data[base + i] = row[i];
    this.#rows++;
  }

  /** Row i as a view. */
  row(i: number): Float32Array {
    return this.#data.subarray(i * this.width, (i + 1) * this.width);
  }

  /**
   * The rows as a Matrix (the compact 2-D value form of results): a view of the storage when it
   * is nearly full, else a trimmed copy (see Float32Series#toArray). Later pushes never change it.
   */
  toMatrix(): Matrix {
    const used = this.#rows * this.width;
    const data = nearlyFull(used, this.#data.length)
      ? this.#data.subarray(0, used)
      : this.#data.slice(0, used);
    return { rows: this.#rows, cols: this.width, data };
  }

  /** The rows as number[][] (the plain 2-D value form of results: small results only). */
  toRows(): number[][] {
    const out: number[][] = new Array(this.#rows);
    for (let r = 0; r < this.#rows; r++) out[r] = Array.from(this.row(r));
    return out;
  }
}
