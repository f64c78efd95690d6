import type { Params } from '../processor/params.js';
import { type AudioBlock, Processor, type ProcessorMeta } from '../processor/processor.js';
import { Downmix } from './downmix.js';

/**
 * The frames cut from one block: frames[0..count) are valid during this `process` call only
 * (buffers are reused). Frame `first + i` covers mono samples [(first+i)·hop, (first+i)·hop + size),
 * zero-padded past the end of the stream.
 */
export interface FrameBatch {
  count: number;
  first: number;
  frames: Float32Array[];
  frameSize: number;
  hopSize: number;
}

export interface FramesParams {
  frameSize: number;
  hopSize: number;
}

/**
 * Adapter: cuts the mono downmix into overlapping frames of `frameSize`, one every `hopSize`
 * samples. The last frames are zero-padded; a frame is emitted for every hop that starts
 * before the end of the stream.
 */
export class Frames extends Processor<FramesParams> {
  static override readonly meta: ProcessorMeta = {
    id: 'frames',
    kind: 'adapter',
    name: 'Framing',
    version: '1.0.0',
    description: 'Overlapping frames of the mono downmix (shared by every frame-based consumer).',
    params: {
      frameSize: { type: 'integer', default: 2048, minimum: 1, description: 'Frame length in samples' },
      hopSize: { type: 'integer', default: 512, minimum: 1, description: 'Step between frames in samples' },
    },
    requires: (_params: Params) => [{ processor: Downmix }],
  };

  /** Mono samples from absolute index `#bufStart`. */
  #buf = new Float32Array(0);
  #bufStart = 0;
  #bufLength = 0;
  #nextFrame = 0;
  #pool: Float32Array[] = [];
  readonly #batch: FrameBatch = { count: 0, first: 0, frames: [], frameSize: 0, hopSize: 0 };

  override setup(): void {
    const { frameSize, hopSize } = this.params;
    // Samples before the next frame's start are dropped, so a hop longer than a frame needs no room.
    this.#buf = new Float32Array(frameSize * 4);
    this.#batch.frameSize = frameSize;
    this.#batch.hopSize = hopSize;
    this.#batch.frames = this.#pool;
  }

  #frameAt(slot: number): Float32Array {
    while (this.#pool.length <= slot) this.#pool.push(new Float32Array(this.params.frameSize));
    return this.#pool[slot];
  }

  #append(samples: Float32Array, length: number): void {
    const { frameSize, hopSize } = this.params;
    // Drop samples before the next frame's start, then make room.
    const keepFrom = Math.min(this.#nextFrame * hopSize, this.#bufStart + this.#bufLength);
    const drop = keepFrom - this.#bufStart;
    if (drop > 0) {
      this.#buf.copyWithin(0, drop, this.#bufLength);
      this.#bufStart += drop;
      this.#bufLength -= drop;
    }
    const needed = this.#bufLength + length;
    if (needed > this.#buf.length) {
      const grown = new Float32Array(Math.max(needed, frameSize) * 2);
      grown.set(this.#buf.subarray(0, this.#bufLength));
      this.#buf = grown;
    }
    this.#buf.set(samples.subarray(0, length), this.#bufLength);
    this.#bufLength += length;
  }

  override process(_block: AudioBlock, inputs: readonly unknown[]): FrameBatch {
    const mono = inputs[0] as AudioBlock;
    const { frameSize, hopSize } = this.params;
    this.#append(mono.data[0], mono.length);
    const end = this.#bufStart + this.#bufLength;
    const batch = this.#batch;
    batch.first = this.#nextFrame;
    let count = 0;
    for (;;) {
      const start = this.#nextFrame * hopSize;
      const complete = start + frameSize <= end;
      if (!complete && !(mono.eod && start < end)) break;
      const frame = this.#frameAt(count);
      const offset = start - this.#bufStart;
      const available = Math.max(0, Math.min(frameSize, end - start));
      frame.set(this.#buf.subarray(offset, offset + available));
      if (available < frameSize) frame.fill(0, available);
      count++;
      this.#nextFrame++;
    }
    batch.count = count;
    batch.frames = this.#pool;
    return batch;
  }
}
