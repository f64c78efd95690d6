import {
  type AudioBlock,
  type ParamsOf,
  Processor,
  type ProcessorMeta,
  paramError,
  type StreamFormat,
} from '@timeside/core';
import { dbToLinear, OutputBlock } from './dsp/output_block.js';

const ID = 'gain';

const PARAMS = {
  gain: {
    type: 'number',
    default: 0,
    description: 'Gain, in the unit given by `unit` (dB: 0 leaves the audio as it is; linear: a factor)',
  },
  unit: {
    type: 'string',
    default: 'dB',
    enum: ['dB', 'linear'],
    description: "'dB': the samples are multiplied by 10^(gain/20); 'linear': by gain itself",
  },
} as const;

/** Parameters of `gain`. */
export type GainParams = ParamsOf<typeof PARAMS>;

/** `gain`: multiplies every sample by a constant (TimeSide's `gain` fx). */
export class Gain extends Processor<GainParams> {
  static override readonly meta: ProcessorMeta = {
    id: ID,
    kind: 'fx',
    name: 'Gain',
    version: '1.0.0',
    description:
      'Multiplies every sample of every channel by a constant: 10^(gain/20) with unit "dB" (default), ' +
      'or gain itself with unit "linear" (a negative factor inverts the polarity). Nothing is clipped: ' +
      'samples beyond ±1 reach the processors after it as they are (an encoder to an integer format ' +
      'clips them). Tested: −6 dB before `level` moves its RMS and peak by −6.0 dB, and a wav_encoder ' +
      'after it writes the scaled samples.',
    params: PARAMS,
  };

  readonly factor: number;
  #out!: OutputBlock;

  constructor(params: Partial<GainParams> | Record<string, unknown> = {}) {
    super(params);
    const { gain, unit } = this.params;
    this.factor = unit === 'dB' ? dbToLinear(gain) : gain;
    if (!Number.isFinite(this.factor)) {
      throw paramError(ID, 'gain', `is ${gain} dB, a factor too large to represent`);
    }
  }

  override setup(format: StreamFormat): void {
    this.#out = new OutputBlock(format.channels);
  }

  override process(block: AudioBlock): AudioBlock {
    const length = block.length;
    const out = this.#out.reserve(length);
    const factor = this.factor;
    for (let c = 0; c < out.length; c++) {
      const input = block.data[c];
      const output = out[c];
      for (let i = 0; i < length; i++) output[i] = input[i] * factor;
    }
    return this.#out.emit(block.start, length, block.eod);
  }
}
