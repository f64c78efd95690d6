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
  paramError,
  type ResultSpec,
  type SpectrumBatch,
  type StreamFormat,
  stftParams,
  stftSpec,
} from '@timeside/core';
import { dissonance } from './dsp/dissonance.js';
import { interpolatePeak, maxMagnitude, spectralPeaks } from './dsp/spectral_peaks.js';
import { SPECTRAL_FFT_SIZES } from './spectral_params.js';

const ID = 'dissonance';

const PARAMS = {
  ...stftParams({
    fftSize: 4096,
    fftSizes: SPECTRAL_FFT_SIZES,
    hopSize: 1024,
    withWindow: false,
    descriptions: { fftSize: 'FFT and frame size in samples (Hann window, shared STFT)' },
  }),
  fmin: {
    type: 'number',
    default: 20,
    exclusiveMinimum: 0,
    unit: 'Hz',
    description: 'Lowest partial counted',
  },
  fmax: {
    type: 'number',
    default: 10000,
    exclusiveMinimum: 0,
    unit: 'Hz',
    description: 'Highest partial counted (capped at the Nyquist frequency of the stream)',
  },
  threshold: {
    type: 'number',
    default: -40,
    maximum: 0,
    unit: 'dB',
    description: 'Peaks weaker than this, relative to the frame’s strongest, are not partials',
  },
  maxPeaks: {
    type: 'integer',
    default: 30,
    minimum: 2,
    maximum: 256,
    description: 'Strongest partials kept per frame',
  },
} as const satisfies ParamSchema;

/** Parameters of `dissonance`. */
export type DissonanceParams = ParamsOf<typeof PARAMS>;

const RESULTS = [
  {
    id: ID,
    name: 'Dissonance',
    unit: '',
    description:
      'Sensory dissonance of each frame’s partials (Sethares / Plomp–Levelt), amplitudes relative to the strongest',
  },
  { id: `${ID}.mean`, name: 'Mean dissonance', unit: '', description: 'Mean of the framewise dissonance' },
] as const satisfies readonly ResultSpec[];

/** `dissonance`: framewise sensory dissonance over spectral peaks (Sethares' Plomp–Levelt model). */
export class Dissonance extends Processor<DissonanceParams> {
  static override readonly meta: ProcessorMeta = {
    id: ID,
    kind: 'analyzer',
    name: 'Dissonance',
    version: '1.0.0',
    description:
      'Framewise sensory dissonance (roughness) of the partials in each frame of the shared ' +
      'Hann-windowed STFT: its peaks between fmin and fmax within `threshold` dB of the strongest (the ' +
      '`maxPeaks` strongest), frequency and amplitude refined by quadratic interpolation on the dB ' +
      'spectrum, amplitudes taken relative to the strongest peak so the value does not depend on the ' +
      'level; every pair adds min(a1, a2)·(e^{−3.5·s·Δf} − e^{−5.75·s·Δf}), s = 0.24/(0.0207·f1 + 18.96) ' +
      '— W. A. Sethares’s model of the Plomp–Levelt curve (Tuning, Timbre, Spectrum, Scale, 1998, ' +
      'appendix E; Plomp & Levelt, JASA 1965), as in Essentia’s `Dissonance`. A pair is roughest at ' +
      '≈ a quarter of a critical band apart (0.18 at equal amplitudes) and adds nothing beyond ' +
      'a critical band; one pure tone reads 0. Results: `dissonance` (framewise) and `dissonance.mean`. ' +
      'Silent frames read 0. Tested: a unison and an octave of sines read far lower than a minor second, ' +
      'which reads the model’s value for its two partials within 2 %.',
    params: PARAMS,
    requires: (p: Params): NodeSpec[] => [stftSpec(p)],
    results: RESULTS,
  };

  #firstBin = 1;
  #lastBin = 1;
  #floor = 0;
  #binHz = 1;
  #peaks = new Int32Array(0);
  #freqs = new Float64Array(0);
  #amps = new Float64Array(0);
  readonly #interpolated = new Float64Array(2);
  #values = new Float32Series();
  #sum = 0;
  #sampleRate = 44100;

  override setup(format: StreamFormat): void {
    const { fftSize, fmin, threshold, maxPeaks } = this.params;
    const fmax = Math.min(this.params.fmax, format.sampleRate / 2);
    if (fmin >= fmax) throw paramError(ID, 'fmin', `is ${fmin} Hz, not below fmax (${fmax} Hz)`);
    this.#sampleRate = format.sampleRate;
    this.#binHz = format.sampleRate / fftSize;
    this.#firstBin = Math.max(1, Math.ceil(fmin / this.#binHz));
    this.#lastBin = Math.min(fftSize / 2 - 1, Math.floor(fmax / this.#binHz));
    this.#floor = 10 ** (threshold / 20);
    this.#peaks = new Int32Array(maxPeaks);
    this.#freqs = new Float64Array(maxPeaks);
    this.#amps = new Float64Array(maxPeaks);
    const frames = format.totalFrames ? Math.ceil(format.totalFrames / this.params.hopSize) + 1 : 1024;
    this.#values = new Float32Series(frames);
  }

  override process(_block: AudioBlock, inputs: readonly unknown[]): void {
    const spectra = inputs[0] as SpectrumBatch;
    for (let f = 0; f < spectra.count; f++) {
      const value = this.#frame(spectra.magnitude[f]);
      this.#values.push(value);
      this.#sum += value;
    }
  }

  #frame(magnitude: Float32Array): number {
    const max = maxMagnitude(magnitude, this.#firstBin, this.#lastBin);
    if (max === 0) return 0;
    const count = spectralPeaks(magnitude, this.#firstBin, this.#lastBin, this.#floor * max, this.#peaks);
    let strongest = 0;
    for (let i = 0; i < count; i++) {
      const k = this.#peaks[i];
      interpolatePeak(magnitude, k, this.#interpolated);
      this.#freqs[i] = (k + this.#interpolated[0]) * this.#binHz;
      this.#amps[i] = this.#interpolated[1];
      if (this.#amps[i] > strongest) strongest = this.#amps[i];
    }
    for (let i = 0; i < count; i++) this.#amps[i] /= strongest;
    return dissonance(this.#freqs, this.#amps, count);
  }

  override finish(ctx: FinishContext): void {
    const [framewise, mean] = RESULTS;
    const frames = this.#values.length;
    ctx.addResult({
      ...framewise,
      timeMode: 'framewise',
      frame: { sampleRate: this.#sampleRate, size: this.params.fftSize, hop: this.params.hopSize },
      value: this.#values.toArray(),
    });
    ctx.addResult({ ...mean, timeMode: 'global', value: frames > 0 ? this.#sum / frames : 0 });
  }
}
