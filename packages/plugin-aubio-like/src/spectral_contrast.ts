import {
  type AudioBlock,
  type FinishContext,
  Float32Matrix,
  type NodeSpec,
  type ParamSchema,
  type Params,
  type ParamsOf,
  Processor,
  type ProcessorMeta,
  paramError,
  type ResultSpec,
  type SpectrumBatch,
  type StreamFormat,
  stftSpec,
} from '@timeside/core';
import { contrastBandEdges, spectralContrast } from './dsp/spectral_contrast.js';
import { HANN_STFT_PARAMS } from './spectral_params.js';

const ID = 'spectral_contrast';

const PARAMS = {
  ...HANN_STFT_PARAMS,
  fmin: {
    type: 'number',
    default: 200,
    exclusiveMinimum: 0,
    unit: 'Hz',
    description: 'Upper edge of the lowest band [0, fmin); the octave bands start there',
  },
  fmax: {
    type: 'number',
    default: 8000,
    nullable: true,
    exclusiveMinimum: 0,
    unit: 'Hz',
    description: 'Upper edge of the last band (null: the Nyquist frequency; capped at it)',
  },
  nBands: {
    type: 'integer',
    default: 6,
    minimum: 2,
    maximum: 16,
    description: 'Number of bands, the lowest one included',
  },
  alpha: {
    type: 'number',
    default: 0.02,
    exclusiveMinimum: 0,
    maximum: 0.5,
    description: 'Share of each band’s bins averaged for its peak and for its valley',
  },
} as const satisfies ParamSchema;

/** Parameters of `spectral_contrast`. */
export type SpectralContrastParams = ParamsOf<typeof PARAMS>;

const RESULTS = [
  {
    id: ID,
    name: 'Spectral contrast',
    unit: 'dB',
    description: 'Peak − valley of each octave band per frame (frames × bands)',
  },
  {
    id: `${ID}.valley`,
    name: 'Spectral valley',
    unit: 'dB',
    description: 'Valley of each band per frame (frames × bands), dB of the STFT magnitude',
  },
] as const satisfies readonly ResultSpec[];

/** `spectral_contrast`: octave-band spectral contrast and valleys (Jiang et al. 2002). */
export class SpectralContrast extends Processor<SpectralContrastParams> {
  static override readonly meta: ProcessorMeta = {
    id: ID,
    kind: 'analyzer',
    name: 'Spectral contrast',
    version: '1.0.0',
    description:
      'Framewise octave-band spectral contrast after D.-N. Jiang et al., "Music type classification by ' +
      'spectral contrast feature" (ICME 2002), on the shared Hann-windowed STFT: band 0 is [0, fmin), ' +
      'then octaves from fmin, the last running to fmax (the defaults give the paper’s six bands: 0–200, ' +
      '200–400, 400–800, 800–1600, 1600–3200, 3200–8000 Hz). In each band the magnitudes are sorted; the ' +
      'peak is 20·log10 of the mean of the strongest α share (at least one bin) and the valley that of ' +
      'the weakest; `spectral_contrast` = peak − valley (dB), `spectral_contrast.valley` the valleys (dB ' +
      'of the unscaled FFT magnitude). Tonal music has high contrast, noise low. Tested: a 1 kHz tone ' +
      'reads more than 60 dB of contrast in its band (≈ 130 dB at 8192 points), white noise, in the ' +
      'bands wide enough for the order statistics to settle, the closed-form contrast of its Rayleigh-' +
      'distributed magnitudes, 27.4 dB at α = 0.02, within 3 dB (narrow low bands read a few dB less).',
    params: PARAMS,
    requires: (p: Params): NodeSpec[] => [stftSpec(p)],
    results: RESULTS,
  };

  #edges: Int32Array = new Int32Array(0);
  #scratch: Float32Array[] = [];
  #peaks = new Float32Array(0);
  #valleys = new Float32Array(0);
  #contrast = new Float32Array(0);
  #contrastRows = new Float32Matrix(1, 16);
  #valleyRows = new Float32Matrix(1, 16);
  #sampleRate = 44100;

  override setup(format: StreamFormat): void {
    const { fftSize, fmin, nBands } = this.params;
    const nyquist = format.sampleRate / 2;
    const fmax = Math.min(this.params.fmax ?? nyquist, nyquist);
    const topEdge = fmin * 2 ** (nBands - 2);
    if (topEdge >= fmax) {
      throw paramError(
        ID,
        'nBands',
        `is ${nBands}: the last band would start at ${topEdge} Hz, not below fmax (${fmax} Hz); use fewer bands or a lower fmin`,
      );
    }
    this.#edges = contrastBandEdges(format.sampleRate, fftSize, fmin, fmax, nBands);
    for (let b = 0; b < nBands; b++) {
      if (this.#edges[b + 1] <= this.#edges[b]) {
        throw paramError(
          ID,
          'fftSize',
          `is ${fftSize}: band ${b} holds no FFT bin; use a larger fftSize or a higher fmin`,
        );
      }
    }
    this.#scratch = Array.from(
      { length: nBands },
      (_, b) => new Float32Array(this.#edges[b + 1] - this.#edges[b]),
    );
    this.#peaks = new Float32Array(nBands);
    this.#valleys = new Float32Array(nBands);
    this.#contrast = new Float32Array(nBands);
    this.#contrastRows = new Float32Matrix(nBands, 1024);
    this.#valleyRows = new Float32Matrix(nBands, 1024);
    this.#sampleRate = format.sampleRate;
  }

  override process(_block: AudioBlock, inputs: readonly unknown[]): void {
    const spectra = inputs[0] as SpectrumBatch;
    const alpha = this.params.alpha;
    for (let f = 0; f < spectra.count; f++) {
      spectralContrast(spectra.magnitude[f], this.#edges, alpha, this.#scratch, this.#peaks, this.#valleys);
      for (let b = 0; b < this.#peaks.length; b++) this.#contrast[b] = this.#peaks[b] - this.#valleys[b];
      this.#contrastRows.push(this.#contrast);
      this.#valleyRows.push(this.#valleys);
    }
  }

  override finish(ctx: FinishContext): void {
    const [contrast, valley] = RESULTS;
    const frame = { sampleRate: this.#sampleRate, size: this.params.fftSize, hop: this.params.hopSize };
    ctx.addResult({ ...contrast, timeMode: 'framewise', frame, value: this.#contrastRows.toMatrix() });
    ctx.addResult({ ...valley, timeMode: 'framewise', frame, value: this.#valleyRows.toMatrix() });
  }
}
