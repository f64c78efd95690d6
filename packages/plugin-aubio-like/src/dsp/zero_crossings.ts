/**
 * Number of sign changes between consecutive samples of `samples[0..length)`. A sample counts as
 * positive when ≥ 0 (librosa's `zero_pos` convention), so a run of zeros after a negative sample
 * is one crossing, not one per zero.
 */
export function countZeroCrossings(samples: Float32Array, length: number): number {
  let count = 0;
  let previous = samples[0] >= 0;
  for (let i = 1; i < length; i++) {
    const positive = samples[i] >= 0;
    if (positive !== previous) count++;
    previous = positive;
  }
  return count;
}
