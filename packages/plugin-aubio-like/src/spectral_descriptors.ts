import {
  type AudioBlock,
  type FinishContext,
  Float32Series,
  type NodeSpec,
  type ParamSchema,
  type Params,
  type ParamsOf,
  Processor,
  type ProcessorMeta,
  type ResultSpec,
  type SpectrumBatch,
  type StreamFormat,
  stftSpec,
} from '@timeside/core';
import { describeSpectrum } from './dsp/spectral.js';
import { HANN_STFT_PARAMS } from './spectral_params.js';

const ID = 'spectral_descriptors';

const PARAMS = {
  ...HANN_STFT_PARAMS,
  rolloff: {
    type: 'number',
    default: 0.85,
    exclusiveMinimum: 0,
    maximum: 1,
    description: 'Share of the spectral energy below the roll-off frequency',
  },
} as const satisfies ParamSchema;

export type SpectralDescriptorsParams = ParamsOf<typeof PARAMS>;

/** The descriptors, in the order of their series (and of `describeSpectrum`'s output). */
const DESCRIPTORS: readonly ResultSpec[] = [
  {
    id: 'spectral_centroid',
    name: 'Spectral centroid',
    unit: 'Hz',
    description: 'Σ f·p / Σ p over the power spectrum p = a²',
  },
  {
    id: 'spectral_spread',
    name: 'Spectral spread',
    unit: 'Hz',
    description: 'Standard deviation around the centroid',
  },
  { id: 'spectral_skewness', name: 'Spectral skewness', unit: '', description: 'Third standardised moment' },
  {
    id: 'spectral_kurtosis',
    name: 'Spectral kurtosis',
    unit: '',
    description: 'Fourth standardised moment (3 for a normal)',
  },
  {
    id: 'spectral_slope',
    name: 'Spectral slope',
    unit: '1/Hz',
    description: 'Regression slope of the power spectrum / Σ p',
  },
  {
    id: 'spectral_decrease',
    name: 'Spectral decrease',
    unit: '',
    description: 'Mean slope from the first bin (Krimphoff)',
  },
  {
    id: 'spectral_rolloff',
    name: 'Spectral roll-off',
    unit: 'Hz',
    description: 'Frequency below which `rolloff` of the power lies',
  },
  {
    id: 'spectral_flatness',
    name: 'Spectral flatness',
    unit: '',
    description: 'Geometric / arithmetic mean of the power spectrum',
  },
  {
    id: 'spectral_flux',
    name: 'Spectral flux',
    unit: '',
    description: '1 − correlation of successive magnitude spectra',
  },
];

/**
 * `spectral_descriptors`: nine framewise descriptors of the spectral shape after Peeters (CUIDADO,
 * 2004), computed on core's shared STFT (Hann window): the kernels live in `dsp/spectral.ts`.
 */
export class SpectralDescriptors extends Processor<SpectralDescriptorsParams> {
  static override readonly meta: ProcessorMeta = {
    id: ID,
    kind: 'analyzer',
    name: 'Spectral descriptors',
    version: '1.0.1',
    description:
      'Framewise spectral shape after G. Peeters, "A large set of audio features for sound description" ' +
      '(CUIDADO, 2004), on the shared Hann-windowed STFT of the mono downmix. Every shape descriptor ' +
      'weighs the bins by the power spectrum p(k) = a(k)² (as MATLAB’s Audio Toolbox does; on the ' +
      'magnitude the higher moments are ruled by the window’s sidelobes): centroid (Hz), spread (Hz), ' +
      'skewness, kurtosis (3 for a normal distribution), slope (1/Hz, regression slope normalised by Σ p), ' +
      'decrease (mean slope from the DC bin), roll-off (Hz, first bin where the cumulated power reaches ' +
      '`rolloff`) and flatness (geometric / arithmetic mean). The flux is on the magnitude a(k): Peeters’ ' +
      'spectral variation, 1 − normalised correlation with the previous frame, 0 for frame 0. A silent ' +
      'frame gives 0 for every descriptor; flux is 1 where sound ' +
      'starts or stops. Its test checks a tone’s centroid within one bin, the power-weighted centroid ' +
      'of two tones (amplitudes 0.4 and 0.2 weigh 4 : 1), the exact centroid, spread, ' +
      'kurtosis, slope, decrease and roll-off of bin-centred tones, the flatness of white noise (e^−γ ≈ ' +
      '0.56 for one periodogram) against a sine’s (≈ 0), and the flux of a steady tone (≈ 0).',
    params: PARAMS,
    requires: (p: Params): NodeSpec[] => [stftSpec(p)],
    results: DESCRIPTORS,
  };

  #series = DESCRIPTORS.map(() => new Float32Series(16));
  #previous = new Float32Array(0);
  readonly #values = new Float64Array(DESCRIPTORS.length);
  #frames = 0;
  #sampleRate = 44100;

  override setup(format: StreamFormat): void {
    this.#sampleRate = format.sampleRate;
    this.#previous = new Float32Array(this.params.fftSize / 2 + 1);
    const frames = format.totalFrames ? Math.ceil(format.totalFrames / this.params.hopSize) + 1 : 4096;
    this.#series = DESCRIPTORS.map(() => new Float32Series(frames));
  }

  override process(_block: AudioBlock, inputs: readonly unknown[]): void {
    const batch = inputs[0] as SpectrumBatch;
    const binHz = batch.binHz;
    const fraction = this.params.rolloff;
    const series = this.#series;
    const previous = this.#previous;
    const values = this.#values;
    for (let f = 0; f < batch.count; f++) {
      const mag = batch.magnitude[f];
      describeSpectrum(mag, binHz, fraction, previous, this.#frames > 0, values);
      for (let d = 0; d < values.length; d++) series[d].push(values[d]);
      previous.set(mag);
      this.#frames++;
    }
  }

  override finish(ctx: FinishContext): void {
    const frame = { sampleRate: this.#sampleRate, size: this.params.fftSize, hop: this.params.hopSize };
    DESCRIPTORS.forEach((spec, i) => {
      ctx.addResult({
        id: spec.id,
        name: spec.name,
        unit: spec.unit,
        description: spec.description,
        timeMode: 'framewise',
        frame,
        value: this.#series[i].toArray(),
      });
    });
  }
}
