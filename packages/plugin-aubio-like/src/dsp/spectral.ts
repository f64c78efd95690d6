/**
 * Spectral shape descriptors after G. Peeters, "A large set of audio features for sound
 * description (similarity and classification) in the CUIDADO project", IRCAM, 2004 (its
 * spectral shape, spectral variation and MPEG-7 flatness features).
 *
 * Inputs are one frame's magnitude spectrum a(k), k = 0..K−1 (bin k at frequency f(k) = k·binHz,
 * DC included), as core's STFT gives it. Peeters writes the shape descriptors over a spectrum
 * "a(k)" seen as a distribution; here every shape descriptor (centroid, spread, skewness,
 * kurtosis, slope, decrease, roll-off, flatness) weighs the bins by the POWER spectrum
 * p(k) = a(k)², as MATLAB's Audio Toolbox does by default for these Peeters features. On the
 * magnitude the third and fourth moments are ruled by the Hann window's sidelobes (decaying only
 * as 1/k³) and the float32 noise floor: a bin-centred tone, whose true kurtosis is 2 on a(k) and
 * 3 on p(k), measured ≈ 17 000 on a(k) and 3.00 on p(k). The flux is Peeters' spectral variation,
 * on the magnitude (it is scale-free). A silent frame (every magnitude 0) gives 0 for every
 * descriptor but the flux (see `flux`).
 */

/**
 * Spectral centroid μ = Σ f(k)·p(k) / Σ p(k) in Hz (Peeters 2004: the mean of the spectrum seen
 * as a distribution of frequencies). 0 for a silent frame.
 */
export function centroid(magnitudes: ArrayLike<number>, binHz: number): number {
  let weighted = 0;
  let sum = 0;
  for (let k = 0; k < magnitudes.length; k++) {
    const p = magnitudes[k] * magnitudes[k];
    weighted += k * p;
    sum += p;
  }
  return sum > 0 ? (weighted / sum) * binHz : 0;
}

/** Σ (f(k) − μ)^order · p(k) / Σ p(k): a central moment of the power distribution (order 2–4). */
function centralMoment(
  magnitudes: ArrayLike<number>,
  binHz: number,
  centroidHz: number,
  order: 2 | 3 | 4,
): number {
  let moment = 0;
  let sum = 0;
  for (let k = 0; k < magnitudes.length; k++) {
    const p = magnitudes[k] * magnitudes[k];
    const d = k * binHz - centroidHz;
    const d2 = d * d;
    moment += p * (order === 2 ? d2 : order === 3 ? d2 * d : d2 * d2);
    sum += p;
  }
  return sum > 0 ? moment / sum : 0;
}

/**
 * Spectral spread σ = √(Σ (f(k) − μ)²·p(k) / Σ p(k)) in Hz (Peeters 2004: the standard deviation
 * around the centroid). 0 for a silent frame.
 */
export function spread(magnitudes: ArrayLike<number>, binHz: number, centroidHz: number): number {
  return Math.sqrt(centralMoment(magnitudes, binHz, centroidHz, 2));
}

/**
 * Spectral skewness γ1 = Σ (f(k) − μ)³·p(k) / Σ p(k) / σ³ (Peeters 2004): 0 for a symmetric
 * spectrum, > 0 when the energy leans to the low side. 0 when σ = 0 (silence, a single bin).
 */
export function skewness(
  magnitudes: ArrayLike<number>,
  binHz: number,
  centroidHz: number,
  spreadHz: number,
): number {
  if (!(spreadHz > 0)) return 0;
  return centralMoment(magnitudes, binHz, centroidHz, 3) / (spreadHz * spreadHz * spreadHz);
}

/**
 * Spectral kurtosis γ2 = Σ (f(k) − μ)⁴·p(k) / Σ p(k) / σ⁴ (Peeters 2004; not the excess kurtosis:
 * a normal distribution gives 3). 0 when σ = 0 (silence, a single bin).
 */
export function kurtosis(
  magnitudes: ArrayLike<number>,
  binHz: number,
  centroidHz: number,
  spreadHz: number,
): number {
  if (!(spreadHz > 0)) return 0;
  const s2 = spreadHz * spreadHz;
  return centralMoment(magnitudes, binHz, centroidHz, 4) / (s2 * s2);
}

/**
 * Spectral slope (Peeters 2004): the slope of the least-squares line through p(f), normalised by
 * Σ p(k): (K·Σ f·p − Σ f·Σ p) / (K·Σ f² − (Σ f)²) / Σ p, in 1/Hz. 0 for a silent frame.
 */
export function slope(magnitudes: ArrayLike<number>, binHz: number): number {
  const count = magnitudes.length;
  let sumP = 0;
  let sumFP = 0;
  for (let k = 0; k < count; k++) {
    const p = magnitudes[k] * magnitudes[k];
    sumP += p;
    sumFP += k * binHz * p;
  }
  if (!(sumP > 0) || count < 2) return 0;
  // Σ f and Σ f² over f = k·binHz, k = 0..K−1, in closed form.
  const sumF = (binHz * count * (count - 1)) / 2;
  const sumF2 = (binHz * binHz * (count - 1) * count * (2 * count - 1)) / 6;
  return (count * sumFP - sumF * sumP) / (count * sumF2 - sumF * sumF) / sumP;
}

/**
 * Spectral decrease (Peeters 2004, after Krimphoff et al. 1994): the mean slope from the first
 * bin, Σ_{k≥1} (p(k) − p(0))/k / Σ_{k≥1} p(k), unitless. The first bin is DC here. 0 when every
 * bin above DC is 0.
 */
export function decrease(magnitudes: ArrayLike<number>): number {
  const first = magnitudes[0] * magnitudes[0];
  let num = 0;
  let den = 0;
  for (let k = 1; k < magnitudes.length; k++) {
    const p = magnitudes[k] * magnitudes[k];
    num += (p - first) / k;
    den += p;
  }
  return den > 0 ? num / den : 0;
}

/**
 * Spectral roll-off (Peeters 2004): the frequency f(k) of the first bin at which the cumulated
 * power Σ_{j≤k} p(j) reaches `fraction` of the total (default 0.85; Peeters uses 0.95), in Hz.
 * 0 for a silent frame.
 */
export function rolloff(magnitudes: ArrayLike<number>, binHz: number, fraction = 0.85): number {
  let total = 0;
  for (let k = 0; k < magnitudes.length; k++) total += magnitudes[k] * magnitudes[k];
  if (!(total > 0)) return 0;
  const target = fraction * total;
  let cumulated = 0;
  for (let k = 0; k < magnitudes.length; k++) {
    cumulated += magnitudes[k] * magnitudes[k];
    if (cumulated >= target) return k * binHz;
  }
  return (magnitudes.length - 1) * binHz;
}

/**
 * Spectral flatness (Peeters 2004, after MPEG-7 AudioSpectrumFlatness, here over the whole band):
 * the geometric mean of p(k) over its arithmetic mean, in [0, 1]: 1 for a flat spectrum, near 0
 * for a tone. One periodogram of white noise gives e^−γ ≈ 0.56 on average (each bin's power is
 * exponentially distributed, and E[ln p] = ln E[p] − γ). 0 for a silent frame or any zero bin.
 */
export function flatness(magnitudes: ArrayLike<number>): number {
  const count = magnitudes.length;
  let logSum = 0;
  let sum = 0;
  for (let k = 0; k < count; k++) {
    const p = magnitudes[k] * magnitudes[k];
    logSum += Math.log(p);
    sum += p;
  }
  if (!(sum > 0)) return 0;
  return Math.exp(logSum / count) / (sum / count);
}

/**
 * Spectral flux as Peeters' (2004) spectral variation: one minus the normalised correlation of
 * two successive magnitude spectra, 1 − Σ a₋₁(k)·a(k) / (√Σ a₋₁(k)² · √Σ a(k)²), in [0, 1]:
 * 0 for a steady spectrum, 1 for spectra with no bin in common. Between two silent frames 0;
 * between a silent and a sounding frame 1 (the spectrum appeared or vanished).
 */
export function flux(previous: ArrayLike<number>, current: ArrayLike<number>): number {
  let cross = 0;
  let energyPrevious = 0;
  let energyCurrent = 0;
  for (let k = 0; k < current.length; k++) {
    const p = previous[k];
    const c = current[k];
    cross += p * c;
    energyPrevious += p * p;
    energyCurrent += c * c;
  }
  if (!(energyPrevious > 0) || !(energyCurrent > 0)) return energyPrevious > 0 || energyCurrent > 0 ? 1 : 0;
  return 1 - cross / Math.sqrt(energyPrevious * energyCurrent);
}

/** Index of each descriptor in the output of {@link describeSpectrum}. */
export const DESCRIPTOR_INDEX = {
  centroid: 0,
  spread: 1,
  skewness: 2,
  kurtosis: 3,
  slope: 4,
  decrease: 5,
  rolloff: 6,
  flatness: 7,
  flux: 8,
} as const;

/**
 * Every descriptor above of one frame in two passes over the spectrum instead of eleven, into
 * `out[0..9)` in the order of {@link DESCRIPTOR_INDEX}; `previous` is the last frame's magnitudes
 * (read only when `hasPrevious`: the first frame's flux is 0). Each sum is accumulated in the same order as by the
 * single-descriptor kernels, so the values are theirs bit for bit, except the flatness: its
 * logarithm is taken of products of eight powers (one `Math.log` where eight were), which moves
 * its log-sum by rounding only (≈ 1e-15 relative); products that could underflow or overflow are
 * taken bin by bin.
 */
export function describeSpectrum(
  magnitudes: Float32Array,
  binHz: number,
  rolloffFraction: number,
  previous: Float32Array,
  hasPrevious: boolean,
  out: Float64Array,
): void {
  const count = magnitudes.length;
  const first = magnitudes[0] * magnitudes[0];
  let sum = 0;
  let weighted = 0;
  let sumFP = 0;
  let num = 0;
  let den = 0;
  let logSum = 0;
  let cross = 0;
  let energyPrevious = 0;
  let k = 0;
  // Pass 1: every sum over p(k) that needs no centroid, eight bins at a time for the log-sum.
  for (; k + 8 <= count; k += 8) {
    let product = 1;
    for (let j = k; j < k + 8; j++) {
      const m = magnitudes[j];
      const p = m * m;
      weighted += j * p;
      sum += p;
      sumFP += j * binHz * p;
      if (j > 0) {
        num += (p - first) / j;
        den += p;
      }
      product *= p;
      const a = previous[j];
      cross += a * m;
      energyPrevious += a * a;
    }
    if (product > 1e-280 && product < 1e280) logSum += Math.log(product);
    else for (let j = k; j < k + 8; j++) logSum += Math.log(magnitudes[j] * magnitudes[j]);
  }
  for (; k < count; k++) {
    const m = magnitudes[k];
    const p = m * m;
    weighted += k * p;
    sum += p;
    sumFP += k * binHz * p;
    if (k > 0) {
      num += (p - first) / k;
      den += p;
    }
    logSum += Math.log(p);
    const a = previous[k];
    cross += a * m;
    energyPrevious += a * a;
  }
  const mu = sum > 0 ? (weighted / sum) * binHz : 0;
  // Pass 2: the central moments and the roll-off.
  let moment2 = 0;
  let moment3 = 0;
  let moment4 = 0;
  const target = rolloffFraction * sum;
  let cumulated = 0;
  let rolloffBin = -1;
  for (let j = 0; j < count; j++) {
    const m = magnitudes[j];
    const p = m * m;
    const d = j * binHz - mu;
    const d2 = d * d;
    moment2 += p * d2;
    moment3 += p * (d2 * d);
    moment4 += p * (d2 * d2);
    if (rolloffBin < 0) {
      cumulated += p;
      if (cumulated >= target) rolloffBin = j;
    }
  }
  const sigma = sum > 0 ? Math.sqrt(moment2 / sum) : 0;
  out[0] = mu;
  out[1] = sigma;
  out[2] = sigma > 0 ? moment3 / sum / (sigma * sigma * sigma) : 0;
  const s2 = sigma * sigma;
  out[3] = sigma > 0 ? moment4 / sum / (s2 * s2) : 0;
  if (!(sum > 0) || count < 2) out[4] = 0;
  else {
    const sumF = (binHz * count * (count - 1)) / 2;
    const sumF2 = (binHz * binHz * (count - 1) * count * (2 * count - 1)) / 6;
    out[4] = (count * sumFP - sumF * sum) / (count * sumF2 - sumF * sumF) / sum;
  }
  out[5] = den > 0 ? num / den : 0;
  out[6] = sum > 0 ? (rolloffBin < 0 ? count - 1 : rolloffBin) * binHz : 0;
  out[7] = sum > 0 ? Math.exp(logSum / count) / (sum / count) : 0;
  if (!hasPrevious) out[8] = 0;
  else if (!(energyPrevious > 0) || !(sum > 0)) out[8] = energyPrevious > 0 || sum > 0 ? 1 : 0;
  else out[8] = 1 - cross / Math.sqrt(energyPrevious * sum);
}
