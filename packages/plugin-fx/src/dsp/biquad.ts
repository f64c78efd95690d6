/** Normalised biquad coefficients (a0 = 1): y[n] = b0·x[n] + b1·x[n−1] + b2·x[n−2] − a1·y[n−1] − a2·y[n−2]. */
export interface BiquadCoefficients {
  b0: number;
  b1: number;
  b2: number;
  a1: number;
  a2: number;
}

/** The biquad shapes offered. */
export type BiquadType = 'lowpass' | 'highpass' | 'bandpass';

/**
 * Coefficients after R. Bristow-Johnson, "Cookbook formulae for audio EQ biquad filter
 * coefficients": w0 = 2π·f0/Fs, α = sin(w0)/(2Q); LPF, HPF, and the BPF with constant 0 dB peak
 * gain. They are the bilinear transform (prewarped at f0) of H(s) = 1/(s² + s/Q + 1),
 * s²/(s² + s/Q + 1) and (s/Q)/(s² + s/Q + 1).
 */
export function biquadCoefficients(
  type: BiquadType,
  frequencyHz: number,
  q: number,
  sampleRate: number,
): BiquadCoefficients {
  const w0 = (2 * Math.PI * frequencyHz) / sampleRate;
  const cos = Math.cos(w0);
  const alpha = Math.sin(w0) / (2 * q);
  const a0 = 1 + alpha;
  let b0: number;
  let b1: number;
  let b2: number;
  if (type === 'lowpass') {
    b0 = (1 - cos) / 2;
    b1 = 1 - cos;
    b2 = b0;
  } else if (type === 'highpass') {
    b0 = (1 + cos) / 2;
    b1 = -(1 + cos);
    b2 = b0;
  } else {
    b0 = alpha;
    b1 = 0;
    b2 = -alpha;
  }
  return { b0: b0 / a0, b1: b1 / a0, b2: b2 / a0, a1: (-2 * cos) / a0, a2: (1 - alpha) / a0 };
}

/**
 * Runs one channel through the biquad (direct form I, double-precision state in `state`:
 * x[n−1], x[n−2], y[n−1], y[n−2]) from `input` into `output`, `length` samples.
 */
export function biquadProcess(
  c: BiquadCoefficients,
  state: Float64Array,
  input: Float32Array,
  output: Float32Array,
  length: number,
): void {
  const { b0, b1, b2, a1, a2 } = c;
  let x1 = state[0];
  let x2 = state[1];
  let y1 = state[2];
  let y2 = state[3];
  for (let i = 0; i < length; i++) {
    const x = input[i];
    const y = b0 * x + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2;
    x2 = x1;
    x1 = x;
    y2 = y1;
    y1 = y;
    output[i] = y;
  }
  state[0] = x1;
  state[1] = x2;
  state[2] = y1;
  state[3] = y2;
}
