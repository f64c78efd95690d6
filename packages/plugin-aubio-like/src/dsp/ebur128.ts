/**
 * Kernels of ITU-R BS.1770-4 loudness and EBU R128 / Tech 3342 loudness range: K-weighting,
 * gating and loudness range (the true-peak meter is in `true_peak.ts`). Pure functions over
 * typed arrays; the streaming state of the filters is passed in explicitly.
 */

/** Offset of the loudness formula, BS.1770-4 eq. (2): L = −0.691 + 10·log10(Σ G_i·z_i). */
export const LOUDNESS_OFFSET_DB = -0.691;
/** Absolute gate of BS.1770-4 §2 and Tech 3342 (LUFS). */
export const ABSOLUTE_GATE_LUFS = -70;
/** Relative gate of BS.1770-4 §2 for integrated loudness (LU below the absolute-gated level). */
export const RELATIVE_GATE_LU = -10;
/** Relative gate of EBU Tech 3342 for the loudness range (LU). */
export const LRA_RELATIVE_GATE_LU = -20;

/**
 * Biquad coefficients as [b0, b1, b2, a1, a2] (a0 = 1):
 * y[n] = b0·x[n] + b1·x[n−1] + b2·x[n−2] − a1·y[n−1] − a2·y[n−2].
 */
export type BiquadCoefficients = Float64Array;

/** The two stages of the K-weighting filter. */
export interface KWeighting {
  /** Stage 1: the high shelf modelling the acoustic effect of the head (BS.1770-4 Table 1). */
  shelf: BiquadCoefficients;
  /** Stage 2: the RLB high-pass (BS.1770-4 Table 2). */
  highpass: BiquadCoefficients;
}

// Analog prototypes of the two stages. BS.1770-4 gives the filters only as 48 kHz coefficients;
// these are the parameters of the second-order analog filters whose bilinear transform (with
// pre-warping at f0) reproduces those coefficients, as fitted and published with libebur128
// (J. Kokemüller) and used by pyloudnorm (C. Steinmetz, "pyloudnorm", 2021). The test checks that
// they give back BS.1770-4's Tables 1 and 2 at 48 kHz.
const SHELF_F0_HZ = 1681.974450955533;
const SHELF_GAIN_DB = 3.999843853973347;
const SHELF_Q = 0.7071752369554196;
/** Exponent relating the shelf's mid-band gain Vb to its high-frequency gain Vh. */
const SHELF_VB_EXPONENT = 0.4996667741545416;
const HIGHPASS_F0_HZ = 38.13547087602444;
const HIGHPASS_Q = 0.5003270373238773;

/**
 * K-weighting coefficients for any sample rate, re-derived from the analog prototypes by the
 * bilinear transform with K = tan(π·f0/fs) (the Audio EQ Cookbook form, R. Bristow-Johnson).
 * High shelf H(s) = (Vh·s² + Vb·s/Q + 1)/(s² + s/Q + 1); the high-pass keeps BS.1770's
 * unnormalised numerator (1, −2, 1) so that 48 kHz gives exactly Table 2.
 */
export function kWeightingCoefficients(sampleRate: number): KWeighting {
  const kShelf = Math.tan((Math.PI * SHELF_F0_HZ) / sampleRate);
  const vh = 10 ** (SHELF_GAIN_DB / 20);
  const vb = vh ** SHELF_VB_EXPONENT;
  const k2 = kShelf * kShelf;
  const a0 = 1 + kShelf / SHELF_Q + k2;
  const shelf = Float64Array.of(
    (vh + (vb * kShelf) / SHELF_Q + k2) / a0,
    (2 * (k2 - vh)) / a0,
    (vh - (vb * kShelf) / SHELF_Q + k2) / a0,
    (2 * (k2 - 1)) / a0,
    (1 - kShelf / SHELF_Q + k2) / a0,
  );
  const kHp = Math.tan((Math.PI * HIGHPASS_F0_HZ) / sampleRate);
  const h2 = kHp * kHp;
  const hpA0 = 1 + kHp / HIGHPASS_Q + h2;
  const highpass = Float64Array.of(1, -2, 1, (2 * (h2 - 1)) / hpA0, (1 - kHp / HIGHPASS_Q + h2) / hpA0);
  return { shelf, highpass };
}

/** Length of the state array `kWeightedSquares` keeps per channel. */
export const K_WEIGHTING_STATE_LENGTH = 6;

/**
 * Runs `length` samples of one channel through the K-weighting filter (direct form I, float64)
 * and adds `weight`·y² to `acc[i]` (BS.1770-4 eq. (1)–(2): the channel's weighted squares).
 * `state` (length 6: the last two inputs x, stage-1 outputs y and stage-2 outputs z) carries the
 * filter memory from one block to the next; stage 2's input memory is stage 1's output memory.
 */
export function kWeightedSquares(
  filter: KWeighting,
  state: Float64Array,
  input: Float32Array,
  length: number,
  weight: number,
  acc: Float64Array,
): void {
  const h = filter.highpass;
  if (h[0] === 1 && h[1] === -2 && h[2] === 1) {
    rlbKWeightedSquares(filter, state, input, length, weight, acc);
    return;
  }
  const s = filter.shelf;
  const sb0 = s[0];
  const sb1 = s[1];
  const sb2 = s[2];
  const sa1 = s[3];
  const sa2 = s[4];
  const hb0 = h[0];
  const hb1 = h[1];
  const hb2 = h[2];
  const ha1 = h[3];
  const ha2 = h[4];
  let x1 = state[0];
  let x2 = state[1];
  let y1 = state[2];
  let y2 = state[3];
  let z1 = state[4];
  let z2 = state[5];
  for (let i = 0; i < length; i++) {
    const x = input[i];
    const y = sb0 * x + sb1 * x1 + sb2 * x2 - sa1 * y1 - sa2 * y2;
    const z = hb0 * y + hb1 * y1 + hb2 * y2 - ha1 * z1 - ha2 * z2;
    x2 = x1;
    x1 = x;
    y2 = y1;
    y1 = y;
    z2 = z1;
    z1 = z;
    acc[i] += weight * z * z;
  }
  state[0] = x1;
  state[1] = x2;
  state[2] = y1;
  state[3] = y2;
  state[4] = z1;
  state[5] = z2;
}

/**
 * `kWeightedSquares` for stage 2's numerator (1, −2, 1) of BS.1770-4 Table 2, which
 * `kWeightingCoefficients` always gives: products by 1 and −2 are exact, so leaving them out
 * changes no bit of the result, and it runs ≈ 1.7× faster (the chain from y to z is shorter).
 */
function rlbKWeightedSquares(
  filter: KWeighting,
  state: Float64Array,
  input: Float32Array,
  length: number,
  weight: number,
  acc: Float64Array,
): void {
  const s = filter.shelf;
  const h = filter.highpass;
  const sb0 = s[0];
  const sb1 = s[1];
  const sb2 = s[2];
  const sa1 = s[3];
  const sa2 = s[4];
  const ha1 = h[3];
  const ha2 = h[4];
  let x1 = state[0];
  let x2 = state[1];
  let y1 = state[2];
  let y2 = state[3];
  let z1 = state[4];
  let z2 = state[5];
  for (let i = 0; i < length; i++) {
    const x = input[i];
    const y = sb0 * x + sb1 * x1 + sb2 * x2 - sa1 * y1 - sa2 * y2;
    const z = y + -2 * y1 + y2 - ha1 * z1 - ha2 * z2;
    x2 = x1;
    x1 = x;
    y2 = y1;
    y1 = y;
    z2 = z1;
    z1 = z;
    acc[i] += weight * z * z;
  }
  state[0] = x1;
  state[1] = x2;
  state[2] = y1;
  state[3] = y2;
  state[4] = z1;
  state[5] = z2;
}

/**
 * Channel weights G_i of BS.1770-4 Table 3 for the usual channel orders: 1 (mono), 2 (L R),
 * 3 (L R C), 5 (L R C Ls Rs) and 6 (L R C LFE Ls Rs, the LFE excluded). Surround channels weigh
 * 1.41; any other count weighs every channel 1.0.
 */
export function defaultChannelWeights(channels: number): Float64Array {
  const weights = new Float64Array(channels).fill(1);
  if (channels === 5) {
    weights[3] = 1.41;
    weights[4] = 1.41;
  } else if (channels === 6) {
    weights[3] = 0;
    weights[4] = 1.41;
    weights[5] = 1.41;
  }
  return weights;
}

/** Loudness (LUFS) of a weighted mean square, BS.1770-4 eq. (2); −Infinity for silence. */
export function loudnessOf(meanSquare: number): number {
  return LOUDNESS_OFFSET_DB + 10 * Math.log10(meanSquare);
}

/** The weighted mean square whose loudness is `lufs` (inverse of `loudnessOf`). */
export function meanSquareOf(lufs: number): number {
  return 10 ** ((lufs - LOUDNESS_OFFSET_DB) / 10);
}

/**
 * Gated integrated loudness of BS.1770-4 §2 (eq. (3)–(7)) from the weighted mean squares of the
 * 400 ms gating blocks (75 % overlap): blocks above −70 LUFS, then above the absolute-gated
 * level − 10 LU; the loudness of the mean of the survivors. −Infinity when no block survives.
 */
export function integratedLoudness(blockEnergies: ArrayLike<number>, count = blockEnergies.length): number {
  const absoluteEnergy = meanSquareOf(ABSOLUTE_GATE_LUFS);
  let sum = 0;
  let kept = 0;
  for (let j = 0; j < count; j++) {
    const z = blockEnergies[j];
    if (z > absoluteEnergy) {
      sum += z;
      kept++;
    }
  }
  if (kept === 0) return Number.NEGATIVE_INFINITY;
  // A level offset of x LU is a factor 10^(x/10) on the mean square.
  const relativeEnergy = (sum / kept) * 10 ** (RELATIVE_GATE_LU / 10);
  const threshold = Math.max(absoluteEnergy, relativeEnergy);
  sum = 0;
  kept = 0;
  for (let j = 0; j < count; j++) {
    const z = blockEnergies[j];
    if (z > threshold) {
      sum += z;
      kept++;
    }
  }
  return kept === 0 ? Number.NEGATIVE_INFINITY : loudnessOf(sum / kept);
}

/**
 * Loudness range of EBU Tech 3342 §3.1 (LU) from the weighted mean squares of the 3 s
 * short-term blocks: absolute gate −70 LUFS, relative gate 20 LU below the power mean of the
 * absolute-gated blocks, then the 95th minus the 10th percentile of the survivors' loudness
 * (nearest rank on the sorted values: index round((n − 1)·p)). 0 when fewer than two survive.
 */
export function loudnessRange(
  shortTermEnergies: ArrayLike<number>,
  count = shortTermEnergies.length,
): number {
  const absoluteEnergy = meanSquareOf(ABSOLUTE_GATE_LUFS);
  let sum = 0;
  let kept = 0;
  for (let j = 0; j < count; j++) {
    const z = shortTermEnergies[j];
    if (z > absoluteEnergy) {
      sum += z;
      kept++;
    }
  }
  if (kept < 2) return 0;
  const threshold = Math.max(absoluteEnergy, (sum / kept) * 10 ** (LRA_RELATIVE_GATE_LU / 10));
  const survivors = new Float64Array(kept);
  let n = 0;
  for (let j = 0; j < count; j++) {
    const z = shortTermEnergies[j];
    if (z > threshold) survivors[n++] = z;
  }
  if (n < 2) return 0;
  const sorted = survivors.subarray(0, n).sort();
  const low = sorted[Math.round((n - 1) * 0.1)];
  const high = sorted[Math.round((n - 1) * 0.95)];
  return loudnessOf(high) - loudnessOf(low);
}
