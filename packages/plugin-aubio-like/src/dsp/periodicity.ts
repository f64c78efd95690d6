/** A pitch detector's answer for one frame. */
export interface PitchEstimate {
  /** Period in samples (fractional), or 0 when the detector found none. */
  period: number;
  /** Periodicity of the frame in [0, 1]: 1 for a perfectly periodic frame, near 0 for noise. */
  confidence: number;
}

/**
 * Normalised square difference of `frame` at an integer lag (McLeod & Wyvill, "A smarter way to
 * find pitch", ICMC 2005, eq. 6): n(τ) = 2·Σ x_j·x_{j+τ} / Σ (x_j² + x_{j+τ}²), j < N − τ.
 * It lies in [-1, 1]; 0 for a silent frame.
 */
export function nsdfAtLag(frame: Float32Array, lag: number): number {
  const end = frame.length - lag;
  let acf = 0;
  let energy = 0;
  for (let j = 0; j < end; j++) {
    const a = frame[j];
    const b = frame[j + lag];
    acf += a * b;
    energy += a * a + b * b;
  }
  return energy > 0 ? (2 * acf) / energy : 0;
}

/**
 * Clarity of a frame at a fractional period: the normalised square difference interpolated
 * linearly between the two nearest integer lags, clamped to [0, 1]. It gives a confidence to
 * detectors that return only a frequency (pitchfinder's YIN, AMDF, dynamic wavelet), on the
 * scale of McLeod's clarity: near 1 when the frame repeats itself after one period, near 0 when
 * it does not. Costs two passes over the frame.
 */
export function clarityAt(frame: Float32Array, period: number): number {
  if (!(period >= 1) || period >= frame.length - 1) return 0;
  const below = Math.floor(period);
  const fraction = period - below;
  const low = nsdfAtLag(frame, below);
  const value = fraction === 0 ? low : low + fraction * (nsdfAtLag(frame, below + 1) - low);
  return Math.max(0, Math.min(1, value));
}

/** Mean square of `frame[0..length)` expressed in dBFS (a full-scale sine reads −3.01 dB); −∞ for silence. */
export function frameLevelDb(frame: Float32Array, length: number): number {
  let sum = 0;
  for (let i = 0; i < length; i++) sum += frame[i] * frame[i];
  return length > 0 ? 10 * Math.log10(sum / length) : Number.NEGATIVE_INFINITY;
}
