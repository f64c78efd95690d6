import {
  type AudioBlock,
  type ParamsOf,
  Processor,
  type ProcessorMeta,
  type StreamFormat,
} from '@timeside/core';
import { FADE_SHAPES, fadeGain } from './dsp/fade_curves.js';
import { OutputBlock } from './dsp/output_block.js';

const ID = 'fade';

const PARAMS = {
  fadeIn: {
    type: 'number',
    default: 0,
    minimum: 0,
    unit: 's',
    description: 'Length of the fade-in at the start of the stream (0: none)',
  },
  fadeOut: {
    type: 'number',
    default: 0,
    minimum: 0,
    unit: 's',
    description: 'Length of the fade-out at the end of the stream (0: none); the stream is delayed by it',
  },
  shape: {
    type: 'string',
    default: 'linear',
    enum: FADE_SHAPES,
    description:
      "Gain curve at progress t: 'linear' t, 'qsin' sin(πt/2), 'hsin' (1 − cos πt)/2, 'exponential' linear in dB from −60 dB",
  },
} as const;

/** Parameters of `fade`. */
export type FadeParams = ParamsOf<typeof PARAMS>;

/** `fade`: a fade-in at the start and a fade-out at the end of the stream. */
export class Fade extends Processor<FadeParams> {
  static override readonly meta: ProcessorMeta = {
    id: ID,
    kind: 'fx',
    name: 'Fade in / out',
    version: '1.0.0',
    description:
      'Fades the stream in over its first `fadeIn` seconds and out over its last `fadeOut` seconds, with ' +
      'the gain curve `shape` (linear, quarter sine, half sine, or exponential: linear in dB from −60 dB). ' +
      'Over a fade-in of N frames frame i is multiplied by g(i/N); over a fade-out of M frames the last ' +
      'frame gets g(0) = 0 and frame T−M+j gets g((M−1−j)/M). In one pass the end of the stream is not ' +
      'known in advance (a compressed file’s length is only estimated), so the fade-out holds back its ' +
      'last `fadeOut` seconds (fadeOut·Fs frames per channel of memory) and emits them, faded, with the ' +
      'final block: the processors after it see the same frames, later. Tested sample for sample against ' +
      'the curves on a constant signal, across block boundaries and with blocks shorter than the fades.',
    params: PARAMS,
  };

  #inFrames = 0;
  #outFrames = 0;
  /** Frames held back for the fade-out, at the front of each `#held` channel. */
  #pending = 0;
  #held: Float32Array[] = [];
  #emitted = 0;
  #out!: OutputBlock;

  override setup(format: StreamFormat): void {
    this.#inFrames = Math.round(this.params.fadeIn * format.sampleRate);
    this.#outFrames = Math.round(this.params.fadeOut * format.sampleRate);
    this.#held = Array.from({ length: format.channels }, () => new Float32Array(this.#outFrames));
    this.#out = new OutputBlock(format.channels);
  }

  override process(block: AudioBlock): AudioBlock {
    const channels = this.#held.length;
    const hold = this.#outFrames;
    const available = this.#pending + block.length;
    const count = block.eod ? available : Math.max(0, available - hold);
    const out = this.#out.reserve(count);
    const fromHeld = Math.min(count, this.#pending);
    for (let c = 0; c < channels; c++) {
      const held = this.#held[c];
      const input = block.data[c];
      const output = out[c];
      // Emit the oldest `count` frames: first those held back, then the block's (plain loops:
      // subarray views would allocate per block).
      for (let i = 0; i < fromHeld; i++) output[i] = held[i];
      const fromBlock = count - fromHeld;
      for (let i = 0; i < fromBlock; i++) output[fromHeld + i] = input[i];
      // Keep the newest `available − count` frames (≤ hold) for the fade-out.
      if (fromHeld < this.#pending) held.copyWithin(0, fromHeld, this.#pending);
      const keptHeld = this.#pending - fromHeld;
      for (let i = fromBlock; i < block.length; i++) held[keptHeld + i - fromBlock] = input[i];
    }
    this.#pending = available - count;
    const start = this.#emitted;
    this.#applyFadeIn(out, start, count);
    if (block.eod) this.#applyFadeOut(out, start, count);
    this.#emitted += count;
    return this.#out.emit(start, count, block.eod);
  }

  #applyFadeIn(out: Float32Array[], start: number, count: number): void {
    const frames = this.#inFrames;
    const end = Math.min(count, frames - start);
    const shape = this.params.shape;
    for (let i = 0; i < end; i++) {
      const gain = fadeGain(shape, (start + i) / frames);
      for (const channel of out) channel[i] *= gain;
    }
  }

  /** The final block holds the stream's last frames: fade out its last `fadeOut` frames. */
  #applyFadeOut(out: Float32Array[], start: number, count: number): void {
    const frames = this.#outFrames;
    const total = start + count;
    const shape = this.params.shape;
    for (let i = Math.max(0, count - frames); i < count; i++) {
      const framesLeft = total - 1 - (start + i);
      const gain = fadeGain(shape, framesLeft / frames);
      for (const channel of out) channel[i] *= gain;
    }
  }
}
