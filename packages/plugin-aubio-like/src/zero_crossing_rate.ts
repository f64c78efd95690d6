import {
  type AudioBlock,
  type FinishContext,
  Float32Series,
  type FrameBatch,
  Frames,
  type NodeSpec,
  type Params,
  type ParamsOf,
  Processor,
  type ProcessorMeta,
  type ResultSpec,
  type StreamFormat,
} from '@timeside/core';
import { countZeroCrossings } from './dsp/zero_crossings.js';

const params = {
  frameSize: { type: 'integer', default: 2048, minimum: 2, description: 'Frame length in samples' },
  hopSize: { type: 'integer', default: 512, minimum: 1, description: 'Step between frames in samples' },
} as const;

/** Parameters of `zero_crossing_rate`. */
export type ZeroCrossingRateParams = ParamsOf<typeof params>;

const RESULT = {
  id: 'zero_crossing_rate',
  name: 'Zero crossing rate',
  unit: 'Hz',
  description: 'Sign changes per second in each frame',
} as const satisfies ResultSpec;

/**
 * `zero_crossing_rate`: how often the mono downmix changes sign, per second, frame by frame
 * (Yaafe's and Essentia's ZCR, expressed in crossings per second rather than per sample).
 */
export class ZeroCrossingRate extends Processor<ZeroCrossingRateParams> {
  static override readonly meta: ProcessorMeta = {
    id: 'zero_crossing_rate',
    kind: 'analyzer',
    name: 'Zero crossing rate',
    version: '1.0.0',
    description:
      'Zero crossings per second of each frame of the mono downmix: the number of sign changes ' +
      'between consecutive samples (a sample ≥ 0 counts as positive) times sampleRate / (n − 1), n ' +
      'the samples of the frame that lie inside the stream (the zero padding of the last frames is not ' +
      'counted). Crossings per second do not depend on the sample rate; divide by the sample rate for ' +
      'crossings per sample. A noisy, bright sound reads high, a low voiced one low. Frame i covers ' +
      'samples [i·hop, i·hop + frameSize). Tested: a sine at f Hz reads 2f crossings per second.',
    params,
    results: [RESULT],
    requires: (p: Params): NodeSpec[] => [
      { processor: Frames, params: { frameSize: p.frameSize, hopSize: p.hopSize } },
    ],
  };

  #sampleRate = 0;
  #rates = new Float32Series();

  override setup(format: StreamFormat): void {
    this.#sampleRate = format.sampleRate;
    const frames = format.totalFrames ? Math.ceil(format.totalFrames / this.params.hopSize) + 1 : 1024;
    this.#rates = new Float32Series(frames);
  }

  override process(block: AudioBlock, inputs: readonly unknown[]): void {
    const batch = inputs[0] as FrameBatch;
    const { frameSize, hopSize } = this.params;
    // Frames reaching past the end are only emitted with the last block, whose end is the stream's.
    const streamEnd = block.start + block.length;
    for (let f = 0; f < batch.count; f++) {
      const start = (batch.first + f) * hopSize;
      const inside = block.eod ? Math.min(frameSize, streamEnd - start) : frameSize;
      const crossings = countZeroCrossings(batch.frames[f], inside);
      this.#rates.push(inside > 1 ? (crossings * this.#sampleRate) / (inside - 1) : 0);
    }
  }

  override finish(ctx: FinishContext): void {
    ctx.addResult({
      ...RESULT,
      timeMode: 'framewise',
      frame: { sampleRate: this.#sampleRate, size: this.params.frameSize, hop: this.params.hopSize },
      value: this.#rates.toArray(),
    });
  }
}
