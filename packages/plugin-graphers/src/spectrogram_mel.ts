import type { ProcessorMeta } from '@timeside/core';
import { SpectrogramGrapher, spectrogramParams, spectrogramRequires } from './spectrogram.js';

/** `spectrogram_mel`: the spectrogram on a mel frequency axis (a perceptual frequency axis). */
export class SpectrogramMel extends SpectrogramGrapher {
  static override readonly meta: ProcessorMeta = {
    id: 'spectrogram_mel',
    kind: 'grapher',
    name: 'Spectrogram (mel frequency)',
    version: '1.0.0',
    description:
      'Spectrogram image from the shared STFT (one FFT per frame, whatever else reads it): each ' +
      'device-pixel column is the mean power spectrum of the frames centred under it, each row the ' +
      'strongest bin of its frequency band (or the power interpolated between the two nearest bins when ' +
      'the band holds none), in dBFS (a full-scale sine reads 0) mapped from minDb to maxDb onto the ' +
      'colour map (magma by default; perceptually uniform, lightness growing with level). The frequency ' +
      'axis is on the mel scale (HTK: 2595·log10(1 + f/700), so 1 kHz is 1000 mel) from minFreq (0 Hz) to maxFreq (Nyquist). Its test decodes the PNG: ' +
      'a 1 kHz tone lights the row where 1 kHz maps on this axis.',
    extension: 'png',
    params: spectrogramParams(0),
    requires: spectrogramRequires,
  };

  protected override readonly scaleKind = 'mel';
}
