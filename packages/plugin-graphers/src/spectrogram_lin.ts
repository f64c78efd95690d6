import type { ProcessorMeta } from '@timeside/core';
import { SpectrogramGrapher, spectrogramParams, spectrogramRequires } from './spectrogram.js';

/** `spectrogram_lin`: the spectrogram on a linear frequency axis (TimeSide's `spectrogram_lin`). */
export class SpectrogramLin extends SpectrogramGrapher {
  static override readonly meta: ProcessorMeta = {
    id: 'spectrogram_lin',
    kind: 'grapher',
    name: 'Spectrogram (linear frequency)',
    version: '1.0.0',
    description:
      'Spectrogram image from the shared STFT (one FFT per frame, whatever else reads it): each ' +
      'device-pixel column is the mean power spectrum of the frames centred under it, each row the ' +
      'strongest bin of its frequency band (or the power interpolated between the two nearest bins when ' +
      'the band holds none), in dBFS (a full-scale sine reads 0) mapped from minDb to maxDb onto the ' +
      'colour map (magma by default; perceptually uniform, lightness growing with level). The frequency ' +
      'axis is linear from minFreq (0 Hz) to maxFreq (Nyquist). Its test decodes the PNG: ' +
      'a 1 kHz tone lights the row where 1 kHz maps on this axis.',
    extension: 'png',
    params: spectrogramParams(0),
    requires: spectrogramRequires,
  };

  protected override readonly scaleKind = 'linear';
}
