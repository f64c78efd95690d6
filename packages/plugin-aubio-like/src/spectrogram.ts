import {
  type AudioBlock,
  type FinishContext,
  Float32Matrix,
  type NodeSpec,
  type Params,
  type ParamsOf,
  Processor,
  type ProcessorMeta,
  type ResultSpec,
  type SpectrumBatch,
  type StreamFormat,
  stftParams,
  stftSpec,
  windowFunction,
} from '@timeside/core';
import { SPECTROGRAM_FLOOR_DB, spectrogramRow } from './dsp/spectrogram_bins.js';
import { SPECTRAL_FFT_SIZES } from './spectral_params.js';

const params = {
  ...stftParams({ fftSizes: SPECTRAL_FFT_SIZES, descriptions: { fftSize: 'FFT and frame size in samples' } }),
  scale: {
    type: 'string',
    default: 'linear',
    enum: ['linear', 'db'],
    description: `linear: sine amplitude (a full-scale sine reads 1); db: 20·log10 of it, floored at ${SPECTROGRAM_FLOOR_DB} dB`,
  },
  maxFreq: {
    type: 'number',
    default: null,
    nullable: true,
    exclusiveMinimum: 0,
    unit: 'Hz',
    description: 'Keep bins up to this frequency (null: up to Nyquist)',
  },
  maxBins: {
    type: 'integer',
    default: null,
    nullable: true,
    minimum: 1,
    description:
      'At most this many bins per frame: neighbouring bins are merged by their maximum (null: no limit)',
  },
} as const;

/** Parameters of `spectrogram`. */
export type SpectrogramParams = ParamsOf<typeof params>;

const RESULTS = [
  {
    id: 'spectrogram',
    name: 'Spectrogram',
    unit: '',
    description: 'One row per frame, one column per (merged) bin: sine amplitude, or dBFS with scale=db',
  },
  {
    id: 'spectrogram.frequencies',
    name: 'Spectrogram frequencies',
    unit: 'Hz',
    description: 'Centre frequency of each column of the spectrogram',
  },
] as const satisfies readonly ResultSpec[];

/**
 * `spectrogram`: magnitude spectra of the mono downmix, frame by frame, from core's shared STFT
 * (one FFT per frame whatever else consumes it).
 */
export class Spectrogram extends Processor<SpectrogramParams> {
  static override readonly meta: ProcessorMeta = {
    id: 'spectrogram',
    kind: 'analyzer',
    name: 'Spectrogram',
    version: '1.0.0',
    description:
      'Magnitude spectrogram of the mono downmix from the shared STFT (frames × bins, bin k at ' +
      'k·sampleRate/fftSize Hz). Magnitudes are scaled by 2/Σw(n) so that a sine of amplitude A centred ' +
      'on a bin reads A (a full-scale sine 1, or 0 dB with scale=db). Unlike the original TimeSide ' +
      'analyzer the frames are windowed (hann by default). maxFreq drops the bins above a frequency; ' +
      'maxBins merges neighbouring bins by their maximum to bound the size: the value holds ' +
      'frames × bins 32-bit floats, 1025 per frame at the defaults. spectrogram.frequencies gives each ' +
      "column's centre frequency. Tested: a 1 kHz sine peaks at bin round(1000/binHz) in every frame; " +
      'a bin-centred sine of amplitude 0.5 reads 0.5 (−6.02 dB); the STFT is shared with other ' +
      'spectral consumers (one FFT per frame).',
    params,
    results: RESULTS,
    requires: (p: Params): NodeSpec[] => [stftSpec(p)],
  };

  #sampleRate = 0;
  #kept = 0;
  #group = 1;
  #gain = 1;
  #row = new Float32Array(0);
  #rows = new Float32Matrix(1);

  override setup(format: StreamFormat): void {
    const { fftSize, hopSize, window, maxFreq, maxBins } = this.params;
    this.#sampleRate = format.sampleRate;
    const bins = fftSize / 2 + 1;
    const binHz = format.sampleRate / fftSize;
    this.#kept = maxFreq === null ? bins : Math.max(1, Math.min(bins, Math.floor(maxFreq / binHz) + 1));
    this.#group = maxBins === null || this.#kept <= maxBins ? 1 : Math.ceil(this.#kept / maxBins);
    const width = Math.ceil(this.#kept / this.#group);
    let windowSum = 0;
    for (const w of windowFunction(window, fftSize)) windowSum += w;
    this.#gain = 2 / windowSum;
    this.#row = new Float32Array(width);
    const frames = format.totalFrames ? Math.ceil(format.totalFrames / hopSize) + 1 : 256;
    this.#rows = new Float32Matrix(width, frames);
  }

  override process(_block: AudioBlock, inputs: readonly unknown[]): void {
    const spectra = inputs[0] as SpectrumBatch;
    const db = this.params.scale === 'db';
    for (let f = 0; f < spectra.count; f++) {
      spectrogramRow(spectra.magnitude[f], this.#kept, this.#group, this.#gain, db, this.#row);
      this.#rows.push(this.#row);
    }
  }

  override finish(ctx: FinishContext): void {
    const { fftSize, hopSize, scale } = this.params;
    const sampleRate = this.#sampleRate;
    const [main, frequencies] = RESULTS;
    ctx.addResult({
      ...main,
      unit: scale === 'db' ? 'dBFS' : '',
      timeMode: 'framewise',
      frame: { sampleRate, size: fftSize, hop: hopSize },
      value: this.#rows.toMatrix(),
    });
    const binHz = sampleRate / fftSize;
    const centres = new Float32Array(this.#row.length);
    for (let j = 0; j < centres.length; j++) {
      const from = j * this.#group;
      const to = Math.min(from + this.#group, this.#kept);
      centres[j] = (binHz * (from + to - 1)) / 2;
    }
    ctx.addResult({ ...frequencies, timeMode: 'global', value: centres });
  }
}
