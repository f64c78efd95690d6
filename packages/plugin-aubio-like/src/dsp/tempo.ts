/**
 * Tempo and beat tracking over an onset detection function (ODF).
 *
 * Tempo: Davies & Plumbley, "Context-Dependent Beat Tracking of Musical Audio" (IEEE TASLP
 * 15(3), 2007) §II, as aubio's `beattracking.c` implements it: an adaptive-mean-thresholded,
 * half-wave rectified ODF; its autocorrelation; a shift-invariant comb filterbank (each lag τ
 * collects the autocorrelation at τ, 2τ, 3τ, 4τ, the a-th element spread over 2a − 1 lags) weighted
 * by a Rayleigh prior peaking at 120 BPM. The winning period is then refined on the unweighted
 * autocorrelation at all its multiples (the prior picks the metrical level, not the exact value).
 *
 * Beats: Ellis, "Beat Tracking by Dynamic Programming" (J. New Music Research 36(1), 2007): the
 * beat sequence maximising the onset strength at the beats minus a penalty on log inter-beat
 * intervals that deviate from the period.
 */

import { RealFft } from '@timeside/core';
import { autocorrelationFromPower } from './autocorrelation.js';

/** Half-length of the adaptive mean threshold, in frames (D&P 2007 use a 16-frame window). */
const THRESHOLD_HALF_WINDOW = 8;

/**
 * The ODF minus its moving mean over ±8 frames, half-wave rectified (D&P 2007 eq. 2): removes
 * slow level changes so that only the rises (onsets) remain. Written into `out`.
 */
export function onsetEnvelope(
  odf: Float32Array,
  out: Float32Array = new Float32Array(odf.length),
): Float32Array {
  const n = odf.length;
  let sum = 0;
  let from = 0;
  let to = -1;
  for (let i = 0; i < n; i++) {
    const lo = Math.max(0, i - THRESHOLD_HALF_WINDOW);
    const hi = Math.min(n - 1, i + THRESHOLD_HALF_WINDOW);
    while (to < hi) sum += odf[++to];
    while (from < lo) sum -= odf[from++];
    const d = odf[i] - sum / (hi - lo + 1);
    out[i] = Math.max(d, 0);
  }
  return out;
}

/**
 * Unbiased autocorrelation r[l] = Σ x[n]·x[n+l] / (N − l) for l in [0, maxLag], through one
 * real FFT of the zero-padded signal and one of its power spectrum (Wiener–Khinchin).
 */
export function autocorrelation(x: Float32Array, maxLag: number): Float64Array {
  const n = x.length;
  const lags = Math.max(0, Math.min(maxLag, n - 1)) + 1;
  let size = 4;
  while (size < 2 * n) size *= 2;
  const fft = new RealFft(size);
  const padded = new Float64Array(size);
  padded.set(x);
  const spectrum = new Float64Array(size + 2);
  fft.forward(padded, spectrum);
  const half = size / 2;
  const power = new Float64Array(half + 1);
  for (let k = 0; k <= half; k++) power[k] = spectrum[2 * k] ** 2 + spectrum[2 * k + 1] ** 2;
  // size ≥ 2N, so the circular autocorrelation equals the linear one at every lag < N.
  const circular = new Float64Array(half + 1);
  autocorrelationFromPower(fft, power, padded, spectrum, circular);
  const r = new Float64Array(lags);
  for (let l = 0; l < lags; l++) r[l] = circular[l] / (n - l);
  return r;
}

/** r at a fractional lag (linear interpolation; 0 beyond the computed lags). */
function at(r: Float64Array, lag: number): number {
  if (lag < 0) return 0;
  const i = Math.floor(lag);
  if (i + 1 >= r.length) return i < r.length ? r[i] : 0;
  const f = lag - i;
  return r[i] * (1 - f) + r[i + 1] * f;
}

/** Rayleigh weighting of a lag τ (frames) with its mode at β (D&P 2007 eq. 4; aubio `rwv`). */
export function rayleigh(lag: number, beta: number): number {
  return (lag / (beta * beta)) * Math.exp((-lag * lag) / (2 * beta * beta));
}

/** Shift-invariant comb filterbank output at a lag τ: four elements, the a-th spread over 2a−1 lags (D&P eq. 5). */
export function combOutput(r: Float64Array, lag: number): number {
  let sum = 0;
  for (let a = 1; a <= 4; a++) {
    let element = 0;
    for (let b = 1 - a; b <= a - 1; b++) element += at(r, a * lag + b);
    sum += element / (2 * a - 1);
  }
  return sum;
}

export interface TempoEstimate {
  /** Beats per minute. */
  bpm: number;
  /** Beat period in ODF frames (fractional). */
  period: number;
}

export interface TempoOptions {
  /** ODF frames per second (sampleRate / hopSize). */
  frameRate: number;
  minBpm: number;
  maxBpm: number;
  /** Mode of the Rayleigh prior (default: 120 BPM, as aubio). */
  preferredBpm?: number;
}

/**
 * The global tempo of an onset envelope (see `onsetEnvelope`): the comb filterbank over its
 * autocorrelation, weighted by the Rayleigh prior, picks the period on a 0.05-frame grid within
 * [minBpm, maxBpm] (periods of one frame to the envelope's length); the period is then refined to ±0.005 frames by maximising Σ_a r(a·τ) over every
 * multiple of τ within the signal's first half. Returns null when the envelope is flat (no onsets).
 */
export function estimateTempo(envelope: Float32Array, options: TempoOptions): TempoEstimate | null {
  const { frameRate, minBpm, maxBpm } = options;
  const n = envelope.length;
  // A period is at least one frame and at most the signal: bounds beyond those (any positive BPM
  // is accepted) would only add lags with nothing to measure, billions of them at the extremes.
  const shortest = Math.max(1, (60 * frameRate) / maxBpm);
  const longest = Math.min(n, (60 * frameRate) / minBpm);
  if (!(shortest <= longest)) return null;
  const beta = (60 * frameRate) / (options.preferredBpm ?? 120);
  const maxLag = Math.max(Math.ceil(4 * longest + 4), n >> 1);
  const r = autocorrelation(envelope, maxLag);
  if (!(r[0] > 0)) return null;

  let best = -1;
  let bestScore = 0;
  for (let lag = shortest; lag <= longest; lag += 0.05) {
    const score = combOutput(r, lag) * rayleigh(lag, beta);
    if (score > bestScore) {
      bestScore = score;
      best = lag;
    }
  }
  if (best < 0) return null;

  // Refinement: the sum over all multiples sharpens the peak by the number of multiples.
  const usable = Math.max(r.length - 1, 1);
  let period = best;
  let refined = Number.NEGATIVE_INFINITY;
  const from = Math.max(shortest, best - 1);
  const to = Math.min(longest, best + 1);
  for (let lag = from; lag <= to; lag += 0.005) {
    const multiples = Math.max(1, Math.floor(usable / lag));
    let sum = 0;
    for (let a = 1; a <= multiples; a++) sum += at(r, a * lag);
    const score = sum / multiples;
    if (score > refined) {
      refined = score;
      period = lag;
    }
  }
  return { bpm: (60 * frameRate) / period, period };
}

/** Options of `trackBeats`. */
export interface BeatTrackingOptions {
  /** Weight of the tempo-consistency penalty against onset strength (Ellis's α; default 100). */
  tightness?: number;
}

/**
 * Beat positions (fractional frames) by Ellis's dynamic programme over `envelope` for a beat
 * period `period` (frames): C(t) = O(t) + max_p [C(p) − α·log²((t − p)/period)] over
 * p ∈ [t − 2·period, t − period/2], O the envelope normalised by its standard deviation. A chain
 * links only to predecessors that add to its score, so it does not extend into silence; beats
 * whose onset strength is below a tenth of the median beat strength are trimmed from both ends.
 * Returns the beat frames, increasing.
 */
export function trackBeats(
  envelope: Float32Array,
  period: number,
  options: BeatTrackingOptions = {},
): Int32Array {
  const alpha = options.tightness ?? 100;
  const n = envelope.length;
  if (n === 0 || !(period > 0)) return new Int32Array(0);
  let mean = 0;
  for (let i = 0; i < n; i++) mean += envelope[i];
  mean /= n;
  let variance = 0;
  for (let i = 0; i < n; i++) variance += (envelope[i] - mean) ** 2;
  const std = Math.sqrt(variance / n);
  if (!(std > 0)) return new Int32Array(0);

  const score = new Float64Array(n);
  const back = new Int32Array(n).fill(-1);
  const nearest = Math.max(1, Math.round(period / 2));
  const farthest = Math.max(nearest, Math.round(2 * period));
  for (let t = 0; t < n; t++) {
    const local = envelope[t] / std;
    let bestPrev = -1;
    let bestValue = 0;
    for (let p = Math.max(0, t - farthest); p <= t - nearest; p++) {
      const deviation = Math.log((t - p) / period);
      const value = score[p] - alpha * deviation * deviation;
      if (value > bestValue) {
        bestValue = value;
        bestPrev = p;
      }
    }
    score[t] = local + bestValue;
    back[t] = bestPrev;
  }

  // The chain ends at the best-scoring frame of the last period.
  let end = n - 1;
  for (let t = Math.max(0, n - Math.ceil(period)); t < n; t++) if (score[t] > score[end]) end = t;
  const frames: number[] = [];
  for (let t = end; t >= 0; t = back[t]) frames.push(t);
  frames.reverse();

  // Trim weak beats at both ends (lead-in and tail beyond the music).
  const strengths = frames.map((t) => envelope[t]).sort((a, b) => a - b);
  const floor = 0.1 * (strengths[strengths.length >> 1] ?? 0);
  let first = 0;
  let last = frames.length - 1;
  while (first <= last && envelope[frames[first]] <= floor) first++;
  while (last >= first && envelope[frames[last]] <= floor) last--;

  return Int32Array.from(frames.slice(first, last + 1));
}
