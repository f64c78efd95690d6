/**
 * Onset detection functions (ODF) and adaptive peak picking, after Bello et al., "A Tutorial on
 * Onset Detection in Music Signals" (IEEE Trans. Speech and Audio Processing 13(5), 2005),
 * Hainsworth & Macleod, "Onset detection in musical audio signals" (ICMC 2003) for the
 * Kullback–Leibler variants, Dixon, "Onset Detection Revisited" (DAFx 2006), and aubio's
 * `src/spectral/specdesc.c` / `src/onset/peakpicker.c` (Brossier, 2006).
 *
 * Every ODF maps one spectrum (magnitudes |X_k|, bins 0..N/2, and for the phase-based ones the
 * complex bins) plus the state of the previous frames to one number per frame.
 */

import { RealFft, type WindowName, windowFunction } from '@timeside/core';

/** The onset detection functions, by aubio's names. */
export const ODF_METHODS = [
  'energy',
  'hfc',
  'complex',
  'phase',
  'specdiff',
  'kl',
  'mkl',
  'specflux',
] as const;
export type OdfMethod = (typeof ODF_METHODS)[number];

/**
 * Floor added to the previous magnitude in the KL ratios (Hainsworth & Macleod's log ratio
 * |X_n|/|X_n-1| is unbounded on silence; aubio adds a small constant the same way).
 */
const KL_EPSILON = 1e-3;

const TWO_PI = 2 * Math.PI;

/** Wraps a phase to [−π, π] (Bello's `princarg`). */
export function princarg(phase: number): number {
  return phase - TWO_PI * Math.round(phase / TWO_PI);
}

/** Energy: Σ |X_k|² (Bello §III-A.1; aubio `energy`). */
export function energyOdf(magnitude: Float32Array): number {
  let sum = 0;
  for (let k = 0; k < magnitude.length; k++) sum += magnitude[k] * magnitude[k];
  return sum;
}

/**
 * High frequency content: Σ (k+1)·|X_k|, a linear weighting towards high bins, on the magnitude as
 * aubio's `hfc` computes it (Masri 1996 and Bello eq. 3 weigh the power |X_k|² by k).
 */
export function hfcOdf(magnitude: Float32Array): number {
  let sum = 0;
  for (let k = 0; k < magnitude.length; k++) sum += (k + 1) * magnitude[k];
  return sum;
}

/**
 * Spectral difference: Σ H(|X_k(n)| − |X_k(n−1)|)², H the half-wave rectifier (Bello eq. 4).
 * Rectified so that decays (note offsets) do not peak; aubio's `specdiff` is unrectified.
 */
export function specdiffOdf(magnitude: Float32Array, previous: Float32Array): number {
  let sum = 0;
  for (let k = 0; k < magnitude.length; k++) {
    const d = magnitude[k] - previous[k];
    if (d > 0) sum += d * d;
  }
  return sum;
}

/** Spectral flux: Σ H(|X_k(n)| − |X_k(n−1)|), the L1 form (Dixon 2006 eq. 3; aubio `specflux`). */
export function specfluxOdf(magnitude: Float32Array, previous: Float32Array): number {
  // max(d, 0) = (d + |d|) / 2, summed as d + |d| and halved once at the end (exact: a power of
  // two): no branch to mispredict, as the sign of d changes from bin to bin, and no Math.max
  // with its NaN and −0 cases. Two running sums, so that each add need not wait for the last.
  let even = 0;
  let odd = 0;
  const count = magnitude.length;
  let k = 0;
  for (; k + 1 < count; k += 2) {
    const a = magnitude[k] - previous[k];
    const b = magnitude[k + 1] - previous[k + 1];
    even += a + Math.abs(a);
    odd += b + Math.abs(b);
  }
  if (k < count) {
    const a = magnitude[k] - previous[k];
    even += a + Math.abs(a);
  }
  return 0.5 * (even + odd);
}

/** Kullback–Leibler: Σ |X_k(n)|·log(1 + |X_k(n)| / (|X_k(n−1)| + ε)) (Hainsworth & Macleod; aubio `kl`). */
export function klOdf(magnitude: Float32Array, previous: Float32Array): number {
  let sum = 0;
  for (let k = 0; k < magnitude.length; k++) {
    sum += magnitude[k] * Math.log1p(magnitude[k] / (previous[k] + KL_EPSILON));
  }
  return sum;
}

/** Modified Kullback–Leibler: Σ log(1 + |X_k(n)| / (|X_k(n−1)| + ε)) (Brossier 2006 §2.3; aubio `mkl`). */
export function mklOdf(magnitude: Float32Array, previous: Float32Array): number {
  let sum = 0;
  for (let k = 0; k < magnitude.length; k++) sum += Math.log1p(magnitude[k] / (previous[k] + KL_EPSILON));
  return sum;
}

/**
 * Complex domain: Σ |X_k(n) − X̂_k(n)|, where the target X̂ keeps the previous magnitude and
 * extrapolates the phase linearly, φ̂ = 2φ(n−1) − φ(n−2) (Bello eq. 8; Duxbury et al. 2003;
 * aubio `complex`). The distance is computed from polar form by the law of cosines.
 */
export function complexDomainOdf(
  magnitude: Float32Array,
  phase: Float32Array,
  previousMagnitude: Float32Array,
  phase1: Float32Array,
  phase2: Float32Array,
): number {
  let sum = 0;
  for (let k = 0; k < magnitude.length; k++) {
    const r = magnitude[k];
    const r1 = previousMagnitude[k];
    const predicted = 2 * phase1[k] - phase2[k];
    const d2 = r * r + r1 * r1 - 2 * r * r1 * Math.cos(phase[k] - predicted);
    sum += Math.sqrt(Math.max(d2, 0));
  }
  return sum;
}

/**
 * Phase deviation: mean over bins of |princarg(φ(n) − 2φ(n−1) + φ(n−2))| (Bello eq. 7), each
 * bin weighted by its magnitude (Dixon 2006's "weighted phase deviation") so that the random
 * phases of silent or noise-floor bins do not dominate. aubio gates bins by a magnitude
 * threshold and averages through a histogram instead.
 */
export function phaseOdf(
  magnitude: Float32Array,
  phase: Float32Array,
  phase1: Float32Array,
  phase2: Float32Array,
) {
  let sum = 0;
  for (let k = 0; k < magnitude.length; k++) {
    sum += magnitude[k] * Math.abs(princarg(phase[k] - 2 * phase1[k] + phase2[k]));
  }
  return sum / magnitude.length;
}

/** Writes the phase of each interleaved (re, im) bin of `complex` into `phase`. */
export function phases(complex: Float32Array, phase: Float32Array): void {
  for (let k = 0; k < phase.length; k++) phase[k] = Math.atan2(complex[2 * k + 1], complex[2 * k]);
}

/**
 * A running onset detection function: holds the previous magnitudes and the previous two
 * frames' phases (rotated, never reallocated) and returns one ODF value per spectrum.
 * Before the first frame the past is silence (zero magnitudes and phases), as in aubio.
 */
export class OnsetFunction {
  readonly method: OdfMethod;
  readonly bins: number;
  #previous: Float32Array;
  #phase: Float32Array;
  #phase1: Float32Array;
  #phase2: Float32Array;

  constructor(method: OdfMethod, bins: number) {
    this.method = method;
    this.bins = bins;
    this.#previous = new Float32Array(bins);
    const needsPhase = method === 'complex' || method === 'phase';
    this.#phase = new Float32Array(needsPhase ? bins : 0);
    this.#phase1 = new Float32Array(needsPhase ? bins : 0);
    this.#phase2 = new Float32Array(needsPhase ? bins : 0);
  }

  /** Forgets the past frames. */
  reset(): void {
    this.#previous.fill(0);
    this.#phase1.fill(0);
    this.#phase2.fill(0);
  }

  /**
   * The ODF of the next frame, from its magnitudes (bins values) and its complex spectrum
   * (interleaved re/im, used by `complex` and `phase`).
   */
  next(magnitude: Float32Array, complex: Float32Array): number {
    let value: number;
    switch (this.method) {
      case 'energy':
        return energyOdf(magnitude);
      case 'hfc':
        return hfcOdf(magnitude);
      case 'specdiff':
        value = specdiffOdf(magnitude, this.#previous);
        break;
      case 'specflux':
        value = specfluxOdf(magnitude, this.#previous);
        break;
      case 'kl':
        value = klOdf(magnitude, this.#previous);
        break;
      case 'mkl':
        value = mklOdf(magnitude, this.#previous);
        break;
      case 'complex':
      case 'phase': {
        const phase = this.#phase;
        phases(complex, phase);
        value =
          this.method === 'complex'
            ? complexDomainOdf(magnitude, phase, this.#previous, this.#phase1, this.#phase2)
            : phaseOdf(magnitude, phase, this.#phase1, this.#phase2);
        // Rotate: φ(n−2) ← φ(n−1) ← φ(n); the oldest buffer is reused for the next frame.
        const oldest = this.#phase2;
        this.#phase2 = this.#phase1;
        this.#phase1 = phase;
        this.#phase = oldest;
        break;
      }
    }
    const previous = this.#previous;
    if (magnitude.length === previous.length) previous.set(magnitude);
    // A copy loop, not `set(magnitude.subarray(…))`: no view object per frame.
    else for (let k = 0; k < previous.length; k++) previous[k] = magnitude[k];
    return value;
  }
}

/** Parameters of `pickPeaks` (aubio's peak picker, `src/onset/peakpicker.c`). */
export interface PeakPickingOptions {
  /** Weight of the local mean in the adaptive threshold (aubio's `threshold`). */
  threshold: number;
  /** Past frames in the median/mean window (aubio's `win_post`, 5). */
  before?: number;
  /** Future frames in the window (aubio's `win_pre`, 1). */
  after?: number;
  /**
   * Minimum thresholded peak, in units of the ODF's mean over the whole signal (Dixon 2006's δ;
   * default 0.1). The median/mean threshold alone is scale-free, so in a steady sound the ODF's
   * residual ripple (10⁻⁴ of a real onset) would pass it.
   */
  delta?: number;
}

/**
 * Smooths the ODF with the binomial kernel [1, 2, 1] / 4 (zero phase). aubio low-passes with a
 * Butterworth (`butter(2, 0.34)`, run forwards and backwards), whose ringing turns a large spike
 * into small false peaks up to seven frames away once the spike leaves the median window; a
 * kernel without negative lobes cannot ring.
 */
export function smoothOdf(input: Float32Array, output: Float32Array): void {
  const n = input.length;
  let previous = 0;
  for (let i = 0; i < n; i++) {
    const here = input[i];
    const next = i + 1 < n ? input[i + 1] : 0;
    output[i] = 0.25 * previous + 0.5 * here + 0.25 * next;
    previous = here;
  }
}

function medianOf(values: Float64Array, count: number): number {
  // Insertion sort: the window holds 7 values.
  for (let i = 1; i < count; i++) {
    const v = values[i];
    let j = i - 1;
    while (j >= 0 && values[j] > v) {
      values[j + 1] = values[j];
      j--;
    }
    values[j + 1] = v;
  }
  const mid = count >> 1;
  return count % 2 ? values[mid] : 0.5 * (values[mid - 1] + values[mid]);
}

/**
 * Adaptive peak picking over a whole ODF, as aubio's peak picker does frame by frame: the ODF
 * is smoothed (see `smoothOdf`), then each frame's value minus the median and minus `threshold`
 * × the mean of the window [i − before, i + after] gives a thresholded function, whose local
 * maxima above `delta` × the ODF's global mean are the onsets. Frames outside the ODF count as 0
 * (silence).
 *
 * Returns fractional frame positions (parabolic peak of the smoothed ODF near each maximum), increasing.
 */
export function pickPeaks(odf: Float32Array, options: PeakPickingOptions): Float64Array {
  const { threshold } = options;
  const before = options.before ?? 5;
  const after = options.after ?? 1;
  const n = odf.length;
  const smooth = new Float32Array(n);
  smoothOdf(odf, smooth);
  let total = 0;
  for (let i = 0; i < n; i++) total += odf[i];
  const floor = n > 0 ? ((options.delta ?? 0.1) * total) / n : 0;
  const thresholded = new Float32Array(n);
  const span = before + after + 1;
  const scratch = new Float64Array(span);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let j = 0; j < span; j++) {
      const at = i - before + j;
      const v = at >= 0 && at < n ? smooth[at] : 0;
      scratch[j] = v;
      sum += v;
    }
    thresholded[i] = smooth[i] - medianOf(scratch, span) - (threshold * sum) / span;
  }
  const peaks: number[] = [];
  for (let i = 0; i < n; i++) {
    const here = thresholded[i];
    const left = i > 0 ? thresholded[i - 1] : Number.NEGATIVE_INFINITY;
    const right = i < n - 1 ? thresholded[i + 1] : Number.NEGATIVE_INFINITY;
    if (!(here > floor && here > 0 && here > left && here >= right)) continue;
    // The mean term of the threshold rises along the bump and pulls the thresholded maximum
    // earlier: the onset is placed at the maximum of the smoothed ODF near it instead.
    const position = peakPosition(smooth, i, 2);
    if (peaks.length && position <= peaks[peaks.length - 1]) continue;
    peaks.push(position);
  }
  return Float64Array.from(peaks);
}

/**
 * The fractional position of the largest value of `values` within ±`radius` of `index`
 * (parabolic interpolation through it and its neighbours).
 */
export function peakPosition(values: Float32Array, index: number, radius: number): number {
  const n = values.length;
  let top = index;
  const to = Math.min(n - 1, index + radius);
  for (let j = Math.max(0, index - radius); j <= to; j++) if (values[j] > values[top]) top = j;
  const a = top > 0 ? values[top - 1] : Number.NEGATIVE_INFINITY;
  const c = top < n - 1 ? values[top + 1] : Number.NEGATIVE_INFINITY;
  return top + parabolicOffset(a, values[top], c);
}

/** Offset in [−0.5, 0.5] of the vertex of the parabola through (−1, a), (0, b), (1, c). */
export function parabolicOffset(a: number, b: number, c: number): number {
  if (!Number.isFinite(a) || !Number.isFinite(c)) return 0;
  const denominator = a - 2 * b + c;
  if (denominator >= 0) return 0;
  const offset = (0.5 * (a - c)) / denominator;
  return Math.min(0.5, Math.max(-0.5, offset));
}

const offsetCache = new Map<string, number>();

/**
 * Where, in samples from the start of a frame, an onset lies when `pickPeaks` puts the ODF peak
 * on that frame. A frame covers [i·hop, i·hop + fftSize), so a peak at frame i does not mean an
 * onset at i·hop: energy and hfc peak when the event sits under the window's centre (≈ fftSize/2),
 * the difference methods while it enters the window's falling edge (≈ 3/4 of the frame), and the
 * ratio methods (kl, mkl) earlier still. Rather than a rule per method, the offset is measured on
 * the method's own response: an ideal impulse is run through the window, the FFT and the ODF at 16
 * phases relative to the hop (fewer if the hop is shorter), the smoothed peak is located as `pickPeaks` locates it, and the
 * offset is the mean distance from that peak's frame start to the impulse. Cached per arguments.
 */
export function onsetTimeOffset(
  method: OdfMethod,
  fftSize: number,
  hopSize: number,
  window: WindowName = 'hann',
): number {
  const key = `${method}:${fftSize}:${hopSize}:${window}`;
  const hit = offsetCache.get(key);
  if (hit !== undefined) return hit;
  const fft = new RealFft(fftSize);
  const win = windowFunction(window, fftSize);
  const bins = fftSize / 2 + 1;
  const odf = new OnsetFunction(method, bins);
  const windowed = new Float64Array(fftSize);
  const complex = new Float32Array(fftSize + 2);
  const magnitude = new Float32Array(bins);
  // Frames 0..count: the impulse sits at sample `at`, well inside the run, after two silent frames.
  const lead = 2;
  const phasesTried = Math.min(16, hopSize);
  const framesSpanned = Math.ceil(fftSize / hopSize) + 1;
  const count = 2 * lead + framesSpanned + 2;
  const values = new Float32Array(count);
  const smooth = new Float32Array(count);
  let total = 0;
  for (let phase = 0; phase < phasesTried; phase++) {
    const at = (lead + framesSpanned) * hopSize + Math.floor((phase * hopSize) / phasesTried);
    odf.reset();
    for (let i = 0; i < count; i++) {
      windowed.fill(0);
      const inFrame = at - i * hopSize;
      if (inFrame >= 0 && inFrame < fftSize) windowed[inFrame] = win[inFrame];
      fft.forward(windowed, complex);
      for (let k = 0; k < bins; k++) magnitude[k] = Math.hypot(complex[2 * k], complex[2 * k + 1]);
      values[i] = odf.next(magnitude, complex);
    }
    smoothOdf(values, smooth);
    const peak = peakPosition(smooth, 0, count);
    total += at - peak * hopSize;
  }
  const offset = total / phasesTried;
  offsetCache.set(key, offset);
  return offset;
}
