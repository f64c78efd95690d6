/**
 * Test fixtures and evaluation for the onset, tempo and notes tests: click tracks generated from
 * a fixed seed, and MIREX / mir_eval-style one-to-one matching of event times.
 */

/** A deterministic uniform generator in [0, 1) (32-bit LCG, Numerical Recipes constants). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
}

export type ClickKind = 'noise' | 'blip';

export interface ClickTrackOptions {
  sampleRate?: number;
  /** 'noise': decaying white-noise bursts; 'blip': decaying 1 kHz sine bursts. */
  kind?: ClickKind;
  /** Peak amplitude of each click (default 0.5). */
  amplitude?: number;
  /** Click length in seconds (default 0.01), with a 2 ms exponential decay. */
  clickS?: number;
  /** Level of a white-noise bed under the clicks, dBFS RMS (default: none). */
  bedDb?: number;
  seed?: number;
}

/** Mono audio of `durationS` with a click starting at each of `times` (s). */
export function clickTrack(
  times: readonly number[],
  durationS: number,
  options: ClickTrackOptions = {},
): Float32Array {
  const sampleRate = options.sampleRate ?? 44100;
  const random = seededRandom(options.seed ?? 1);
  const out = new Float32Array(Math.round(durationS * sampleRate));
  if (options.bedDb !== undefined) {
    // Uniform noise of RMS 10^(dB/20): amplitude √3 × RMS.
    const peak = Math.sqrt(3) * 10 ** (options.bedDb / 20);
    for (let i = 0; i < out.length; i++) out[i] = peak * (2 * random() - 1);
  }
  const amplitude = options.amplitude ?? 0.5;
  const length = Math.round((options.clickS ?? 0.01) * sampleRate);
  const decay = 0.002 * sampleRate;
  for (const t of times) {
    const start = Math.round(t * sampleRate);
    for (let i = 0; i < length && start + i < out.length; i++) {
      const envelope = amplitude * Math.exp(-i / decay);
      const carrier =
        options.kind === 'blip' ? Math.sin((2 * Math.PI * 1000 * i) / sampleRate) : 2 * random() - 1;
      out[start + i] += envelope * carrier;
    }
  }
  return out;
}

/** Times from `startS` every 60/bpm seconds, before `endS`. */
export function regularTimes(bpm: number, startS: number, endS: number): number[] {
  const times: number[] = [];
  for (let k = 0; startS + (k * 60) / bpm < endS; k++) times.push(startS + (k * 60) / bpm);
  return times;
}

/** Times with random gaps in [minGapS, maxGapS) from `startS`, before `endS` (fixed seed). */
export function irregularTimes(seed: number, startS: number, endS: number, minGapS: number, maxGapS: number) {
  const random = seededRandom(seed);
  const times: number[] = [];
  for (let t = startS; t < endS; t += minGapS + random() * (maxGapS - minGapS)) times.push(t);
  return times;
}

export interface MatchScore {
  matched: number;
  precision: number;
  recall: number;
  fMeasure: number;
  /** Signed errors (estimate − reference, s) of the matched pairs. */
  errors: number[];
}

/**
 * One-to-one matching of estimated to reference times within ±`toleranceS` (MIREX onset
 * evaluation, as mir_eval's `match_events`): a maximum matching of the bipartite graph whose
 * edges join pairs closer than the tolerance. On a line these graphs are convex, so the greedy
 * scan — each reference, in order, takes the earliest unmatched estimate within reach — is
 * maximum. Precision = matched / estimates, recall = matched / references.
 */
export function matchEvents(
  reference: readonly number[],
  estimate: ArrayLike<number>,
  toleranceS: number,
): MatchScore {
  const ref = [...reference].sort((a, b) => a - b);
  const est = Array.from(estimate).sort((a, b) => a - b);
  const errors: number[] = [];
  let j = 0;
  for (const r of ref) {
    while (j < est.length && est[j] < r - toleranceS) j++;
    if (j < est.length && est[j] <= r + toleranceS) {
      errors.push(est[j] - r);
      j++;
    }
  }
  const matched = errors.length;
  const precision = est.length ? matched / est.length : ref.length ? 0 : 1;
  const recall = ref.length ? matched / ref.length : 1;
  const fMeasure = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { matched, precision, recall, fMeasure, errors };
}
