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
  stftParams,
  stftSpec,
} from '@timeside/core';
import { type ChromaFilterbank, chroma, chromaFilterbank, PITCH_CLASSES } from './dsp/chroma.js';
import { SPECTRAL_FFT_SIZES } from './spectral_params.js';

const ID = 'chroma';

const RESULT = {
  id: ID,
  name: 'Chroma',
  unit: '',
  description: `Energy of each pitch class per frame (frames × 12: ${PITCH_CLASSES.join(', ')}), maximum 1`,
} as const satisfies ResultSpec;

/** Parameters of the chroma filterbank, shared with `key` (which requires this node with them). */
export const CHROMA_PARAMS = {
  ...stftParams({
    fftSize: 8192,
    fftSizes: SPECTRAL_FFT_SIZES,
    hopSize: 2048,
    withWindow: false,
    descriptions: { fftSize: 'FFT and frame size in samples (Hann window, shared STFT)' },
  }),
  fmin: {
    type: 'number',
    default: 55,
    exclusiveMinimum: 0,
    unit: 'Hz',
    description: 'Lowest frequency counted (A1)',
  },
  fmax: {
    type: 'number',
    default: 5000,
    exclusiveMinimum: 0,
    unit: 'Hz',
    description: 'Highest frequency counted (capped at the Nyquist frequency of the stream)',
  },
  tuning: {
    type: 'number',
    default: 440,
    minimum: 400,
    maximum: 480,
    unit: 'Hz',
    description: 'Frequency of A4 the pitch classes are centred on (see the `tuning` analyzer)',
  },
} as const satisfies ParamSchema;

/** Parameters of `chroma`. */
export type ChromaParams = ParamsOf<typeof CHROMA_PARAMS>;

/** The `chroma` node a processor declaring `CHROMA_PARAMS` requires (as `key` does), from its params. */
export function chromaSpec(p: Params): NodeSpec {
  const params: Params = {};
  for (const name of Object.keys(CHROMA_PARAMS)) params[name] = p[name];
  return { processor: Chroma, params };
}

/** The chroma of one block's frames, valid during this `process` call only. */
export interface ChromaBatch {
  count: number;
  first: number;
  /** `chroma[i]`: 12 values, C first, maximum 1 (0 for silence). */
  chroma: Float32Array[];
}

/** `chroma`: framewise pitch-class profile on the shared STFT. */
export class Chroma extends Processor<ChromaParams> {
  static override readonly meta: ProcessorMeta = {
    id: ID,
    kind: 'analyzer',
    name: 'Chroma',
    version: '1.0.0',
    description:
      'Framewise chroma (pitch-class profile): the power of the shared Hann-windowed STFT between fmin ' +
      'and fmax folded onto the 12 pitch classes C, C#, … B of the equal-tempered scale tuned to A4 = ' +
      '`tuning` Hz, after D. Ellis’s chromagram (2007; librosa’s chroma filters): each FFT bin spreads ' +
      'its power over the classes with a Gaussian in semitones whose σ is a quarter of the bin’s width ' +
      '(at least ¼ semitone; Ellis’s is twice as wide and leaks ≈ 13 % of a pure tone into each ' +
      'neighbouring class). Each frame is scaled so its strongest class is 1 (silent frames are 0). Result ' +
      '`chroma`: frames × 12. The default 8192-point FFT (186 ms at 44.1 kHz) separates semitones down ' +
      'to ≈ 90 Hz. Tested: a C-major triad (C4, E4, G4) lights C, E and G and leaves every other class ' +
      'below 0.1; an A-minor triad lights A, C and E.',
    params: CHROMA_PARAMS,
    requires: (p: Params): NodeSpec[] => [stftSpec(p)],
    results: [RESULT],
  };

  #filterbank!: ChromaFilterbank;
  #rows = new Float32Matrix(12, 1024);
  #sampleRate = 44100;
  readonly #batch: ChromaBatch = { count: 0, first: 0, chroma: [] };

  override setup(format: StreamFormat): void {
    const { fftSize, fmin, tuning } = this.params;
    const fmax = Math.min(this.params.fmax, format.sampleRate / 2);
    if (fmin >= fmax) throw paramError(ID, 'fmin', `is ${fmin} Hz, not below fmax (${fmax} Hz)`);
    this.#sampleRate = format.sampleRate;
    this.#filterbank = chromaFilterbank(format.sampleRate, fftSize, fmin, fmax, tuning);
  }

  override process(_block: AudioBlock, inputs: readonly unknown[]): ChromaBatch {
    const spectra = inputs[0] as SpectrumBatch;
    const batch = this.#batch;
    while (batch.chroma.length < spectra.count) batch.chroma.push(new Float32Array(12));
    for (let f = 0; f < spectra.count; f++) {
      chroma(this.#filterbank, spectra.magnitude[f], batch.chroma[f]);
      this.#rows.push(batch.chroma[f]);
    }
    batch.count = spectra.count;
    batch.first = spectra.first;
    return batch;
  }

  override finish(ctx: FinishContext): void {
    ctx.addResult({
      ...RESULT,
      timeMode: 'framewise',
      frame: { sampleRate: this.#sampleRate, size: this.params.fftSize, hop: this.params.hopSize },
      value: this.#rows.toMatrix(),
    });
  }
}
