import { stftParams } from '@timeside/core';

/** FFT sizes offered by the spectral analyzers (mel_energy, mfcc, spectral_descriptors, spectrogram). */
export const SPECTRAL_FFT_SIZES = [256, 512, 1024, 2048, 4096, 8192, 16384] as const;

/**
 * `fftSize` and `hopSize` of the analyzers that read the shared STFT through the Hann window
 * (mel_energy, mfcc, spectral_descriptors): no `window` parameter, so `stftSpec` asks for Hann.
 */
export const HANN_STFT_PARAMS = stftParams({
  fftSizes: SPECTRAL_FFT_SIZES,
  withWindow: false,
  descriptions: { fftSize: 'FFT and frame size in samples (Hann window, shared STFT)' },
});
