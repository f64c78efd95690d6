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
import { type ConstantQKernels, constantQFrame, constantQKernels, longestKernel } from './dsp/constant_q.js';
import { SPECTRAL_FFT_SIZES } from './spectral_params.js';

const ID = 'constant_q';

const PARAMS = {
  ...stftParams({
    fftSize: 8192,
    fftSizes: SPECTRAL_FFT_SIZES,
    hopSize: 1024,
    withWindow: false,
    descriptions: {
      fftSize: 'FFT and frame size (Hann window, shared STFT); at least the longest kernel, Q·Fs/fmin',
    },
  }),
  fmin: {
    type: 'number',
    default: 130.8128,
    exclusiveMinimum: 0,
    unit: 'Hz',
    description: 'Centre frequency of the first bin (C3)',
  },
  binsPerOctave: { type: 'integer', default: 12, minimum: 1, maximum: 96, description: 'Bins per octave' },
  nBins: {
    type: 'integer',
    default: null,
    nullable: true,
    minimum: 1,
    maximum: 1024,
    description: 'Number of bins (null: five octaves, or as many bins as lie below the Nyquist frequency)',
  },
} as const satisfies ParamSchema;

/** Parameters of `constant_q`. */
export type ConstantQParams = ParamsOf<typeof PARAMS>;

const RESULTS = [
  {
    id: ID,
    name: 'Constant-Q spectrum',
    unit: 'FS',
    description: 'Magnitude of each constant-Q bin per frame (frames × nBins); a full-scale sine reads 1',
  },
  {
    id: `${ID}.frequencies`,
    name: 'Constant-Q bin frequencies',
    unit: 'Hz',
    description: 'Centre frequency of each bin: fmin·2^(k/binsPerOctave)',
  },
] as const satisfies readonly ResultSpec[];

/** `constant_q`: framewise constant-Q transform on the shared STFT (Brown & Puckette's spectral kernels). */
export class ConstantQ extends Processor<ConstantQParams> {
  static override readonly meta: ProcessorMeta = {
    id: ID,
    kind: 'analyzer',
    name: 'Constant-Q transform',
    version: '1.0.0',
    description:
      'Framewise constant-Q spectrum: nBins bins at f_k = fmin·2^(k/binsPerOctave), each with the same ' +
      'ratio Q = 1/(2^(1/binsPerOctave) − 1) of frequency to bandwidth (a semitone per bin by default, ' +
      'from C3 over five octaves), computed from the shared Hann-windowed STFT with the sparse spectral ' +
      'kernels of J. C. Brown & M. S. Puckette, "An efficient algorithm for the calculation of a ' +
      'constant Q transform" (JASA 1992): bin k is |Σ X(j)·K_k*(j)|, K_k the spectrum of a Hann-windowed ' +
      'complex exponential of Q·Fs/f_k samples, so one FFT per frame serves every bin (as librosa’s ' +
      'pseudo-CQT; the frame’s own Hann window narrows the longest kernels). Each bin is scaled so a ' +
      'full-scale sine at its centre reads 1. fftSize must hold the longest kernel (Q·Fs/fmin: 5,670 ' +
      'samples for C3 at 44.1 kHz, 12 bins per octave). Results: `constant_q` (frames × nBins) and ' +
      '`constant_q.frequencies`. Tested: tones at 220, 261.63, 440 and 1000 Hz peak in the bin nearest ' +
      'binsPerOctave·log2(f/fmin), at 12 and 24 bins per octave, and that bin and its two neighbours on ' +
      'each side read the closed-form response of their Hann kernels (a centred tone: its amplitude, ½ ' +
      'of it in the next bins, 0 two bins away) within 2 % of the amplitude at the peak, 4 % beside it.',
    params: PARAMS,
    requires: (p: Params): NodeSpec[] => [stftSpec(p)],
    results: RESULTS,
  };

  #kernels!: ConstantQKernels;
  #rows = new Float32Matrix(1, 16);
  #row = new Float32Array(0);
  #sampleRate = 44100;

  override setup(format: StreamFormat): void {
    const { fftSize, fmin, binsPerOctave } = this.params;
    const nyquist = format.sampleRate / 2;
    // A bin fits when its upper half-bin edge, f_k·2^(1/(2·binsPerOctave)), stays below Nyquist.
    const fitting = Math.ceil(binsPerOctave * Math.log2(nyquist / fmin) - 0.5);
    const nBins = this.params.nBins ?? Math.min(5 * binsPerOctave, fitting);
    const top = fmin * 2 ** ((nBins - 1) / binsPerOctave);
    if (nBins < 1 || top * 2 ** (1 / (2 * binsPerOctave)) >= nyquist) {
      throw paramError(
        ID,
        'nBins',
        `is ${nBins}: the top bin, ${top.toFixed(1)} Hz, reaches the Nyquist frequency ${nyquist} Hz; use fewer bins or a lower fmin`,
      );
    }
    const longest = longestKernel(fmin, binsPerOctave, format.sampleRate);
    if (longest > fftSize) {
      throw paramError(
        ID,
        'fftSize',
        `is ${fftSize}: the kernel of the lowest bin (${fmin} Hz) is ${longest} samples long; use an fftSize of at least ${longest} or a higher fmin`,
      );
    }
    this.#sampleRate = format.sampleRate;
    this.#kernels = constantQKernels(format.sampleRate, fftSize, fmin, binsPerOctave, nBins);
    this.#rows = new Float32Matrix(nBins, 1024);
    this.#row = new Float32Array(nBins);
  }

  override process(_block: AudioBlock, inputs: readonly unknown[]): void {
    const spectra = inputs[0] as SpectrumBatch;
    for (let f = 0; f < spectra.count; f++) {
      constantQFrame(this.#kernels, spectra.complex[f], this.#row);
      this.#rows.push(this.#row);
    }
  }

  override finish(ctx: FinishContext): void {
    const [spectrum, frequencies] = RESULTS;
    ctx.addResult({
      ...spectrum,
      timeMode: 'framewise',
      frame: { sampleRate: this.#sampleRate, size: this.params.fftSize, hop: this.params.hopSize },
      value: this.#rows.toMatrix(),
    });
    ctx.addResult({ ...frequencies, timeMode: 'global', value: this.#kernels.frequencies });
  }
}
