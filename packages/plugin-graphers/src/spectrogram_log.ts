import type { ProcessorMeta } from '@timeside/core';
import { SpectrogramGrapher, spectrogramParams, spectrogramRequires } from './spectrogram.js';

/** `spectrogram_log`: the spectrogram on a log frequency axis (TimeSide's `spectrogram_log`). */
export class SpectrogramLog extends SpectrogramGrapher {
  static override readonly meta: ProcessorMeta = {
    id: 'spectrogram_log',
    kind: 'grapher',
    name: 'Spectrogram (log frequency)',
    version: '1.0.0',
    description:
      'Spectrogram image from the shared STFT (one FFT per frame, whatever else reads it): each ' +
      'device-pixel column is the mean power spectrum of the frames centred under it, each row the ' +
      'strongest bin of its frequency band (or the power interpolated between the two nearest bins when ' +
      'the band holds none), in dBFS (a full-scale sine reads 0) mapped from minDb to maxDb onto the ' +
      'colour map (magma by default; perceptually uniform, lightness growing with level). The frequency ' +
      'axis is logarithmic from minFreq (20 Hz, at least one bin) to maxFreq (Nyquist): each octave the same height. Its test decodes the PNG: ' +
      'a 1 kHz tone lights the row where 1 kHz maps on this axis.',
    extension: 'png',
    params: spectrogramParams(20),
    requires: spectrogramRequires,
  };

  protected override readonly scaleKind = 'log';
}
