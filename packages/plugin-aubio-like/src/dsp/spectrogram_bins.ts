/** Lowest value of a dB spectrogram: a zero magnitude reads this rather than −∞ (20·log10(1e-10)). */
export const SPECTROGRAM_FLOOR_DB = -200;

/**
 * One spectrogram row from one magnitude spectrum: bins [0, kept) scaled by `gain`, then pooled by
 * their maximum in groups of `group` consecutive bins (so a peak survives the reduction), in dB
 * (20·log10, floored at SPECTROGRAM_FLOOR_DB) when `db`. `out` holds ceil(kept / group) values.
 */
export function spectrogramRow(
  magnitude: Float32Array,
  kept: number,
  group: number,
  gain: number,
  db: boolean,
  out: Float32Array,
): void {
  const count = Math.ceil(kept / group);
  for (let j = 0; j < count; j++) {
    const from = j * group;
    const to = Math.min(from + group, kept);
    let peak = 0;
    for (let k = from; k < to; k++) if (magnitude[k] > peak) peak = magnitude[k];
    const value = peak * gain;
    out[j] = db ? Math.max(SPECTROGRAM_FLOOR_DB, 20 * Math.log10(value)) : value;
  }
}
