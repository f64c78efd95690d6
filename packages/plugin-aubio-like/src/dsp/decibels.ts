/** Peak amplitude in dBFS: 20·log10(peak); a full-scale peak (1.0) is 0 dBFS, silence −∞. */
export function amplitudeToDbfs(peak: number): number {
  return 20 * Math.log10(peak);
}

/**
 * Mean square in dBFS: 10·log10(meanSquare), full-scale-sample convention (AES17's "dBFS" would
 * add 3.01 dB): a full-scale square wave reads 0, a full-scale sine −3.01, silence −∞.
 */
export function meanSquareToDbfs(meanSquare: number): number {
  return 10 * Math.log10(meanSquare);
}

/** Combines the channels of one block, sample by sample: `power[i]` = Σ_c x_c[i]², for i < length. */
export function channelPower(
  data: readonly Float32Array[],
  channels: number,
  length: number,
  power: Float64Array,
): void {
  const first = data[0];
  for (let i = 0; i < length; i++) power[i] = first[i] * first[i];
  for (let c = 1; c < channels; c++) {
    const samples = data[c];
    for (let i = 0; i < length; i++) power[i] += samples[i] * samples[i];
  }
}
