/**
 * The steps of YIN that follow the difference function (de Cheveigné & Kawahara, "YIN, a
 * fundamental frequency estimator for speech and music", JASA 111(4), 2002, §II.C–E), shared by
 * the `yinfft` kernel. Pure functions over typed arrays.
 */

/**
 * Step 3, cumulative mean normalised difference, in place over `diff[0..length)`:
 * d'(0) = 1, d'(τ) = d(τ)·τ / Σ_{j=1..τ} d(j). A lag where the sum is still zero gets 1.
 */
export function cumulativeMeanNormalize(diff: Float64Array, length: number): void {
  diff[0] = 1;
  let sum = 0;
  for (let lag = 1; lag < length; lag++) {
    sum += diff[lag];
    diff[lag] = sum > 0 ? (diff[lag] * lag) / sum : 1;
  }
}

/**
 * Step 4, absolute threshold: the first lag in [minLag, maxLag] where d' dips below `tolerance`,
 * followed down to the bottom of that dip. Returns -1 when d' never dips below it (unvoiced).
 * `cmndf` must be valid up to maxLag + 1.
 */
export function absoluteThreshold(
  cmndf: Float64Array,
  minLag: number,
  maxLag: number,
  tolerance: number,
): number {
  for (let lag = minLag; lag <= maxLag; lag++) {
    if (cmndf[lag] < tolerance) {
      while (lag + 1 <= maxLag && cmndf[lag + 1] < cmndf[lag]) lag++;
      return lag;
    }
  }
  return -1;
}

/** The smallest value of `values[from..to]` (inclusive). */
export function minimumIn(values: Float64Array, from: number, to: number): number {
  let min = Number.POSITIVE_INFINITY;
  for (let i = from; i <= to; i++) if (values[i] < min) min = values[i];
  return min;
}

/**
 * Step 5, parabolic interpolation: the abscissa of the vertex of the parabola through
 * (i-1, y[i-1]), (i, y[i]), (i+1, y[i+1]), for a local extremum at `i` (1 ≤ i < y.length - 1).
 * The offset is clamped to ±1 sample; a flat neighbourhood returns `i`.
 */
export function parabolicVertex(y: Float64Array, i: number): number {
  const a = y[i - 1];
  const b = y[i];
  const c = y[i + 1];
  const curvature = a - 2 * b + c;
  if (curvature === 0) return i;
  const offset = (0.5 * (a - c)) / curvature;
  return i + Math.max(-1, Math.min(1, offset));
}
