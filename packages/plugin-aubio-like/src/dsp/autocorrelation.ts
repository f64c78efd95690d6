import type { RealFft } from '@timeside/core';

/**
 * Circular autocorrelation from a power spectrum, by the Wiener–Khinchin theorem:
 * r(τ) = (1/N)·Σ_k P_k·e^{2πikτ/N}, written into `out[0..N/2]`.
 *
 * `power` holds P_0..P_{N/2} (length N/2 + 1) for an N-point `fft`. A power spectrum is real and
 * even, so its inverse DFT equals its forward DFT divided by N: the forward real FFT serves as the
 * inverse, with no second FFT implementation. `even` (length N) and `spectrum` (length N + 2) are
 * caller-owned scratch buffers, so nothing is allocated per call; in single precision they change
 * nothing on core's pffft, whose input and output are single precision.
 */
export function autocorrelationFromPower(
  fft: RealFft,
  power: Float64Array,
  even: Float32Array | Float64Array,
  spectrum: Float32Array | Float64Array,
  out: Float64Array,
): void {
  const n = fft.size;
  const half = n / 2;
  even[0] = power[0];
  even[half] = power[half];
  for (let k = 1; k < half; k++) {
    even[k] = power[k];
    even[n - k] = power[k];
  }
  fft.forward(even, spectrum);
  const scale = 1 / n;
  for (let lag = 0; lag <= half; lag++) out[lag] = spectrum[2 * lag] * scale;
}
