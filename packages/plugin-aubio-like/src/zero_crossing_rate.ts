import {
  type AudioBlock,
  Downmix,
  type FinishContext,
  Float32Series,
  type NodeSpec,
  type Params,
  type ParamsOf,
  Processor,
  type ProcessorMeta,
  type ResultSpec,
  type StreamFormat,
} from '@timeside/core';

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
    requires: (_p: Params): NodeSpec[] => [{ processor: Downmix }],
  };

  #sampleRate = 0;
  #rates = new Float32Series();
  /**
   * Crossings are counted once per sample of the mono downmix, in chunks of gcd(frameSize,
   * hopSize) samples (for 2048 / 512: 512), and a frame's count is the sum of its chunks less the
   * crossing into its first sample (the pair before the frame): the counts over core's frames,
   * without reading each sample frameSize / hopSize times. A sample counts as positive when ≥ 0
   * (librosa's `zero_pos`), so a run of zeros after a negative sample is one crossing.
   */
  #chunkSize = 1;
  #chunksPerFrame = 1;
  #chunksPerHop = 1;
  /** Crossings of the last chunksPerFrame chunks, and whether a crossing enters each one's first sample. */
  #chunkCounts = new Int32Array(1);
  #chunkEntry = new Uint8Array(1);
  #chunks = 0;
  #fillCount = 0;
  #fillEntry = 0;
  #filled = 0;
  #nextFrame = 0;
  /** Sign of the last sample seen (1 when ≥ 0), -1 before the first. */
  #previousSign = -1;
  #samples = 0;

  override setup(format: StreamFormat): void {
    const { frameSize, hopSize } = this.params;
    this.#sampleRate = format.sampleRate;
    const frames = format.totalFrames ? Math.ceil(format.totalFrames / hopSize) + 1 : 1024;
    this.#rates = new Float32Series(frames);
    let a = frameSize;
    let b = hopSize;
    while (b !== 0) [a, b] = [b, a % b];
    this.#chunkSize = a;
    this.#chunksPerFrame = frameSize / a;
    this.#chunksPerHop = hopSize / a;
    this.#chunkCounts = new Int32Array(this.#chunksPerFrame);
    this.#chunkEntry = new Uint8Array(this.#chunksPerFrame);
  }

  override process(_block: AudioBlock, inputs: readonly unknown[]): void {
    const mono = inputs[0] as AudioBlock;
    const samples = mono.data[0];
    const length = mono.length;
    const chunkSize = this.#chunkSize;
    // Counted first: a frame completed inside this block lies within the samples seen.
    this.#samples += length;
    let previous = this.#previousSign;
    let count = this.#fillCount;
    let filled = this.#filled;
    let i = 0;
    while (i < length) {
      const end = Math.min(length, i + chunkSize - filled);
      if (filled === 0 && i < end) {
        // The chunk's first sample: its crossing belongs to the chunk, and is remembered apart.
        const sign = samples[i] >= 0 ? 1 : 0;
        const entry = previous >= 0 && sign !== previous ? 1 : 0;
        this.#fillEntry = entry;
        count += entry;
        previous = sign;
        i++;
        filled = 1;
      }
      for (let j = i; j < end; j++) {
        const sign = samples[j] >= 0 ? 1 : 0;
        if (sign !== previous) count++;
        previous = sign;
      }
      filled += end - i;
      i = end;
      if (filled === chunkSize) {
        this.#closeChunk(count);
        count = 0;
        filled = 0;
      }
    }
    this.#previousSign = previous;
    this.#fillCount = count;
    this.#filled = filled;
    if (mono.eod) {
      if (filled > 0) this.#closeChunk(count);
      while (this.#nextFrame * this.#chunksPerHop < this.#chunks) this.#emit(this.#nextFrame++);
    }
  }

  #closeChunk(count: number): void {
    const slot = this.#chunks % this.#chunksPerFrame;
    this.#chunkCounts[slot] = count;
    this.#chunkEntry[slot] = this.#fillEntry;
    this.#chunks++;
    const first = this.#chunks - this.#chunksPerFrame;
    if (first >= 0 && first % this.#chunksPerHop === 0) {
      this.#emit(first / this.#chunksPerHop);
      this.#nextFrame = first / this.#chunksPerHop + 1;
    }
  }

  /** The rate of frame `frame`: the crossings inside it over its samples inside the stream. */
  #emit(frame: number): void {
    const { frameSize, hopSize } = this.params;
    const perFrame = this.#chunksPerFrame;
    const firstChunk = frame * this.#chunksPerHop;
    const end = Math.min(firstChunk + perFrame, this.#chunks);
    let crossings = -this.#chunkEntry[firstChunk % perFrame];
    for (let c = firstChunk; c < end; c++) crossings += this.#chunkCounts[c % perFrame];
    const inside = Math.min(frameSize, this.#samples - frame * hopSize);
    this.#rates.push(inside > 1 ? (crossings * this.#sampleRate) / (inside - 1) : 0);
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
