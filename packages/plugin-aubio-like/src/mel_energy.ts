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
import { MEL_SCALES, type MelFilterbank, melEnergies, melFilterbank } from './dsp/mel.js';
import { HANN_STFT_PARAMS } from './spectral_params.js';

const ID = 'mel_energy';

const RESULT = {
  id: ID,
  name: 'Mel band energies',
  unit: 'power',
  description: 'Energy of each of the nMels mel bands per frame (frames × bands), linear power',
} as const satisfies ResultSpec;

/** Parameters of the mel filterbank, shared with `mfcc` (which requires this node with them). */
export const MEL_PARAMS = {
  nMels: { type: 'integer', default: 40, minimum: 1, maximum: 512, description: 'Number of mel bands' },
  ...HANN_STFT_PARAMS,
  fmin: { type: 'number', default: 0, minimum: 0, unit: 'Hz', description: 'Lowest edge of the filterbank' },
  fmax: {
    type: 'number',
    default: null,
    nullable: true,
    exclusiveMinimum: 0,
    unit: 'Hz',
    description: 'Highest edge of the filterbank (null: sampleRate/2)',
  },
  melScale: {
    type: 'string',
    default: 'slaney',
    enum: MEL_SCALES,
    description:
      "'slaney': Auditory Toolbox mel scale, area-normalised triangles; 'htk': 2595·log10(1 + f/700), unit-peak triangles",
  },
} as const satisfies ParamSchema;

export type MelEnergyParams = ParamsOf<typeof MEL_PARAMS>;

/** The `mel_energy` node a processor declaring `MEL_PARAMS` requires (as `mfcc` does), from its params. */
export function melEnergySpec(p: Params): NodeSpec {
  const params: Params = {};
  for (const name of Object.keys(MEL_PARAMS)) params[name] = p[name];
  return { processor: MelEnergy, params };
}

/** The first band of `filterbank` with no positive weight (narrower than a bin), or −1. */
function emptyBand(filterbank: MelFilterbank): number {
  const { nMels, start, end, offset, weights } = filterbank;
  for (let m = 0; m < nMels; m++) {
    let positive = false;
    for (let w = offset[m]; w < offset[m] + end[m] - start[m]; w++) if (weights[w] > 0) positive = true;
    if (!positive) return m;
  }
  return -1;
}

/**
 * The mel energies of one block's frames, valid during this `process` call only: frame
 * `first + i` has `energies[i]` (nMels values).
 */
export interface MelBatch {
  count: number;
  first: number;
  nMels: number;
  energies: Float32Array[];
}

/**
 * `mel_energy`: the power spectrum of the shared STFT summed through a triangular mel filterbank,
 * per frame (kernels in `dsp/mel.ts`). Also a shared input: `mfcc` requires it with the same
 * parameters, so the energies are computed once.
 */
export class MelEnergy extends Processor<MelEnergyParams> {
  static override readonly meta: ProcessorMeta = {
    id: ID,
    kind: 'analyzer',
    name: 'Mel band energies',
    version: '1.0.1',
    description:
      'Framewise energies of nMels triangular mel bands from fmin to fmax: E_m = Σ_k w_m(k)·|X(k)|² on the ' +
      'shared Hann-windowed STFT (unscaled FFT: a full-scale sine of N samples centred on bin k has ' +
      '|X(k)|² = (N/4)²). melScale "slaney" (default): Slaney’s Auditory Toolbox mel scale with ' +
      'area-normalised triangles (peak weight 2/(f_hi − f_lo) per Hz, so that sine reads ≈ 1 % of ' +
      '(N/4)² in a 1 kHz band of 40, at 2048 points and 44.1 kHz); "htk": the HTK formula with unit-peak ' +
      'triangles (≈ (N/4)² in the band centred on it). A band narrower than the bin ' +
      'spacing (too many bands for the fftSize) is an error, not a band that reads 0. Result ' +
      '`mel_energy`: frames × bands ' +
      '(linear power). Its test compares the bands with a direct DFT and a filterbank built from the ' +
      'formulas in the test.',
    params: MEL_PARAMS,
    requires: (p: Params): NodeSpec[] => [stftSpec(p)],
    results: [RESULT],
  };

  #filterbank!: MelFilterbank;
  #rows!: Float32Matrix;
  #sampleRate = 44100;
  readonly #batch: MelBatch = { count: 0, first: 0, nMels: 0, energies: [] };

  override setup(format: StreamFormat): void {
    const { nMels, fftSize, fmin, melScale } = this.params;
    const nyquist = format.sampleRate / 2;
    const fmax = this.params.fmax ?? nyquist;
    if (fmax > nyquist) {
      throw paramError(ID, 'fmax', `is ${fmax} Hz, above the Nyquist frequency ${nyquist} Hz of this stream`);
    }
    if (fmin >= fmax) throw paramError(ID, 'fmin', `is ${fmin} Hz, not below fmax (${fmax} Hz)`);
    this.#sampleRate = format.sampleRate;
    this.#filterbank = melFilterbank({
      sampleRate: format.sampleRate,
      fftSize,
      nMels,
      fmin,
      fmax,
      scale: melScale,
    });
    const empty = emptyBand(this.#filterbank);
    if (empty >= 0) {
      const binHz = format.sampleRate / fftSize;
      throw paramError(
        ID,
        'nMels',
        `is ${nMels}: band ${empty} lies between two FFT bins (${binHz.toFixed(1)} Hz apart at fftSize ` +
          `${fftSize}) and would read 0 in every frame; use fewer bands, a larger fftSize or a higher fmin`,
      );
    }
    // Sized for the stream: growing by doubling would hold up to twice the rows at the end.
    this.#rows = new Float32Matrix(
      nMels,
      format.totalFrames ? Math.ceil(format.totalFrames / this.params.hopSize) + 1 : 4096,
    );
    this.#batch.nMels = nMels;
  }

  override process(_block: AudioBlock, inputs: readonly unknown[]): MelBatch {
    const spectra = inputs[0] as SpectrumBatch;
    const batch = this.#batch;
    const nMels = this.params.nMels;
    while (batch.energies.length < spectra.count) batch.energies.push(new Float32Array(nMels));
    for (let f = 0; f < spectra.count; f++) {
      melEnergies(this.#filterbank, spectra.magnitude[f], batch.energies[f]);
      this.#rows.push(batch.energies[f]);
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
