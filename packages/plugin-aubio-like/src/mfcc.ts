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
  type StreamFormat,
} from '@timeside/core';
import { cepstrum, dctMatrix } from './dsp/mel.js';
import { MEL_PARAMS, type MelBatch, melEnergySpec } from './mel_energy.js';

const ID = 'mfcc';

const RESULT = {
  id: ID,
  name: 'MFCC',
  unit: '',
  description: 'nCoeffs cepstral coefficients per frame (frames × coefficients)',
} as const satisfies ResultSpec;

const PARAMS = {
  ...MEL_PARAMS,
  nCoeffs: {
    type: 'integer',
    default: 13,
    minimum: 1,
    maximum: 512,
    description: 'Number of coefficients (≤ nMels)',
  },
  logFloor: {
    type: 'number',
    default: 1e-10,
    exclusiveMinimum: 0,
    description: 'Mel energies below this are raised to it before the log (avoids log 0 on silence)',
  },
} as const satisfies ParamSchema;

export type MfccParams = ParamsOf<typeof PARAMS>;

/**
 * `mfcc`: mel-frequency cepstral coefficients, the orthonormal DCT-II of the log mel energies.
 * Requires `mel_energy` with the same filterbank parameters, so a pipeline asking for both
 * computes the energies (and the STFT) once.
 */
export class Mfcc extends Processor<MfccParams> {
  static override readonly meta: ProcessorMeta = {
    id: ID,
    kind: 'analyzer',
    name: 'MFCC',
    version: '1.0.1',
    description:
      'Mel-frequency cepstral coefficients per frame: c_n = Σ_m s_n·cos(π·n·(m + ½)/nMels)·ln(max(E_m, ' +
      'logFloor)), the orthonormal DCT-II (s_0 = √(1/nMels), s_n = √(2/nMels)) of the natural log of the ' +
      '`mel_energy` bands (power of the shared Hann-windowed STFT through Slaney’s area-normalised mel ' +
      'filterbank by default, HTK’s with melScale "htk"). Result `mfcc`: frames × nCoeffs. Its test ' +
      'compares with a reference computed in the test by a direct O(N²) DFT, a mel matrix built from the ' +
      'formulas and a direct DCT-II sum, to 1e-3.',
    params: PARAMS,
    requires: (p: Params): NodeSpec[] => [melEnergySpec(p)],
    results: [RESULT],
  };

  #matrix: Float64Array = new Float64Array(0);
  #scratch = new Float64Array(0);
  #row = new Float32Array(0);
  #rows!: Float32Matrix;
  #sampleRate = 44100;

  override setup(format: StreamFormat): void {
    const { nCoeffs, nMels } = this.params;
    if (nCoeffs > nMels) throw paramError(ID, 'nCoeffs', `is ${nCoeffs}, more than nMels (${nMels})`);
    this.#sampleRate = format.sampleRate;
    this.#matrix = dctMatrix(nCoeffs, nMels);
    this.#scratch = new Float64Array(nMels);
    this.#row = new Float32Array(nCoeffs);
    this.#rows = new Float32Matrix(
      nCoeffs,
      format.totalFrames ? Math.ceil(format.totalFrames / this.params.hopSize) + 1 : 4096,
    );
  }

  override process(_block: AudioBlock, inputs: readonly unknown[]): void {
    const mel = inputs[0] as MelBatch;
    const { nCoeffs, logFloor } = this.params;
    for (let f = 0; f < mel.count; f++) {
      cepstrum(this.#matrix, nCoeffs, mel.energies[f], logFloor, this.#scratch, this.#row);
      this.#rows.push(this.#row);
    }
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
