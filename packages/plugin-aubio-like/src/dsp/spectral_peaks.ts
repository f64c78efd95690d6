/**
 * Spectral peaks of one magnitude spectrum: bins k in [firstBin, lastBin] that are local maxima
 * (|X(k−1)| < |X(k)| ≥ |X(k+1)|) and at least `floor` (linear, e.g. 0.01 · the frame's maximum).
 * Writes their bins into `out` and returns how many, strongest first when more than `out.length`
 * qualify (only the strongest `out.length` are kept).
 */
export function spectralPeaks(
  magnitude: Float32Array,
  firstBin: number,
  lastBin: number,
  floor: number,
  out: Int32Array,
): number {
  let count = 0;
  const capacity = out.length;
  const first = Math.max(1, firstBin);
  const last = Math.min(magnitude.length - 2, lastBin);
  for (let k = first; k <= last; k++) {
    const m = magnitude[k];
    if (m < floor || m <= magnitude[k - 1] || m < magnitude[k + 1]) continue;
    if (count < capacity) {
      out[count++] = k;
      continue;
    }
    // Full: replace the weakest kept peak when this one is stronger.
    let weakest = 0;
    for (let i = 1; i < capacity; i++) if (magnitude[out[i]] < magnitude[out[weakest]]) weakest = i;
    if (m > magnitude[out[weakest]]) out[weakest] = k;
  }
  return count;
}

/** The largest magnitude in [firstBin, lastBin]. */
export function maxMagnitude(magnitude: Float32Array, firstBin: number, lastBin: number): number {
  let max = 0;
  for (let k = Math.max(0, firstBin); k <= Math.min(magnitude.length - 1, lastBin); k++) {
    if (magnitude[k] > max) max = magnitude[k];
  }
  return max;
}

/**
 * Quadratic interpolation of a peak on the dB magnitudes of bins k−1, k, k+1 (J. O. Smith & X.
 * Serra, PARSHL, 1987): the fractional bin offset p ∈ [−½, ½] and the interpolated linear
 * magnitude, written to `into` as [offset, magnitude].
 */
export function interpolatePeak(magnitude: Float32Array, k: number, into: Float64Array): void {
  const tiny = 1e-30;
  const a = 20 * Math.log10(magnitude[k - 1] + tiny);
  const b = 20 * Math.log10(magnitude[k] + tiny);
  const c = 20 * Math.log10(magnitude[k + 1] + tiny);
  const denominator = a - 2 * b + c;
  const p = denominator === 0 ? 0 : (0.5 * (a - c)) / denominator;
  into[0] = p;
  into[1] = 10 ** ((b - 0.25 * (a - c) * p) / 20);
}
