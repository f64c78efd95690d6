import { RealFft, windowFunction } from '@timeside/core';

/**
 * Sparse spectral kernels of a constant-Q transform after J. C. Brown & M. S. Puckette, "An
 * efficient algorithm for the calculation of a constant Q transform" (JASA 92(5), 1992): bin k's
 * temporal kernel, a Hann window of N_k = ceil(Q·Fs/f_k) samples times e^{j2πf_k·n/Fs}, centred in
 * the frame, is taken to the frequency domain once; each frame's CQ coefficient is then
 * |Σ_j X(j)·K_k*(j)| over the few bins where the kernel is not negligible. Here X is the shared
 * STFT (already Hann-windowed over the whole frame), so the effective window of bin k is the
 * product of the two; each bin is scaled so that a full-scale sine at f_k reads 1.
 */
export interface ConstantQKernels {
  /** Centre frequency of each CQ bin, Hz. */
  frequencies: Float64Array;
  /** For CQ bin k, its kernel values are entries offsets[k] … offsets[k+1] − 1 of bins/re/im. */
  offsets: Int32Array;
  bins: Int32Array;
  re: Float32Array;
  im: Float32Array;
}

/** Share of a kernel's largest magnitude below which its spectral values are dropped. */
const SPARSITY = 0.005;

/** Q of a constant-Q transform with `binsPerOctave` bins per octave: f_k / (f_{k+1} − f_k). */
export function constantQ(binsPerOctave: number): number {
  return 1 / (2 ** (1 / binsPerOctave) - 1);
}

/** The longest temporal kernel, in samples, at the lowest bin. */
export function longestKernel(fminHz: number, binsPerOctave: number, sampleRate: number): number {
  return Math.ceil((constantQ(binsPerOctave) * sampleRate) / fminHz);
}

/** Builds the kernels for an STFT of `fftSize` points (its Hann window included in the scaling). */
export function constantQKernels(
  sampleRate: number,
  fftSize: number,
  fminHz: number,
  binsPerOctave: number,
  nBins: number,
): ConstantQKernels {
  const q = constantQ(binsPerOctave);
  const fft = new RealFft(fftSize);
  const frame = new Float32Array(fftSize);
  const cosSpectrum = new Float32Array(fftSize + 2);
  const sinSpectrum = new Float32Array(fftSize + 2);
  const stftWindow = windowFunction('hann', fftSize);
  const frequencies = new Float64Array(nBins);
  const offsets = new Int32Array(nBins + 1);
  const bins: number[] = [];
  const re: number[] = [];
  const im: number[] = [];
  const kernelRe = new Float64Array(fftSize / 2 + 1);
  const kernelIm = new Float64Array(fftSize / 2 + 1);
  for (let k = 0; k < nBins; k++) {
    const f = fminHz * 2 ** (k / binsPerOctave);
    frequencies[k] = f;
    const length = Math.ceil((q * sampleRate) / f);
    const start = Math.floor((fftSize - length) / 2);
    // FFT of w·e^{jθ} = FFT(w·cos θ) + j·FFT(w·sin θ), two real transforms.
    const window = windowFunction('hann', length);
    frame.fill(0);
    for (let n = 0; n < length; n++)
      frame[start + n] = window[n] * Math.cos((2 * Math.PI * f * (start + n)) / sampleRate);
    fft.forward(frame, cosSpectrum);
    frame.fill(0);
    for (let n = 0; n < length; n++)
      frame[start + n] = window[n] * Math.sin((2 * Math.PI * f * (start + n)) / sampleRate);
    fft.forward(frame, sinSpectrum);
    let largest = 0;
    for (let j = 0; j <= fftSize / 2; j++) {
      kernelRe[j] = cosSpectrum[2 * j] - sinSpectrum[2 * j + 1];
      kernelIm[j] = cosSpectrum[2 * j + 1] + sinSpectrum[2 * j];
      largest = Math.max(largest, Math.hypot(kernelRe[j], kernelIm[j]));
    }
    offsets[k] = bins.length;
    for (let j = 0; j <= fftSize / 2; j++) {
      if (Math.hypot(kernelRe[j], kernelIm[j]) < SPARSITY * largest) continue;
      bins.push(j);
      re.push(kernelRe[j]);
      im.push(kernelIm[j]);
    }
    offsets[k + 1] = bins.length;
    // Scale: what a full-scale cosine at f reads through the STFT window and the sparse kernel.
    for (let n = 0; n < fftSize; n++) frame[n] = stftWindow[n] * Math.cos((2 * Math.PI * f * n) / sampleRate);
    fft.forward(frame, cosSpectrum);
    let sumRe = 0;
    let sumIm = 0;
    for (let e = offsets[k]; e < offsets[k + 1]; e++) {
      const j = bins[e];
      // X·conj(K)
      sumRe += cosSpectrum[2 * j] * re[e] + cosSpectrum[2 * j + 1] * im[e];
      sumIm += cosSpectrum[2 * j + 1] * re[e] - cosSpectrum[2 * j] * im[e];
    }
    const gain = Math.hypot(sumRe, sumIm);
    for (let e = offsets[k]; e < offsets[k + 1]; e++) {
      re[e] /= gain;
      im[e] /= gain;
    }
  }
  return {
    frequencies,
    offsets,
    bins: Int32Array.from(bins),
    re: Float32Array.from(re),
    im: Float32Array.from(im),
  };
}

/** The CQ magnitudes of one complex spectrum (interleaved re/im, bins 0..N/2) into `out`. */
export function constantQFrame(kernels: ConstantQKernels, complex: Float32Array, out: Float32Array): void {
  const { offsets, bins, re, im } = kernels;
  for (let k = 0; k < out.length; k++) {
    let sumRe = 0;
    let sumIm = 0;
    for (let e = offsets[k]; e < offsets[k + 1]; e++) {
      const j = bins[e];
      const xr = complex[2 * j];
      const xi = complex[2 * j + 1];
      sumRe += xr * re[e] + xi * im[e];
      sumIm += xi * re[e] - xr * im[e];
    }
    out[k] = Math.sqrt(sumRe * sumRe + sumIm * sumIm);
  }
}
