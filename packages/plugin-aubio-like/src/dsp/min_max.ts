/**
 * Widens the running [min, max] of `samples[from..to)` kept in `row[index]` (min) and
 * `row[index + 1]` (max).
 */
export function accumulateMinMax(
  samples: Float32Array,
  from: number,
  to: number,
  row: Float32Array,
  index: number,
): void {
  let min = row[index];
  let max = row[index + 1];
  for (let i = from; i < to; i++) {
    const x = samples[i];
    if (x < min) min = x;
    if (x > max) max = x;
  }
  row[index] = min;
  row[index + 1] = max;
}
