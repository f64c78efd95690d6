/**
 * The peak envelope of a waveform's columns: max(|min|, |max|) per column, smoothed by a moving
 * average over `radius` columns each side (the ends average what they have).
 */
export function peakContour(min: Float32Array, max: Float32Array, radius: number): Float32Array {
  const count = min.length;
  const peak = new Float64Array(count + 1);
  for (let c = 0; c < count; c++)
    peak[c + 1] = peak[c] + Math.min(1, Math.max(Math.abs(min[c]), Math.abs(max[c])));
  const out = new Float32Array(count);
  for (let c = 0; c < count; c++) {
    const from = Math.max(0, c - radius);
    const to = Math.min(count, c + radius + 1);
    out[c] = (peak[to] - peak[from]) / (to - from);
  }
  return out;
}
