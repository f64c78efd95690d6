/**
 * YIN (de Cheveigné & Kawahara, "YIN, a fundamental frequency estimator for speech and music",
 * JASA 111(4), 2002): the `Yin` detector of `pitch`'s `yin` method, and the steps that follow the
 * difference function (§II.C–E) as pure functions over typed arrays, shared with `yinfft` and
 * `mcleod`.
 */
import { RealFft } from '@timeside/core';
import type { PitchEstimate } from './periodicity.js';

/**
 * Time-domain YIN with the difference function computed through the FFT, O(W log W) per frame
 * instead of the O(W²) of the direct sum (pitchfinder's YIN, which `pitch` used before: ≈ 2×
 * realtime at 44.1 kHz, frame 2048, hop 512; this one ≈ 140×, three 2048-point real FFTs a frame;
 * `pitch` streams frames through `headSpectrum` + `detectFromSpectra` with two, see YinRing there).
 *
 * A frame of N samples gives an integration window W = N/2 and lags τ = 0..W (the layout of
 * pitchfinder's YIN when handed the whole frame):
 *
 * 1. Difference function by eq. 7, d(τ) = r_t(0) + r_{t+τ}(0) − 2·r_t(τ): the energies of the
 *    windows [0, W) and [τ, τ + W) from a running sum of x², and the cross term
 *    r_t(τ) = Σ_{j<W} x_j·x_{j+τ} as one FFT-based correlation of the first W samples with the
 *    whole frame. An N-point circular correlation is exact here, since j + τ ≤ N − 1 never wraps.
 * 2. Cumulative mean normalisation d′ (§II.C), 3. absolute threshold on d′ from lag 2 to W − 1
 *    followed down to the bottom of its dip (§II.D), 4. parabolic interpolation of d′ (§II.E).
 *
 * The confidence is 1 − d′ at the chosen lag (aubio's), or 1 − min d′ when no lag passes the
 * threshold and the period is 0. d′ is the paper's, independent of the level: pitchfinder's
 * replaces d(1) by 1 in its running sum, which made quiet and low tones read ≈ 18 kHz at lag 2.
 * All buffers are allocated at construction.
 */
export class Yin {
  readonly frameSize: number;
  /** Integration window W = frameSize / 2, also the longest lag. */
  readonly integrationWindow: number;
  readonly #fft: RealFft;
  // Single precision, as core's FFT computes (pffft): its input is rounded to float32 and its
  // output is float32, so these buffers change no result and spare a conversion per copy.
  /** The first W samples of the frame, zeros after. */
  readonly #head: Float32Array;
  readonly #headSpectrum: Float32Array;
  readonly #frameSpectrum: Float32Array;
  readonly #hartley: Float32Array;
  /** d, then d′, for lags 0..W. */
  readonly #diff: Float64Array;

  constructor(frameSize: number) {
    if (!Number.isInteger(Math.log2(frameSize)) || frameSize < 8) {
      throw new RangeError(`frame size must be a power of two ≥ 8, got ${frameSize}`);
    }
    this.frameSize = frameSize;
    this.integrationWindow = frameSize / 2;
    this.#fft = new RealFft(frameSize);
    this.#head = new Float32Array(frameSize);
    this.#headSpectrum = new Float32Array(frameSize + 2);
    this.#frameSpectrum = new Float32Array(frameSize + 2);
    this.#hartley = new Float32Array(frameSize);
    this.#diff = new Float64Array(this.integrationWindow + 1);
  }

  /**
   * The difference function d(τ) = Σ_{j<W} (x_j − x_{j+τ})² of `frame` (length frameSize) for
   * τ = 0..W, written into `out` (length ≥ W + 1), by eq. 7 and one FFT-based correlation.
   */
  difference(frame: Float32Array, out: Float64Array): void {
    const a = this.#headSpectrum;
    const b = this.#frameSpectrum;
    this.headSpectrum(frame, a);
    this.#fft.forward(frame, b);
    this.differenceFromSpectra(frame, a, b, false, out);
  }

  /** The FFT of the first W samples of `frame`, zero-padded to frameSize, into `out` (frameSize + 2). */
  headSpectrum(frame: Float32Array, out: Float32Array): void {
    const head = this.#head;
    head.set(frame.subarray(0, this.integrationWindow));
    this.#fft.forward(head, out);
  }

  /**
   * `difference` from the spectrum of the frame's head (`headSpectrum`) and `second`: the
   * spectrum of the whole frame, or, when `secondIsTail`, the head spectrum of the frame that
   * starts at this frame's second half (its tail), the whole frame's spectrum then being
   * head(k) + (−1)^k·tail(k) (the shift theorem; each sum rounded to single precision, as an FFT
   * output is). Overwrites `head`'s contents.
   */
  differenceFromSpectra(
    frame: Float32Array,
    head: Float32Array,
    second: Float32Array,
    secondIsTail: boolean,
    out: Float64Array,
  ): void {
    const w = this.integrationWindow;
    const correlation = this.#correlate(head, second, secondIsTail);
    let headEnergy = 0;
    for (let j = 0; j < w; j++) headEnergy += frame[j] * frame[j];
    let shiftedEnergy = headEnergy;
    const scale = 2 / this.frameSize;
    out[0] = 0;
    for (let lag = 1; lag <= w; lag++) {
      const leaving = frame[lag - 1];
      const entering = frame[lag - 1 + w];
      shiftedEnergy += entering * entering - leaving * leaving;
      const twiceCross = (correlation[2 * lag] + correlation[2 * lag + 1]) * scale;
      // Rounding can leave a hair below zero where the frame repeats exactly.
      out[lag] = Math.max(0, headEnergy + shiftedEnergy - twiceCross);
    }
  }

  /**
   * The cross-correlation r_t(τ) of the frame's head with the whole frame, as `(re + im)·N/2` of
   * bin τ of the returned array (`head`, overwritten), from the spectra of `differenceFromSpectra`.
   */
  #correlate(head: Float32Array, second: Float32Array, secondIsTail: boolean): Float32Array {
    const n = this.frameSize;
    const half = n / 2;
    const a = head;
    const b = second;
    // Cross spectrum C_k = conj(A_k)·B_k = P_k + i·Q_k, P even and Q odd in k since the correlation
    // is real. Its inverse DFT is the forward DFT of the real sequence P + Q read as Re + Im (the
    // Hartley identity), so core's forward real FFT serves as the inverse.
    const hartley = this.#hartley;
    // Bins 0 and N/2 are their own mirrors: P + Q only.
    hartley[0] = selfMirrorBin(a, b, 0, secondIsTail);
    hartley[half] = selfMirrorBin(a, b, half, secondIsTail);
    if (secondIsTail) {
      // Odd and even bins apart: the shift theorem's sign alternates with k.
      for (let k = 1; k < half; k += 2) {
        const ar = a[2 * k];
        const ai = a[2 * k + 1];
        const br = Math.fround(ar - b[2 * k]);
        const bi = Math.fround(ai - b[2 * k + 1]);
        const p = ar * br + ai * bi;
        const q = ar * bi - ai * br;
        hartley[k] = p + q;
        hartley[n - k] = p - q;
      }
      for (let k = 2; k < half; k += 2) {
        const ar = a[2 * k];
        const ai = a[2 * k + 1];
        const br = Math.fround(ar + b[2 * k]);
        const bi = Math.fround(ai + b[2 * k + 1]);
        const p = ar * br + ai * bi;
        const q = ar * bi - ai * br;
        hartley[k] = p + q;
        hartley[n - k] = p - q;
      }
    } else {
      for (let k = 1; k < half; k++) {
        const ar = a[2 * k];
        const ai = a[2 * k + 1];
        const br = b[2 * k];
        const bi = b[2 * k + 1];
        const p = ar * br + ai * bi;
        const q = ar * bi - ai * br;
        hartley[k] = p + q;
        hartley[n - k] = p - q;
      }
    }
    this.#fft.forward(hartley, a);
    return a;
  }

  /**
   * Estimates the period of `frame` (length frameSize). `tolerance` is YIN's absolute threshold on
   * d′; lags 2..W − 1 are searched, the caller rejects periods outside its frequency range.
   */
  detect(frame: Float32Array, tolerance: number, out: PitchEstimate): void {
    this.difference(frame, this.#diff);
    this.#choose(tolerance, out);
  }

  /**
   * `detect` from the spectra of `differenceFromSpectra` (overwrites `head`). The same values as
   * `detect`, computed lazily: d, its running sum and d′ in one loop that stops one lag past the
   * bottom of the first dip under `tolerance` (the lags after it change neither the period nor the
   * confidence); an unvoiced frame still needs every lag for its minimum. `headEnergy`, when
   * given, is Σ x² over the frame's first W samples (see `halfEnergies`), else it is summed here.
   */
  detectFromSpectra(
    frame: Float32Array,
    head: Float32Array,
    second: Float32Array,
    secondIsTail: boolean,
    tolerance: number,
    out: PitchEstimate,
    headEnergy = halfEnergies(frame, this.integrationWindow, ENERGIES),
  ): void {
    const correlation = this.#correlate(head, second, secondIsTail);
    const w = this.integrationWindow;
    const maxLag = w - 1;
    const diff = this.#diff;
    let shiftedEnergy = headEnergy;
    const scale = 2 / this.frameSize;
    diff[0] = 1;
    let sum = 0;
    let found = -1;
    for (let lag = 1; lag <= w; lag++) {
      const leaving = frame[lag - 1];
      const entering = frame[lag - 1 + w];
      shiftedEnergy += entering * entering - leaving * leaving;
      const twiceCross = (correlation[2 * lag] + correlation[2 * lag + 1]) * scale;
      const d = Math.max(0, headEnergy + shiftedEnergy - twiceCross);
      sum += d;
      const normalized = sum > 0 ? (d * lag) / sum : 1;
      diff[lag] = normalized;
      if (found >= 0) {
        // Down the dip (absoluteThreshold's walk); d′ one lag past its bottom is kept for the parabola.
        if (lag <= maxLag && normalized < diff[found]) found = lag;
        else break;
      } else if (lag >= 2 && lag <= maxLag && normalized < tolerance) {
        found = lag;
      }
    }
    if (found < 0) {
      out.period = 0;
      out.confidence = Math.max(0, Math.min(1, 1 - minimumIn(diff, 2, maxLag)));
      return;
    }
    out.period = parabolicVertex(diff, found);
    out.confidence = Math.max(0, Math.min(1, 1 - diff[found]));
  }

  #choose(tolerance: number, out: PitchEstimate): void {
    const diff = this.#diff;
    const w = this.integrationWindow;
    cumulativeMeanNormalize(diff, w + 1);
    const lag = absoluteThreshold(diff, 2, w - 1, tolerance);
    if (lag < 0) {
      out.period = 0;
      out.confidence = Math.max(0, Math.min(1, 1 - minimumIn(diff, 2, w - 1)));
      return;
    }
    out.period = parabolicVertex(diff, lag);
    out.confidence = Math.max(0, Math.min(1, 1 - diff[lag]));
  }
}

/** P + Q of cross-spectrum bin k (see `#correlate`), for the bins that are their own mirror. */
function selfMirrorBin(a: Float32Array, b: Float32Array, k: number, secondIsTail: boolean): number {
  const ar = a[2 * k];
  const ai = a[2 * k + 1];
  let br = b[2 * k];
  let bi = b[2 * k + 1];
  if (secondIsTail) {
    br = Math.fround((k & 1) === 0 ? ar + br : ar - br);
    bi = Math.fround((k & 1) === 0 ? ai + bi : ai - bi);
  }
  return ar * br + ai * bi + (ar * bi - ai * br);
}

const ENERGIES = new Float64Array(2);

/**
 * Σ x² over `frame[0 … w)` (returned, and in `out[0]`) and over `frame[w … 2w)` (in `out[1]`),
 * each summed in four interleaved partial sums: the frame's energy for its level and the head
 * energy of YIN's difference function in one pass over the frame.
 */
export function halfEnergies(frame: Float32Array, w: number, out: Float64Array): number {
  for (let half = 0; half < 2; half++) {
    const from = half * w;
    const to = from + w;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let i = from;
    for (; i + 4 <= to; i += 4) {
      const a = frame[i];
      const b = frame[i + 1];
      const c = frame[i + 2];
      const d = frame[i + 3];
      s0 += a * a;
      s1 += b * b;
      s2 += c * c;
      s3 += d * d;
    }
    for (; i < to; i++) s0 += frame[i] * frame[i];
    out[half] = s0 + s1 + (s2 + s3);
  }
  return out[0];
}

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
