/**
 * Mel filterbank, log and DCT-II: the kernels of `mel_energy` and `mfcc`.
 *
 * Two conventions are offered:
 * - 'slaney' (default): the mel scale of M. Slaney's Auditory Toolbox (Interval Research Tech.
 *   Report 1998-010, `mfcc.m`): linear below 1 kHz (200/3 Hz per mel), logarithmic above (a
 *   factor 6.4 per 27 mels), with area-normalised triangles (each filter weighs 2/(f_hi − f_lo),
 *   so every band has unit area in Hz) — librosa's default.
 * - 'htk': the HTK Book's mel = 2595·log10(1 + f/700) with unit-peak triangles.
 * Triangles are drawn in Hz between nMels + 2 edges spaced evenly in mel from fmin to fmax and
 * sampled at the bin frequencies k·sampleRate/fftSize, as in both references.
 */

export const MEL_SCALES = ['slaney', 'htk'] as const;
export type MelScale = (typeof MEL_SCALES)[number];

const SLANEY_F_SP = 200 / 3;
const SLANEY_MIN_LOG_HZ = 1000;
const SLANEY_MIN_LOG_MEL = SLANEY_MIN_LOG_HZ / SLANEY_F_SP;
const SLANEY_LOG_STEP = Math.log(6.4) / 27;

/** Frequency (Hz) to mel on the given scale. */
export function hzToMel(hz: number, scale: MelScale): number {
  if (scale === 'htk') return 2595 * Math.log10(1 + hz / 700);
  return hz < SLANEY_MIN_LOG_HZ
    ? hz / SLANEY_F_SP
    : SLANEY_MIN_LOG_MEL + Math.log(hz / SLANEY_MIN_LOG_HZ) / SLANEY_LOG_STEP;
}

/** Mel to frequency (Hz) on the given scale. */
export function melToHz(mel: number, scale: MelScale): number {
  if (scale === 'htk') return 700 * (10 ** (mel / 2595) - 1);
  return mel < SLANEY_MIN_LOG_MEL
    ? mel * SLANEY_F_SP
    : SLANEY_MIN_LOG_HZ * Math.exp(SLANEY_LOG_STEP * (mel - SLANEY_MIN_LOG_MEL));
}

/** A triangular filterbank over the bins 0..fftSize/2, stored sparsely (each band's non-zero span). */
export interface MelFilterbank {
  nMels: number;
  bins: number;
  /** First and one-past-last bin of band m's non-zero weights. */
  start: Int32Array;
  end: Int32Array;
  /** Weights of band m for bins start[m]..end[m], at offset[m] in `weights`. */
  offset: Int32Array;
  weights: Float32Array;
}

export interface MelFilterbankOptions {
  sampleRate: number;
  fftSize: number;
  nMels: number;
  /** Lowest band edge (Hz). */
  fmin: number;
  /** Highest band edge (Hz), ≤ sampleRate/2. */
  fmax: number;
  scale: MelScale;
}

/** Builds the filterbank (see the module comment for both conventions). */
export function melFilterbank(options: MelFilterbankOptions): MelFilterbank {
  const { sampleRate, fftSize, nMels, fmin, fmax, scale } = options;
  const bins = fftSize / 2 + 1;
  const binHz = sampleRate / fftSize;
  const melMin = hzToMel(fmin, scale);
  const melMax = hzToMel(fmax, scale);
  const edges = new Float64Array(nMels + 2);
  for (let i = 0; i < edges.length; i++)
    edges[i] = melToHz(melMin + ((melMax - melMin) * i) / (nMels + 1), scale);
  const start = new Int32Array(nMels);
  const end = new Int32Array(nMels);
  const offset = new Int32Array(nMels);
  const spans: Float32Array[] = [];
  let total = 0;
  for (let m = 0; m < nMels; m++) {
    const lo = edges[m];
    const centre = edges[m + 1];
    const hi = edges[m + 2];
    const norm = scale === 'slaney' ? 2 / (hi - lo) : 1;
    const first = Math.max(0, Math.ceil(lo / binHz));
    const last = Math.min(bins - 1, Math.floor(hi / binHz));
    const span = new Float32Array(Math.max(0, last - first + 1));
    for (let k = first; k <= last; k++) {
      const f = k * binHz;
      const rising = (f - lo) / (centre - lo);
      const falling = (hi - f) / (hi - centre);
      span[k - first] = Math.max(0, Math.min(rising, falling)) * norm;
    }
    start[m] = first;
    end[m] = first + span.length;
    offset[m] = total;
    total += span.length;
    spans.push(span);
  }
  const weights = new Float32Array(total);
  for (let m = 0; m < nMels; m++) weights.set(spans[m], offset[m]);
  return { nMels, bins, start, end, offset, weights };
}

/**
 * Mel band energies of one frame: E_m = Σ_k w_m(k)·|X(k)|², the power spectrum (of the unscaled
 * FFT) weighted by each triangle. Writes nMels values into `out`.
 */
export function melEnergies(
  filterbank: MelFilterbank,
  magnitudes: ArrayLike<number>,
  out: Float32Array,
): void {
  const { nMels, start, end, offset, weights } = filterbank;
  for (let m = 0; m < nMels; m++) {
    // Two running sums, so that each add need not wait for the one before it.
    let even = 0;
    let odd = 0;
    let w = offset[m];
    let k = start[m];
    const stop = end[m];
    for (; k + 1 < stop; k += 2, w += 2) {
      const a = magnitudes[k];
      const b = magnitudes[k + 1];
      even += weights[w] * a * a;
      odd += weights[w + 1] * b * b;
    }
    if (k < stop) even += weights[w] * magnitudes[k] * magnitudes[k];
    out[m] = even + odd;
  }
}

/**
 * The orthonormal DCT-II as a row-major nCoeffs × size matrix:
 * C[n][m] = s_n·cos(π·n·(m + ½)/size), s_0 = √(1/size), s_n = √(2/size) — the matrix is
 * orthogonal when nCoeffs = size (scipy's `dct(type=2, norm='ortho')`).
 */
export function dctMatrix(nCoeffs: number, size: number): Float64Array {
  const matrix = new Float64Array(nCoeffs * size);
  for (let n = 0; n < nCoeffs; n++) {
    const scale = Math.sqrt((n === 0 ? 1 : 2) / size);
    for (let m = 0; m < size; m++) matrix[n * size + m] = scale * Math.cos((Math.PI * n * (m + 0.5)) / size);
  }
  return matrix;
}

/**
 * MFCCs of one frame: c = DCT-II(ln(max(E_m, logFloor))), natural log, with `matrix` from
 * `dctMatrix(nCoeffs, nMels)`. Writes nCoeffs values into `out`; `scratch` holds nMels values.
 */
export function cepstrum(
  matrix: Float64Array,
  nCoeffs: number,
  energies: ArrayLike<number>,
  logFloor: number,
  scratch: Float64Array,
  out: Float32Array,
): void {
  const size = scratch.length;
  for (let m = 0; m < size; m++) {
    const e = energies[m];
    scratch[m] = Math.log(Math.max(e, logFloor));
  }
  for (let n = 0; n < nCoeffs; n++) {
    let sum = 0;
    const row = n * size;
    for (let m = 0; m < size; m++) sum += matrix[row + m] * scratch[m];
    out[n] = sum;
  }
}
