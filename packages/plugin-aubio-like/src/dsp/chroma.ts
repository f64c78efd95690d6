/** Pitch-class names, C first (the order of chroma bins). */
export const PITCH_CLASSES = ['C', 'C#', 'D', 'D#', 'E', 'F', 'F#', 'G', 'G#', 'A', 'A#', 'B'] as const;

/**
 * A chroma filterbank: `weights[k·12 + j]` is the share of FFT bin k's power that goes to pitch
 * class j (each bin in [fmin, fmax] sums to 1 over the 12 classes; others are 0).
 */
export interface ChromaFilterbank {
  firstBin: number;
  lastBin: number;
  weights: Float32Array;
}

/**
 * Builds the filterbank after D. Ellis's chromagram (2007; librosa's `filters.chroma` has the same
 * shape): bin k at f_k lies at pitch class c_k = (12·log2(f_k/tuningHz) + 9) mod 12 (A = 9 with
 * C = 0) and spreads its power over the classes with a Gaussian in semitones, exp(−½·(4d/w_k)²),
 * d the circular distance to the class and w_k the bin's width in semitones (at least 1): the bin's
 * span is ±2σ, so low bins, wider than a semitone, are shared between their classes instead of
 * landing on one. (Ellis's σ is w_k/2, which leaks ≈ 13 % of a pure tone into each neighbour.)
 */
export function chromaFilterbank(
  sampleRate: number,
  fftSize: number,
  fminHz: number,
  fmaxHz: number,
  tuningHz: number,
): ChromaFilterbank {
  const binHz = sampleRate / fftSize;
  const firstBin = Math.max(1, Math.ceil(fminHz / binHz));
  const lastBin = Math.min(fftSize / 2, Math.floor(fmaxHz / binHz));
  const weights = new Float32Array((fftSize / 2 + 1) * 12);
  for (let k = firstBin; k <= lastBin; k++) {
    const f = k * binHz;
    const pitchClass = (((12 * Math.log2(f / tuningHz) + 9) % 12) + 12) % 12;
    const low = Math.max(f - binHz / 2, binHz / 2);
    const width = Math.max(1, 12 * Math.log2((f + binHz / 2) / low));
    let total = 0;
    for (let j = 0; j < 12; j++) {
      let d = Math.abs(pitchClass - j);
      if (d > 6) d = 12 - d;
      const w = Math.exp(-0.5 * ((4 * d) / width) ** 2);
      weights[k * 12 + j] = w;
      total += w;
    }
    for (let j = 0; j < 12; j++) weights[k * 12 + j] /= total;
  }
  return { firstBin, lastBin, weights };
}

/** The chroma of one magnitude spectrum into `out` (12 values): Σ_k w_kj·|X_k|², scaled so its maximum is 1 (all 0 for silence). */
export function chroma(filterbank: ChromaFilterbank, magnitude: Float32Array, out: Float32Array): void {
  out.fill(0);
  const { firstBin, lastBin, weights } = filterbank;
  for (let k = firstBin; k <= lastBin; k++) {
    const power = magnitude[k] * magnitude[k];
    if (power === 0) continue;
    const base = k * 12;
    for (let j = 0; j < 12; j++) out[j] += weights[base + j] * power;
  }
  let max = 0;
  for (let j = 0; j < 12; j++) if (out[j] > max) max = out[j];
  if (max > 0) for (let j = 0; j < 12; j++) out[j] /= max;
}

/**
 * Krumhansl–Kessler key profiles (C. L. Krumhansl, "Cognitive Foundations of Musical Pitch",
 * 1990, table 2.1: probe-tone ratings in C major and C minor), tonic first.
 */
export const KK_MAJOR = [6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88] as const;
export const KK_MINOR = [6.33, 2.68, 3.52, 5.38, 2.6, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17] as const;

/** Names of the 24 keys in the order of `keyCorrelations`: C major … B major, C minor … B minor. */
export const KEY_NAMES: readonly string[] = [
  ...PITCH_CLASSES.map((p) => `${p} major`),
  ...PITCH_CLASSES.map((p) => `${p} minor`),
];

/** Pearson correlation of x with the profile rotated to tonic t: profile[(j − t) mod 12]. */
function correlation(x: ArrayLike<number>, profile: readonly number[], tonic: number): number {
  let mx = 0;
  let mp = 0;
  for (let j = 0; j < 12; j++) {
    mx += x[j];
    mp += profile[j];
  }
  mx /= 12;
  mp /= 12;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let j = 0; j < 12; j++) {
    const dx = x[j] - mx;
    const dy = profile[(j - tonic + 12) % 12] - mp;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxx > 0 ? sxy / Math.sqrt(sxx * syy) : 0;
}

/**
 * The Krumhansl–Schmuckler key-finding correlations of a 12-bin chroma profile (C first) with the
 * 24 rotated Krumhansl–Kessler profiles, in the order of KEY_NAMES.
 */
export function keyCorrelations(profile: ArrayLike<number>): Float64Array {
  const out = new Float64Array(24);
  for (let t = 0; t < 12; t++) {
    out[t] = correlation(profile, KK_MAJOR, t);
    out[12 + t] = correlation(profile, KK_MINOR, t);
  }
  return out;
}
