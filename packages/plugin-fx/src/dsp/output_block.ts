import type { AudioBlock } from '@timeside/core';

/**
 * The block an fx emits, in buffers it owns: the input block's arrays may be the decoder's or the
 * caller's (`array_decoder` hands out views of the user's arrays), so an fx never writes them.
 * The arrays grow only when a longer block arrives, so steady state allocates nothing.
 */
export class OutputBlock {
  readonly block: AudioBlock = { data: [], start: 0, length: 0, eod: false };
  #capacity = 0;

  /** Output channels (fixed at setup). */
  constructor(channels: number, initialCapacity = 0) {
    for (let c = 0; c < channels; c++) this.block.data.push(new Float32Array(initialCapacity));
    this.#capacity = initialCapacity;
  }

  /** Makes room for `frames` frames per channel, keeping the first `keep` frames. */
  reserve(frames: number, keep = 0): Float32Array[] {
    if (frames > this.#capacity) {
      const capacity = Math.max(frames, Math.ceil(this.#capacity * 1.5));
      const data = this.block.data;
      for (let c = 0; c < data.length; c++) {
        const grown = new Float32Array(capacity);
        if (keep > 0) grown.set(data[c].subarray(0, keep));
        data[c] = grown;
      }
      this.#capacity = capacity;
    }
    return this.block.data;
  }

  /** Sets the block's position and returns it. */
  emit(start: number, length: number, eod: boolean): AudioBlock {
    const block = this.block;
    block.start = start;
    block.length = length;
    block.eod = eod;
    return block;
  }
}

/** 10^(dB/20). */
export function dbToLinear(db: number): number {
  return 10 ** (db / 20);
}
