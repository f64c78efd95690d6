/**
 * True-peak meter of ITU-R BS.1770-4 Annex 2: the signal oversampled by its 48-tap, 4-phase
 * interpolating FIR, the largest absolute value kept. A pure kernel over typed arrays; the
 * streaming state is passed in explicitly.
 */

/**
 * The interpolating filter of ITU-R BS.1770-4 Annex 2 (order 48, 4 phases of 12 taps), as the
 * recommendation prints it: phase k, coefficient j weighs x[m − j] in the output y[4m + k]
 * (its 48-tap prototype is h[4j + k] = phase k's coefficient j, symmetric). The same table
 * appears unchanged in BS.1770-5 (2023), Annex 2.
 */
// biome-ignore format: the coefficients as the recommendation prints them, one phase per row.
export const BS1770_INTERPOLATOR_PHASES: readonly (readonly number[])[] = [
  [
    0.0017089843750, 0.0109863281250, -0.0196533203125, 0.0332031250000, -0.0594482421875, 0.1373291015625,
    0.9721679687500, -0.1022949218750, 0.0476074218750, -0.0266113281250, 0.0148925781250, -0.0083007812500,
  ],
  [
    -0.0291748046875, 0.0292968750000, -0.0517578125000, 0.0891113281250, -0.1665039062500, 0.4650878906250,
    0.7797851562500, -0.2003173828125, 0.1015625000000, -0.0582275390625, 0.0330810546875, -0.0189208984375,
  ],
  [
    -0.0189208984375, 0.0330810546875, -0.0582275390625, 0.1015625000000, -0.2003173828125, 0.7797851562500,
    0.4650878906250, -0.1665039062500, 0.0891113281250, -0.0517578125000, 0.0292968750000, -0.0291748046875,
  ],
  [
    -0.0083007812500, 0.0148925781250, -0.0266113281250, 0.0476074218750, -0.1022949218750, 0.9721679687500,
    0.1373291015625, -0.0594482421875, 0.0332031250000, -0.0196533203125, 0.0109863281250, 0.0017089843750,
  ],
];

/** Taps per phase of the Annex 2 filter. */
export const TRUE_PEAK_TAPS = 12;

/**
 * Oversampling factor for a sample rate, after BS.1770-4 Annex 2 (which asks for an
 * oversampled rate of at least 192 kHz): 4× below 96 kHz, 2× below 192 kHz, none above.
 */
export function oversamplingFactor(sampleRate: number): 1 | 2 | 4 {
  if (sampleRate < 96000) return 4;
  if (sampleRate < 192000) return 2;
  return 1;
}

/** The polyphase interpolator a true-peak meter runs at one sample rate. */
export interface TruePeakInterpolator {
  /** Oversampling factor (4, 2 or 1). */
  factor: 1 | 2 | 4;
  /** Taps per phase (12). */
  tapsPerPhase: number;
  /**
   * The phases computed, each ordered oldest input first (ready for a dot product): all four at
   * 4×, phases 0 and 2 (outputs half a sample apart) at 2×, none at 1×.
   */
  phases: Float64Array[];
  /**
   * Upper bound of |output| / max |input| over any window: the largest Σ|taps| of the phases,
   * raised by 1e−9 so that it also covers the rounding of the dot products (relative error
   * ≤ tapsPerPhase·2⁻⁵³, Higham 2002 §3.1).
   */
  boundGain: number;
}

/** The Annex 2 interpolator for `sampleRate` (4×, 2× or none, see `oversamplingFactor`). */
export function truePeakInterpolator(sampleRate: number): TruePeakInterpolator {
  const factor = oversamplingFactor(sampleRate);
  // At 2× the outputs y[4m] and y[4m + 2] of the same filter: the same low-pass at the input's
  // Nyquist frequency, sampled every half input sample.
  const used = factor === 4 ? [0, 1, 2, 3] : factor === 2 ? [0, 2] : [];
  const phases = used.map((k) => Float64Array.from(BS1770_INTERPOLATOR_PHASES[k]).reverse());
  let boundGain = 0;
  for (const taps of phases) {
    let absSum = 0;
    for (const tap of taps) absSum += Math.abs(tap);
    boundGain = Math.max(boundGain, absSum);
  }
  return { factor, tapsPerPhase: TRUE_PEAK_TAPS, phases, boundGain: boundGain * (1 + 1e-9) };
}

/** Streaming state of one channel of the true-peak meter. */
export interface TruePeakState {
  /**
   * The last tapsPerPhase − 1 inputs (oldest first), then room for as many more: the windows
   * that straddle two calls are read from here.
   */
  seam: Float32Array;
  /** Inputs seen so far, counted up to tapsPerPhase − 1 (until the seam holds only the signal). */
  seen: number;
  /** Scratch for the largest |x| of each chunk of the input (grown to fit, then reused). */
  chunkPeaks: Float32Array;
  /** The bits of `chunkPeaks` (same buffer). */
  chunkPeakBits: Int32Array;
  /**
   * The bits of the last input: an Int32Array view of its buffer, kept while the caller reuses
   * the buffer (as decoders do), so that steady streaming allocates nothing.
   */
  inputBits: Int32Array;
  /** Largest absolute value of the samples and of the oversampled signal so far (linear). */
  peak: number;
}

/** A fresh true-peak state for `interpolator`. */
export function truePeakState(interpolator: TruePeakInterpolator): TruePeakState {
  return {
    seam: new Float32Array(2 * (interpolator.tapsPerPhase - 1)),
    seen: 0,
    chunkPeaks: new Float32Array(0),
    chunkPeakBits: new Int32Array(0),
    inputBits: new Int32Array(0),
    peak: 0,
  };
}

/** Outputs per chunk of `truePeakUpdate`'s skip test: small enough to skip around a loud spot. */
const TRUE_PEAK_CHUNK = 32;

/**
 * Feeds `length` samples of one channel and raises `state.peak` to the largest absolute value of
 * the samples and of the interpolated values (BS.1770-4 Annex 2).
 *
 * Only windows that lie wholly within the signal are interpolated: the first window ends on
 * sample tapsPerPhase − 1, and nothing is flushed after the last sample. Zeros assumed
 * before a file's first sample or after its last would be a step the signal does not hold (an
 * excerpt cut from a programme, a test tone starting at full level); interpolating across it
 * reads the step's overshoot, not the signal's peak. Every sample still counts by itself.
 *
 * Exact, but most outputs are never computed: an output of a window whose inputs are all within
 * ±M is at most `boundGain`·M in magnitude, so a chunk of outputs whose bound is ≤ the peak so
 * far cannot raise it and is skipped. The chunk with the largest bound is done first, which
 * raises the peak early.
 */
export function truePeakUpdate(
  interpolator: TruePeakInterpolator,
  state: TruePeakState,
  input: Float32Array,
  length: number,
): void {
  const keep = interpolator.tapsPerPhase - 1;
  const seam = state.seam;
  const interpolate = interpolator.phases.length > 0;
  // Output i (i < keep) reads the window seam[i .. i + keep], reaching into the previous call;
  // it lies within the signal once keep inputs came before the window's last one.
  const head = Math.min(length, keep);
  for (let i = 0; i < head; i++) seam[keep + i] = input[i];
  let peak = state.peak;
  const firstWhole = Math.max(0, keep - state.seen);
  if (interpolate && firstWhole < head) peak = interpolatedPeak(interpolator, seam, firstWhole, head, peak);
  state.seen = Math.min(keep, state.seen + length);
  // The others are read from `input` itself: output n ≥ keep is window start n − keep.
  const count = length - keep;
  if (count <= 0) {
    peak = samplePeak(input, 0, length, peak);
    seam.copyWithin(0, head, head + keep);
    state.peak = peak;
    return;
  }
  // Chunk k of window starts, [k·chunk, (k + 1)·chunk), reads input[k·chunk, (k + 1)·chunk + keep):
  // within input chunks k and k + 1, since keep ≤ chunk.
  const chunk = Math.max(TRUE_PEAK_CHUNK, keep);
  const inputChunks = Math.ceil(length / chunk);
  if (state.chunkPeaks.length <= inputChunks) {
    state.chunkPeaks = new Float32Array(inputChunks + 1);
    state.chunkPeakBits = new Int32Array(state.chunkPeaks.buffer);
  }
  let bits = state.inputBits;
  if (bits.buffer !== input.buffer || bits.byteOffset !== input.byteOffset || bits.length < length) {
    bits = new Int32Array(input.buffer, input.byteOffset, input.length);
    state.inputBits = bits;
  }
  absolutePeakBits(bits, length, chunk, state.chunkPeakBits);
  const chunkPeaks = state.chunkPeaks;
  chunkPeaks[inputChunks] = 0;
  // The samples themselves; a chunk holding a NaN reads NaN, and its other samples are read one by one.
  for (let k = 0; k < inputChunks; k++) {
    const chunkPeak = chunkPeaks[k];
    if (chunkPeak > peak) peak = chunkPeak;
    else if (Number.isNaN(chunkPeak))
      peak = samplePeak(input, k * chunk, Math.min(length, (k + 1) * chunk), peak);
  }
  if (interpolate) {
    const outputChunks = Math.ceil(count / chunk);
    const gain = interpolator.boundGain;
    let loudest = 0;
    let loudestBound = -1;
    for (let k = 0; k < outputChunks; k++) {
      const bound = Math.max(chunkPeaks[k], chunkPeaks[k + 1]);
      if (bound > loudestBound) {
        loudestBound = bound;
        loudest = k;
      }
    }
    // `!(… <= …)` rather than `>`: a NaN bound must not skip.
    let done = -1;
    if (!(gain * loudestBound <= peak)) {
      peak = interpolatedPeak(
        interpolator,
        input,
        loudest * chunk,
        Math.min(count, (loudest + 1) * chunk),
        peak,
      );
      done = loudest;
    }
    for (let k = 0; k < outputChunks; k++) {
      if (k === done || gain * Math.max(chunkPeaks[k], chunkPeaks[k + 1]) <= peak) continue;
      peak = interpolatedPeak(interpolator, input, k * chunk, Math.min(count, (k + 1) * chunk), peak);
    }
  }
  for (let i = 0; i < keep; i++) seam[i] = input[count + i];
  state.peak = peak;
}

/** The larger of `peak` and the largest |x[i]| for i in [from, to); NaN values are ignored. */
function samplePeak(x: Float32Array, from: number, to: number, peak: number): number {
  for (let i = from; i < to; i++) {
    const a = Math.abs(x[i]);
    if (a > peak) peak = a;
  }
  return peak;
}

/**
 * The largest |x| of each chunk of `chunk` samples of x[0 .. length), given and returned as
 * float32 bit patterns: with the sign bit cleared, the order of the patterns as integers is the
 * order of the magnitudes, which allows a branch-free maximum (≈ 3× faster than Math.max on
 * music, whose running maximum changes unpredictably). A NaN's pattern exceeds +Infinity's, so a
 * chunk holding one reads NaN and is never skipped.
 */
function absolutePeakBits(x: Int32Array, length: number, chunk: number, out: Int32Array): void {
  for (let start = 0, j = 0; start < length; start += chunk, j++) {
    const end = Math.min(length, start + chunk);
    let max = 0;
    for (let i = start; i < end; i++) {
      const difference = max - (x[i] & 0x7fffffff);
      max -= difference & (difference >> 31);
    }
    out[j] = max;
  }
}

/**
 * The larger of `peak` and the largest |value| interpolated from the windows starting at
 * x[from .. to): for window start n, each phase's dot product with x[n .. n + tapsPerPhase),
 * summed oldest tap first. NaN values are ignored.
 */
function interpolatedPeak(
  interpolator: TruePeakInterpolator,
  x: Float32Array,
  from: number,
  to: number,
  peak: number,
): number {
  const { phases, tapsPerPhase: taps } = interpolator;
  if (phases.length === 4 && taps === 12) return interpolatedPeak4x12(phases, x, from, to, peak);
  for (const phase of phases) {
    for (let n = from; n < to; n++) {
      let y = 0;
      for (let t = 0; t < taps; t++) y += phase[t] * x[n + t];
      const a = Math.abs(y);
      if (a > peak) peak = a;
    }
  }
  return peak;
}

/**
 * `interpolatedPeak` unrolled for the 4 phases of 12 taps, with the taps in locals: the same
 * sums in the same order, several times faster in V8 than the loop over taps.
 */
// biome-ignore format: the unrolled taps and sums read as a table, one phase per row.
function interpolatedPeak4x12(
  phases: Float64Array[],
  x: Float32Array,
  from: number,
  to: number,
  peak: number,
): number {
  const [p, q, r, s] = phases;
  const p0 = p[0], p1 = p[1], p2 = p[2], p3 = p[3], p4 = p[4], p5 = p[5];
  const p6 = p[6], p7 = p[7], p8 = p[8], p9 = p[9], p10 = p[10], p11 = p[11];
  const q0 = q[0], q1 = q[1], q2 = q[2], q3 = q[3], q4 = q[4], q5 = q[5];
  const q6 = q[6], q7 = q[7], q8 = q[8], q9 = q[9], q10 = q[10], q11 = q[11];
  const r0 = r[0], r1 = r[1], r2 = r[2], r3 = r[3], r4 = r[4], r5 = r[5];
  const r6 = r[6], r7 = r[7], r8 = r[8], r9 = r[9], r10 = r[10], r11 = r[11];
  const s0 = s[0], s1 = s[1], s2 = s[2], s3 = s[3], s4 = s[4], s5 = s[5];
  const s6 = s[6], s7 = s[7], s8 = s[8], s9 = s[9], s10 = s[10], s11 = s[11];
  for (let n = from; n < to; n++) {
    const v0 = x[n], v1 = x[n + 1], v2 = x[n + 2], v3 = x[n + 3], v4 = x[n + 4], v5 = x[n + 5];
    const v6 = x[n + 6], v7 = x[n + 7], v8 = x[n + 8], v9 = x[n + 9], v10 = x[n + 10], v11 = x[n + 11];
    const y0 =
      p0 * v0 + p1 * v1 + p2 * v2 + p3 * v3 + p4 * v4 + p5 * v5 +
      p6 * v6 + p7 * v7 + p8 * v8 + p9 * v9 + p10 * v10 + p11 * v11;
    const y1 =
      q0 * v0 + q1 * v1 + q2 * v2 + q3 * v3 + q4 * v4 + q5 * v5 +
      q6 * v6 + q7 * v7 + q8 * v8 + q9 * v9 + q10 * v10 + q11 * v11;
    const y2 =
      r0 * v0 + r1 * v1 + r2 * v2 + r3 * v3 + r4 * v4 + r5 * v5 +
      r6 * v6 + r7 * v7 + r8 * v8 + r9 * v9 + r10 * v10 + r11 * v11;
    const y3 =
      s0 * v0 + s1 * v1 + s2 * v2 + s3 * v3 + s4 * v4 + s5 * v5 +
      s6 * v6 + s7 * v7 + s8 * v8 + s9 * v9 + s10 * v10 + s11 * v11;
    let a = Math.abs(y0);
    if (a > peak) peak = a;
    a = Math.abs(y1);
    if (a > peak) peak = a;
    a = Math.abs(y2);
    if (a > peak) peak = a;
    a = Math.abs(y3);
    if (a > peak) peak = a;
  }
  return peak;
}
