import { RealFft } from '@timeside/core';
import { autocorrelationFromPower } from './autocorrelation.js';
import type { PitchEstimate } from './periodicity.js';
import { absoluteThreshold, minimumIn, parabolicVertex } from './yin.js';

/**
 * A-weighting as a power gain (IEC 61672-1:2013, Annex E): R_A(f)² · 10^(2.00/10), so that the
 * gain is 1 (0 dB) at 1 kHz. Used as the perceptual weighting of the spectral YIN.
 */
export function aWeightingPowerGain(freqHz: number): number {
  const f2 = freqHz * freqHz;
  const ra =
    (12194 ** 2 * f2 * f2) /
    ((f2 + 20.6 ** 2) * Math.sqrt((f2 + 107.7 ** 2) * (f2 + 737.9 ** 2)) * (f2 + 12194 ** 2));
  return ra * ra * 10 ** 0.2;
}

/**
 * Spectral YIN ("yinfft", Brossier's thesis, Queen Mary 2006, §3.3; aubio's `pitchyinfft`): the YIN
 * difference function computed from the shared STFT instead of in the time domain, O(N log N)
 * per frame instead of O(N²).
 *
 * 1. Power spectrum P_k = |X_k|², and its perceptually weighted twin P_k·A(f_k)², A the A-weighting
 *    curve (IEC 61672-1), standing in for the outer/middle-ear weighting of Brossier.
 * 2. Autocorrelations r(τ) of both by an inverse FFT (Wiener–Khinchin).
 * 3. Each r(τ) divided by the autocorrelation of the analysis window, r_w(τ)/r_w(0) (Boersma,
 *    "Accurate short-term analysis of the fundamental frequency…", IFA Proceedings 17, 1993,
 *    eq. 9). Without it the window's taper pulls the minimum towards shorter lags: measured here,
 *    a 110 Hz sine read 31 cents sharp with a 2048-point Hann window at 44.1 kHz; with it, 0.3.
 * 4. Differences d(τ) = 2·(r(0) − r(τ)) and YIN's cumulative mean normalisation (de Cheveigné &
 *    Kawahara 2002).
 * 5. The weighted d′ chooses the lag (absolute threshold) and gives the confidence, 1 − d′(τ) as
 *    in aubio. The unweighted d′ refines it: from that lag down to its own nearest minimum, then
 *    parabolic interpolation. The weighting tilts each partial's spectral lobe towards the louder
 *    side of the curve, which moves the weighted minimum: a 110 Hz sine read 90 cents sharp, 220 Hz
 *    10 cents, when the period was taken from the weighted function alone.
 *
 * When no lag passes the threshold the period is 0 and the confidence 1 − min d′. Buffers are
 * allocated once, at construction.
 */
export class YinFft {
  readonly fftSize: number;
  readonly #fft: RealFft;
  /** A-weighting power gain per bin. */
  readonly #weight: Float64Array;
  /** r_w(0) / r_w(τ): undoes the window's taper of the autocorrelation. */
  readonly #lagGain: Float64Array;
  readonly #power: Float64Array;
  // Single precision as core's FFT (pffft) computes: no result changes, no conversion per copy.
  readonly #even: Float32Array;
  readonly #spectrum: Float32Array;
  /** d′ of the weighted spectrum. */
  readonly #weighted: Float64Array;
  /** d′ of the plain spectrum. */
  readonly #plain: Float64Array;

  /** `window` is the analysis window of the STFT whose spectra `detect` receives (length fftSize). */
  constructor(fftSize: number, sampleRate: number, window: Float32Array) {
    this.fftSize = fftSize;
    const half = fftSize / 2;
    this.#fft = new RealFft(fftSize);
    this.#power = new Float64Array(half + 1);
    this.#even = new Float32Array(fftSize);
    this.#spectrum = new Float32Array(fftSize + 2);
    this.#weighted = new Float64Array(half + 1);
    this.#plain = new Float64Array(half + 1);
    this.#weight = new Float64Array(half + 1);
    for (let k = 0; k <= half; k++) this.#weight[k] = aWeightingPowerGain((k * sampleRate) / fftSize);

    // Circular autocorrelation of the window, through the same Wiener–Khinchin route.
    this.#fft.forward(window, this.#spectrum);
    for (let k = 0; k <= half; k++) {
      const re = this.#spectrum[2 * k];
      const im = this.#spectrum[2 * k + 1];
      this.#power[k] = re * re + im * im;
    }
    const windowAcf = new Float64Array(half + 1);
    autocorrelationFromPower(this.#fft, this.#power, this.#even, this.#spectrum, windowAcf);
    this.#lagGain = new Float64Array(half + 1);
    for (let lag = 0; lag <= half; lag++) {
      this.#lagGain[lag] = windowAcf[lag] > 0 ? windowAcf[0] / windowAcf[lag] : 0;
    }
  }

  /**
   * Estimates the period of one frame from its spectrum `complex` (bins 0..N/2 as interleaved
   * re, im — core's `SpectrumBatch.complex`). Searches lags [minLag, maxLag] (maxLag is capped at
   * N/2 − 1); `tolerance` is YIN's absolute threshold on d′.
   */
  detect(complex: Float32Array, minLag: number, maxLag: number, tolerance: number, out: PitchEstimate): void {
    out.period = 0;
    out.confidence = 0;
    const half = this.fftSize / 2;
    const first = Math.max(2, minLag);
    const last = Math.min(maxLag, half - 1);
    if (first > last || !this.#normalizedDifference(complex, true, this.#weighted)) return;
    const weighted = this.#weighted;
    const lag = absoluteThreshold(weighted, first, last, tolerance);
    if (lag < 0) {
      out.confidence = Math.max(0, Math.min(1, 1 - minimumIn(weighted, first, last)));
      return;
    }
    out.confidence = Math.max(0, Math.min(1, 1 - weighted[lag]));
    const plain = this.#plain;
    this.#normalizedDifference(complex, false, plain);
    let best = lag;
    while (best > 1 && plain[best - 1] < plain[best]) best--;
    while (best < half - 1 && plain[best + 1] < plain[best]) best++;
    out.period = parabolicVertex(plain, best);
  }

  /**
   * d′(τ) for τ = 0..N/2 of one spectrum, window taper divided out; with the A-weighting when
   * `weighted`. Returns false for a silent frame.
   */
  #normalizedDifference(complex: Float32Array, weighted: boolean, out: Float64Array): boolean {
    const n = this.fftSize;
    const half = n / 2;
    // The power spectrum goes straight into the even sequence whose forward FFT is the
    // autocorrelation (see autocorrelationFromPower), and d, d′ are computed in one loop: the same
    // operations in the same order as those helpers, fused (two passes over the frame, not six).
    const even = this.#even;
    const weight = this.#weight;
    if (weighted) {
      for (let k = 0; k <= half; k++) {
        const re = complex[2 * k];
        const im = complex[2 * k + 1];
        const p = (re * re + im * im) * weight[k];
        even[k] = p;
        if (k > 0 && k < half) even[n - k] = p;
      }
    } else {
      for (let k = 0; k <= half; k++) {
        const re = complex[2 * k];
        const im = complex[2 * k + 1];
        const p = re * re + im * im;
        even[k] = p;
        if (k > 0 && k < half) even[n - k] = p;
      }
    }
    const spectrum = this.#spectrum;
    this.#fft.forward(even, spectrum);
    const scale = 1 / n;
    const r0 = spectrum[0] * scale;
    if (!(r0 > 0)) return false;
    const lagGain = this.#lagGain;
    // d(τ) = 2·(r(0) − r(τ)·gain(τ)), then YIN's cumulative mean normalisation (cumulativeMeanNormalize).
    out[0] = 1;
    let sum = 0;
    for (let lag = 1; lag <= half; lag++) {
      const d = Math.max(0, 2 * (r0 - spectrum[2 * lag] * scale * lagGain[lag]));
      sum += d;
      out[lag] = sum > 0 ? (d * lag) / sum : 1;
    }
    return true;
  }
}
