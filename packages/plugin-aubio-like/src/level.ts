import {
  type AudioBlock,
  type FinishContext,
  Float32Series,
  type ParamsOf,
  Processor,
  type ProcessorMeta,
  type ResultSpec,
  type StreamFormat,
  widenMinMax,
} from '@timeside/core';
import { amplitudeToDbfs, channelPower, meanSquareToDbfs } from './dsp/decibels.js';

const params = {
  frameSize: {
    type: 'integer',
    default: 2048,
    minimum: 1,
    description: 'Frame length of level.max_frames and level.rms_frames, in samples',
  },
  hopSize: {
    type: 'integer',
    default: 512,
    minimum: 1,
    description: 'Step between frames of level.max_frames and level.rms_frames, in samples',
  },
} as const;

/** Parameters of `level`. */
export type LevelParams = ParamsOf<typeof params>;

const RESULTS = [
  {
    id: 'level.max',
    name: 'Max level',
    unit: 'dBFS',
    description: 'Largest |sample| of any channel, 20·log10',
  },
  {
    id: 'level.rms',
    name: 'RMS level',
    unit: 'dBFS',
    description: 'Root mean square over every sample of every channel of the whole stream, 20·log10',
  },
  { id: 'level.max_frames', name: 'Max level per frame', unit: 'dBFS', description: 'Peak of each frame' },
  { id: 'level.rms_frames', name: 'RMS level per frame', unit: 'dBFS', description: 'RMS of each frame' },
] as const satisfies readonly ResultSpec[];

/**
 * `level`: peak and RMS level in dBFS over all channels (TimeSide's `level`), for the whole
 * stream and per frame.
 */
export class Level extends Processor<LevelParams> {
  static override readonly meta: ProcessorMeta = {
    id: 'level',
    kind: 'analyzer',
    name: 'Level',
    version: '1.0.0',
    description:
      'Peak level (largest |sample| of any channel) and RMS level (square root of the mean of the ' +
      'squares of every sample of every channel) in dBFS, where a full-scale square wave reads 0 dBFS ' +
      'RMS and a full-scale sine −3.01 dBFS. level.max and level.rms cover the whole stream, summed ' +
      'exactly in double precision — unlike the original TimeSide, whose mean of block RMS values is ' +
      'biased (it reads −2.995 dBFS RMS on its sweep.wav, whose true value is −3.009). ' +
      'level.max_frames and level.rms_frames give the same per frame, over all channels: frame i covers ' +
      'samples [i·hop, i·hop + frameSize), zero-padded at the end. Silence is −Infinity dBFS (kept in ' +
      'the JSON results). Tested: a full-scale sine reads 0 / −3.0103 dBFS, a square wave of amplitude ' +
      '0.5 −6.02 dBFS RMS, a stereo file with different channels its exact sum over both, and ' +
      "TimeSide's sweep.wav and C4_scale.wav, generated, −3.009 and −3.711 dBFS RMS.",
    params,
    results: RESULTS,
  };

  #channels = 1;
  #sampleRate = 0;
  #sumSquares = 0;
  #peak = 0;
  #samples = 0;
  #blockPower = new Float64Array(0);
  /** [min, max] of one channel's part of a chunk. */
  readonly #range = new Float32Array(2);
  /**
   * Frames are sums of chunks of gcd(frameSize, hopSize) samples (for 2048 / 512: four chunks of
   * 512), so each sample is added once instead of frameSize / hopSize times. The last
   * `chunksPerFrame` chunks are kept, indexed by chunk number modulo their count.
   */
  #chunkSize = 1;
  #chunksPerFrame = 1;
  #chunksPerHop = 1;
  #chunkPower = new Float64Array(1);
  #chunkPeak = new Float32Array(1);
  /** Chunks completed so far, and the sum, peak and sample count of the one being filled. */
  #chunks = 0;
  #fillPower = 0;
  #fillPeak = 0;
  #filled = 0;
  /** Next frame to emit. */
  #nextFrame = 0;
  #rmsFrames = new Float32Series();
  #maxFrames = new Float32Series();

  override setup(format: StreamFormat): void {
    const { frameSize, hopSize } = this.params;
    this.#channels = format.channels;
    this.#sampleRate = format.sampleRate;
    const chunk = greatestCommonDivisor(frameSize, hopSize);
    this.#chunkSize = chunk;
    this.#chunksPerFrame = frameSize / chunk;
    this.#chunksPerHop = hopSize / chunk;
    this.#chunkPower = new Float64Array(this.#chunksPerFrame);
    this.#chunkPeak = new Float32Array(this.#chunksPerFrame);
    const frames = format.totalFrames ? Math.ceil(format.totalFrames / hopSize) + 1 : 1024;
    this.#rmsFrames = new Float32Series(frames);
    this.#maxFrames = new Float32Series(frames);
  }

  override process(block: AudioBlock): void {
    const length = block.length;
    const channels = this.#channels;
    if (channels > 2 && this.#blockPower.length < length) this.#blockPower = new Float64Array(length);
    const power = this.#blockPower;
    // Mono and stereo square their samples in the loop below; more channels sum them here first.
    if (length > 0 && channels > 2) channelPower(block.data, channels, length, power);
    const first = block.data[0];
    const second = channels === 2 ? block.data[1] : first;
    const range = this.#range;
    // One pass: the whole-stream sum, in sample order, and the chunks of the frames.
    let sum = 0;
    const chunkSize = this.#chunkSize;
    let fillPower = this.#fillPower;
    let fillPeak = this.#fillPeak;
    let filled = this.#filled;
    let i = 0;
    while (i < length) {
      const end = Math.min(length, i + chunkSize - filled);
      if (channels === 2) {
        for (let j = i; j < end; j++) {
          const p = first[j] * first[j] + second[j] * second[j];
          sum += p;
          fillPower += p;
        }
      } else if (channels === 1) {
        for (let j = i; j < end; j++) {
          const p = first[j] * first[j];
          sum += p;
          fillPower += p;
        }
      } else {
        for (let j = i; j < end; j++) {
          const p = power[j];
          sum += p;
          fillPower += p;
        }
      }
      // The peak: max |x| = max(max x, −min x), channel by channel over the run.
      for (let c = 0; c < channels; c++) {
        range[0] = Number.POSITIVE_INFINITY;
        range[1] = Number.NEGATIVE_INFINITY;
        widenMinMax(block.data[c], i, end, range, 0);
        const a = Math.max(range[1], -range[0]);
        if (a > fillPeak) fillPeak = a;
      }
      filled += end - i;
      i = end;
      if (filled === chunkSize) {
        this.#closeChunk(fillPower, fillPeak);
        fillPower = 0;
        fillPeak = 0;
        filled = 0;
      }
    }
    if (fillPeak > this.#peak) this.#peak = fillPeak;
    this.#fillPower = fillPower;
    this.#fillPeak = fillPeak;
    this.#filled = filled;
    this.#sumSquares += sum;
    this.#samples += length;
    if (block.eod) {
      if (filled > 0) this.#closeChunk(fillPower, fillPeak);
      // The frames still open run past the end: zero-padded, as core's frames. Each starts before
      // the end, so its first chunk exists.
      const perHop = this.#chunksPerHop;
      while (this.#nextFrame * perHop < this.#chunks) this.#emit(this.#nextFrame++, this.#chunks);
    }
  }

  #closeChunk(power: number, peak: number): void {
    const slot = this.#chunks % this.#chunksPerFrame;
    this.#chunkPower[slot] = power;
    this.#chunkPeak[slot] = peak;
    if (peak > this.#peak) this.#peak = peak;
    this.#chunks++;
    // Frame f spans chunks [f·perHop, f·perHop + perFrame): complete when its last one is.
    const last = this.#chunks - this.#chunksPerFrame;
    if (last >= 0 && last % this.#chunksPerHop === 0) {
      this.#emit(last / this.#chunksPerHop, this.#chunks);
      this.#nextFrame = last / this.#chunksPerHop + 1;
    }
  }

  /** Emits frame `frame` from its chunks that exist (those at or past `chunks` are zero padding). */
  #emit(frame: number, chunks: number): void {
    const perFrame = this.#chunksPerFrame;
    const first = frame * this.#chunksPerHop;
    const end = Math.min(first + perFrame, chunks);
    let sum = 0;
    let max = 0;
    for (let c = first; c < end; c++) {
      const slot = c % perFrame;
      sum += this.#chunkPower[slot];
      if (this.#chunkPeak[slot] > max) max = this.#chunkPeak[slot];
    }
    const values = this.#channels * this.params.frameSize;
    this.#rmsFrames.push(meanSquareToDbfs(sum / values));
    this.#maxFrames.push(amplitudeToDbfs(max));
  }

  override finish(ctx: FinishContext): void {
    const [max, rms, maxFrames, rmsFrames] = RESULTS;
    const values = this.#samples * this.#channels;
    ctx.addResult({ ...max, timeMode: 'global', value: amplitudeToDbfs(this.#peak) });
    ctx.addResult({
      ...rms,
      timeMode: 'global',
      value: values > 0 ? meanSquareToDbfs(this.#sumSquares / values) : Number.NEGATIVE_INFINITY,
    });
    const frame = { sampleRate: this.#sampleRate, size: this.params.frameSize, hop: this.params.hopSize };
    ctx.addResult({ ...maxFrames, timeMode: 'framewise', frame, value: this.#maxFrames.toArray() });
    ctx.addResult({ ...rmsFrames, timeMode: 'framewise', frame, value: this.#rmsFrames.toArray() });
  }
}

function greatestCommonDivisor(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}
