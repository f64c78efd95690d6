import {
  type AudioBlock,
  type FinishContext,
  Float32Series,
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
} from '@timeside/core';
import { ODF_METHODS, OnsetFunction } from './dsp/onset.js';

/** FFT sizes offered by the onset family. */
const ODF_FFT_SIZES = [256, 512, 1024, 2048, 4096] as const;

/** Descriptions of the ODF parameters, which each processor words for its own use. */
export interface OdfParamDescriptions {
  method: string;
  fftSize?: string;
  hopSize?: string;
  window?: string;
}

/**
 * The parameters of the onset detection function — `method`, `fftSize`, `hopSize`, `window` —
 * declared alike by the ODF and by its consumers (`onsets`, `tempo`, `notes`), which pass them on
 * to the ODF node they require (`odfSpec`). Only their descriptions differ.
 */
export function odfParams({ method, ...stft }: OdfParamDescriptions) {
  return {
    method: { type: 'string', default: 'specflux', enum: ODF_METHODS, description: method },
    ...stftParams({
      fftSize: 1024,
      fftSizes: ODF_FFT_SIZES,
      descriptions: { fftSize: 'FFT and frame size in samples', ...stft },
    }),
  } as const;
}

const params = odfParams({
  method:
    'Detection function: energy, hfc (high frequency content), complex (complex domain), phase ' +
    '(weighted phase deviation), specdiff (spectral difference), kl / mkl (Kullback–Leibler, modified), ' +
    'specflux (spectral flux)',
});

/** Parameters of `onset_detection_function`. */
export type OnsetDetectionFunctionParams = ParamsOf<typeof params>;

const RESULT = {
  id: 'onset_detection_function',
  name: 'Onset detection function',
  unit: '',
  description: 'One value per frame; peaks mark onsets',
} as const satisfies ResultSpec;

/** The ODF values of one block's frames, valid during this `process` call only. */
export interface OdfBatch {
  /** Index of the first frame of the batch. */
  first: number;
  count: number;
  /** values[0..count) are the ODF of frames first..first+count. */
  values: Float32Array;
}

/** The ODF node (`onset_detection_function`) an ODF consumer requires, from its `odfParams`. */
export function odfSpec(p: Params): NodeSpec {
  return {
    processor: OnsetDetectionFunction,
    params: { method: p.method, fftSize: p.fftSize, hopSize: p.hopSize, window: p.window },
  };
}

/**
 * `onset_detection_function`: one value per STFT frame that peaks where notes or percussive
 * events begin (Bello et al. 2005; aubio's `specdesc`). Computed on core's shared STFT, so it
 * costs no FFT of its own. Consumers (`onsets`, `tempo`) require it by class and read the whole
 * function through `values()` in their `finish`.
 */
export class OnsetDetectionFunction extends Processor<OnsetDetectionFunctionParams> {
  static override readonly meta: ProcessorMeta = {
    id: 'onset_detection_function',
    kind: 'analyzer',
    name: 'Onset detection function',
    version: '1.0.1',
    description:
      'Framewise onset detection function (ODF) on the shared STFT of the mono downmix, after Bello et ' +
      'al., "A Tutorial on Onset Detection in Music Signals" (IEEE TSAP 2005), Hainsworth & Macleod ' +
      '(KL) and aubio: energy Σ|X|², hfc Σ(k+1)|X|, complex domain, weighted phase deviation, ' +
      'rectified spectral difference, KL, modified KL and spectral flux. Unitless (linear spectral ' +
      'magnitudes of the unscaled FFT). Frame i covers samples [i·hop, i·hop + fftSize). Tested: every ' +
      'method peaks on the frame that holds a known click; energy obeys Parseval; phase and complex ' +
      'domain vanish on a stationary sine.',
    params,
    results: [RESULT],
    requires: (p: Params): NodeSpec[] => [stftSpec(p)],
  };

  #odf!: OnsetFunction;
  #values = new Float32Series(4096);
  #batchValues = new Float32Array(0);
  readonly #batch: OdfBatch = { first: 0, count: 0, values: this.#batchValues };
  #sampleRate = 0;

  override setup(format: StreamFormat): void {
    this.#odf = new OnsetFunction(this.params.method, this.params.fftSize / 2 + 1);
    this.#sampleRate = format.sampleRate;
    const expected = format.totalFrames ? Math.ceil(format.totalFrames / this.params.hopSize) + 1 : 4096;
    this.#values = new Float32Series(expected);
  }

  override process(_block: AudioBlock, inputs: readonly unknown[]): OdfBatch {
    const spectra = inputs[0] as SpectrumBatch;
    if (this.#batchValues.length < spectra.count) {
      this.#batchValues = new Float32Array(Math.max(spectra.count, 2 * this.#batchValues.length));
      this.#batch.values = this.#batchValues;
    }
    for (let f = 0; f < spectra.count; f++) {
      const value = this.#odf.next(spectra.magnitude[f], spectra.complex[f]);
      this.#batchValues[f] = value;
      this.#values.push(value);
    }
    this.#batch.first = spectra.first;
    this.#batch.count = spectra.count;
    return this.#batch;
  }

  /** The ODF of every frame processed so far (a view, valid until the next frame). */
  values(): Float32Array {
    return this.#values.view();
  }

  /** Sample rate of the analysed stream (after setup). */
  get sampleRate(): number {
    return this.#sampleRate;
  }

  override finish(ctx: FinishContext): void {
    ctx.addResult({
      ...RESULT,
      timeMode: 'framewise',
      frame: { sampleRate: this.#sampleRate, size: this.params.fftSize, hop: this.params.hopSize },
      value: this.#values.toArray(),
    });
  }
}
