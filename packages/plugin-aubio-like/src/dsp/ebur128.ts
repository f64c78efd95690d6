/**
 * Kernels of ITU-R BS.1770-4 loudness and EBU R128 / Tech 3342 loudness range: K-weighting,
 * gating, loudness range and a 4× true-peak interpolator. Pure functions over typed arrays; the
 * streaming state of the filters is passed in explicitly.
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
  const s = filter.shelf;
  const h = filter.highpass;
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

/** Oversampling factor of the true-peak meter (BS.1770-4 Annex 2: 4× at 48 kHz). */
export const TRUE_PEAK_OVERSAMPLING = 4;

/**
 * A 4× polyphase interpolator. Phase 0 is the input itself; phases 1–3 (outputs at 1/4, 2/4
 * and 3/4 of a sample) are FIR filters of `tapsPerPhase` taps.
 */
export interface PolyphaseInterpolator {
  tapsPerPhase: number;
  /** Delay of the interpolated stream, in input samples. */
  delay: number;
  /** Taps of phases 1, 2, 3, each ordered oldest input first (ready for a dot product). */
  phase1: Float64Array;
  phase2: Float64Array;
  phase3: Float64Array;
}

/** Zeroth-order modified Bessel function of the first kind (power series), for the Kaiser window. */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 50; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

/**
 * Designs the 4× interpolator of the true-peak meter (BS.1770-4 Annex 2 asks for ≥ 4×
 * oversampling and gives a 48-tap example). This one is a Kaiser-windowed sinc (Kaiser & Schafer
 * 1980) spanning ±tapsPerPhase/2 input samples, cut off at the input's Nyquist frequency and
 * centred on an input sample, so that phase 0 passes the samples through; each phase is
 * normalised to unit DC gain. With the defaults (16 taps per phase, β = 6) every phase is flat within ±0.01 dB up to
 * 0.35·fs and −0.2 dB at 0.4·fs.
 */
export function designInterpolator(tapsPerPhase = 16, beta = 6): PolyphaseInterpolator {
  const factor = TRUE_PEAK_OVERSAMPLING;
  const centre = (factor * tapsPerPhase) / 2;
  const phase = (p: number): Float64Array => {
    const taps = new Float64Array(tapsPerPhase);
    let sum = 0;
    for (let t = 0; t < tapsPerPhase; t++) {
      // Tap t of phase p weighs input x[m − t] for the output at time m − centre/4 + p/4.
      const j = t * factor + p;
      const x = (j - centre) / factor;
      const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
      const r = (j - centre) / centre;
      const window = Math.abs(r) <= 1 ? besselI0(beta * Math.sqrt(1 - r * r)) / besselI0(beta) : 0;
      taps[tapsPerPhase - 1 - t] = sinc * window;
      sum += sinc * window;
    }
    for (let t = 0; t < tapsPerPhase; t++) taps[t] /= sum;
    return taps;
  };
  return { tapsPerPhase, delay: centre / factor, phase1: phase(1), phase2: phase(2), phase3: phase(3) };
}

/** Streaming state of one channel of the true-peak meter. */
export interface TruePeakState {
  /** The last tapsPerPhase inputs, stored twice (a ring read as one contiguous window). */
  history: Float64Array;
  /** Index of the oldest sample of the window in `history`. */
  position: number;
  /** Largest absolute value of the oversampled signal so far (linear). */
  peak: number;
}

/** A fresh true-peak state for `interpolator`. */
export function truePeakState(interpolator: PolyphaseInterpolator): TruePeakState {
  return { history: new Float64Array(2 * interpolator.tapsPerPhase), position: 0, peak: 0 };
}

/**
 * Feeds `length` samples to the interpolator and raises `state.peak` to the largest absolute
 * value of the 4× oversampled signal (BS.1770-4 Annex 2). Pass `delay` zeros after the last
 * block to flush the interpolator.
 */
export function truePeakUpdate(
  interpolator: PolyphaseInterpolator,
  state: TruePeakState,
  input: ArrayLike<number>,
  length: number,
): void {
  const taps = interpolator.tapsPerPhase;
  const { phase1, phase2, phase3 } = interpolator;
  const history = state.history;
  let position = state.position;
  let max = state.peak;
  let min = -state.peak;
  for (let i = 0; i < length; i++) {
    const x = input[i];
    // Write the new sample into both copies of the ring; then history[position .. position + taps)
    // holds the last `taps` inputs, oldest first.
    history[position] = x;
    history[position + taps] = x;
    position = position + 1 === taps ? 0 : position + 1;
    let y1 = 0;
    let y2 = 0;
    let y3 = 0;
    for (let t = 0; t < taps; t++) {
      const v = history[position + t];
      y1 += phase1[t] * v;
      y2 += phase2[t] * v;
      y3 += phase3[t] * v;
    }
    // Phase 0 is the input itself (delayed, which does not change the maximum).
    if (x > max) max = x;
    else if (x < min) min = x;
    if (y1 > max) max = y1;
    else if (y1 < min) min = y1;
    if (y2 > max) max = y2;
    else if (y2 < min) min = y2;
    if (y3 > max) max = y3;
    else if (y3 < min) min = y3;
  }
  state.position = position;
  state.peak = Math.max(max, -min);
}
