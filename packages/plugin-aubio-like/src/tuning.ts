import {
  type AudioBlock,
  type FinishContext,
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
import { maxMagnitude, spectralPeaks } from './dsp/spectral_peaks.js';
import { SPECTRAL_FFT_SIZES } from './spectral_params.js';

const ID = 'tuning';

const PARAMS = {
  ...stftParams({
    fftSize: 4096,
    fftSizes: SPECTRAL_FFT_SIZES,
    hopSize: 512,
    withWindow: false,
    descriptions: { fftSize: 'FFT and frame size in samples (Hann window, shared STFT)' },
  }),
  fmin: {
    type: 'number',
    default: 80,
    exclusiveMinimum: 0,
    unit: 'Hz',
    description: 'Lowest peak frequency counted',
  },
  fmax: {
    type: 'number',
    default: 5000,
    exclusiveMinimum: 0,
    unit: 'Hz',
    description: 'Highest peak frequency counted (capped at the Nyquist frequency of the stream)',
  },
  threshold: {
    type: 'number',
    default: -40,
    maximum: 0,
    unit: 'dB',
    description: 'Peaks weaker than this, relative to the strongest bin of the frame, are ignored',
  },
  maxPeaks: {
    type: 'integer',
    default: 20,
    minimum: 1,
    maximum: 256,
    description: 'Strongest peaks kept per frame',
  },
} as const satisfies ParamSchema;

/** Parameters of `tuning`. */
export type TuningParams = ParamsOf<typeof PARAMS>;

const RESULTS = [
  { id: 'tuning', name: 'Tuning', unit: 'Hz', description: 'Estimated frequency of A4' },
  {
    id: 'tuning.cents',
    name: 'Tuning deviation',
    unit: 'cent',
    description: 'Deviation of the tuning from A4 = 440 Hz, −50 … 50 cents',
  },
  {
    id: 'tuning.confidence',
    name: 'Tuning confidence',
    unit: '',
    description: 'Agreement of the peaks (0 … 1): the length of their mean deviation vector',
  },
] as const satisfies readonly ResultSpec[];

/** `tuning`: the reference frequency of A4, from the deviation of spectral peaks from the 440 Hz grid. */
export class Tuning extends Processor<TuningParams> {
  static override readonly meta: ProcessorMeta = {
    id: ID,
    kind: 'analyzer',
    name: 'Tuning',
    version: '1.0.0',
    description:
      'Estimates the concert pitch (the frequency of A4) from how far spectral peaks lie from the ' +
      'equal-tempered grid of A4 = 440 Hz. In every frame of the shared Hann-windowed STFT, the peaks ' +
      'between fmin and fmax within `threshold` dB of the strongest bin (the `maxPeaks` strongest) get ' +
      'their frequency from the phase advance between consecutive frames (the phase vocoder’s ' +
      'instantaneous frequency: exact for a steady partial, not limited by the bin spacing); each ' +
      'peak’s deviation d = 1200·log2(f/440) modulo 100 cents is averaged on the circle (d and d ± 100 ' +
      'are the same tuning), weighted by the peak’s magnitude. `tuning` = 440·2^(d̄/1200) Hz (within ' +
      '±50 cents of 440: 427.5 to 452.9 Hz; a tuning a semitone away, such as baroque A4 = 415 Hz, is ' +
      'the same grid and reads ≈ 440), `tuning.cents` = d̄, `tuning.confidence` the length of the mean ' +
      'unit vector (1: every peak agrees). Harmonics from the fifth up lie off the equal-tempered grid ' +
      '(the 5th by −13.7 cents) and pull the estimate a little for bright tones. Silence reads 440 Hz ' +
      'with confidence 0. Tested: an A at 442 Hz, pure or with six harmonics, reads 442 ± 0.5 Hz, and a ' +
      'tone on A4 = 432 Hz reads 432 ± 0.5 Hz.',
    params: PARAMS,
    requires: (p: Params): NodeSpec[] => [stftSpec(p)],
    results: RESULTS,
  };

  #firstBin = 1;
  #lastBin = 1;
  #floor = 0;
  #binHz = 1;
  #previous = new Float32Array(0);
  #previousFrame = -2;
  #peaks = new Int32Array(0);
  #cos = 0;
  #sin = 0;
  #weight = 0;

  override setup(format: StreamFormat): void {
    const { fftSize, fmin, threshold, maxPeaks } = this.params;
    const fmax = Math.min(this.params.fmax, format.sampleRate / 2);
    if (fmin >= fmax) throw paramError(ID, 'fmin', `is ${fmin} Hz, not below fmax (${fmax} Hz)`);
    this.#binHz = format.sampleRate / fftSize;
    this.#firstBin = Math.max(1, Math.ceil(fmin / this.#binHz));
    this.#lastBin = Math.min(fftSize / 2 - 1, Math.floor(fmax / this.#binHz));
    this.#floor = 10 ** (threshold / 20);
    this.#previous = new Float32Array(fftSize + 2);
    this.#peaks = new Int32Array(maxPeaks);
  }

  override process(_block: AudioBlock, inputs: readonly unknown[]): void {
    const spectra = inputs[0] as SpectrumBatch;
    const { fftSize, hopSize } = this.params;
    // Expected phase advance per hop of bin k: 2π·k·hop/N.
    const advance = (2 * Math.PI * hopSize) / fftSize;
    for (let f = 0; f < spectra.count; f++) {
      const frame = spectra.first + f;
      const complex = spectra.complex[f];
      const magnitude = spectra.magnitude[f];
      if (frame === this.#previousFrame + 1) {
        const floor = this.#floor * maxMagnitude(magnitude, this.#firstBin, this.#lastBin);
        const count = spectralPeaks(magnitude, this.#firstBin, this.#lastBin, floor, this.#peaks);
        for (let i = 0; i < count; i++)
          this.#addPeak(this.#peaks[i], complex, magnitude[this.#peaks[i]], advance);
      }
      this.#previous.set(complex);
      this.#previousFrame = frame;
    }
  }

  #addPeak(k: number, complex: Float32Array, weight: number, advance: number): void {
    if (weight <= 0) return;
    const phase = Math.atan2(complex[2 * k + 1], complex[2 * k]);
    const before = Math.atan2(this.#previous[2 * k + 1], this.#previous[2 * k]);
    let deviation = phase - before - advance * k;
    deviation -= 2 * Math.PI * Math.round(deviation / (2 * Math.PI));
    const freqHz = (k + deviation / advance) * this.#binHz;
    if (freqHz <= 0) return;
    const cents = 1200 * Math.log2(freqHz / 440);
    const angle = (2 * Math.PI * cents) / 100;
    this.#cos += weight * Math.cos(angle);
    this.#sin += weight * Math.sin(angle);
    this.#weight += weight;
  }

  override finish(ctx: FinishContext): void {
    const [tuning, cents, confidence] = RESULTS;
    const length = Math.hypot(this.#cos, this.#sin);
    const deviation = length > 0 ? (100 / (2 * Math.PI)) * Math.atan2(this.#sin, this.#cos) : 0;
    ctx.addResult({ ...tuning, timeMode: 'global', value: 440 * 2 ** (deviation / 1200) });
    ctx.addResult({ ...cents, timeMode: 'global', value: deviation });
    ctx.addResult({ ...confidence, timeMode: 'global', value: this.#weight > 0 ? length / this.#weight : 0 });
  }
}
