import {
  type AudioBlock,
  type FinishContext,
  Float32Series,
  type ParamsOf,
  Processor,
  type ProcessorMeta,
  type ResultSpec,
  type StreamFormat,
} from '@timeside/core';
import { amplitudeToDbfs, channelPowerAndPeak, meanSquareToDbfs } from './dsp/decibels.js';

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
  #blockPeak = new Float32Array(0);
  /** Running sums and peaks of the frames still open, indexed by frame number modulo their count. */
  #openPower = new Float64Array(1);
  #openPeak = new Float32Array(1);
  /** Oldest frame not yet emitted, and the next frame not yet opened. */
  #oldest = 0;
  #nextOpen = 0;
  #rmsFrames = new Float32Series();
  #maxFrames = new Float32Series();

  override setup(format: StreamFormat): void {
    const { frameSize, hopSize } = this.params;
    this.#channels = format.channels;
    this.#sampleRate = format.sampleRate;
    // A frame stays open until its last sample arrives: at most ceil(frameSize / hop) at a time.
    const open = Math.ceil(frameSize / hopSize);
    this.#openPower = new Float64Array(open);
    this.#openPeak = new Float32Array(open);
    const frames = format.totalFrames ? Math.ceil(format.totalFrames / hopSize) + 1 : 1024;
    this.#rmsFrames = new Float32Series(frames);
    this.#maxFrames = new Float32Series(frames);
  }

  override process(block: AudioBlock): void {
    const length = block.length;
    if (this.#blockPower.length < length) {
      this.#blockPower = new Float64Array(length);
      this.#blockPeak = new Float32Array(length);
    }
    const power = this.#blockPower;
    const peak = this.#blockPeak;
    if (length > 0) channelPowerAndPeak(block.data, this.#channels, length, power, peak);
    let sum = 0;
    let max = this.#peak;
    for (let i = 0; i < length; i++) {
      sum += power[i];
      if (peak[i] > max) max = peak[i];
    }
    this.#sumSquares += sum;
    this.#peak = max;
    this.#samples += length;
    this.#frames(block.start, length, block.eod);
  }

  /** Adds this block's samples to every frame they belong to and emits the frames they complete. */
  #frames(blockStart: number, length: number, eod: boolean): void {
    const { frameSize, hopSize } = this.params;
    const open = this.#openPower.length;
    const blockEnd = blockStart + length;
    for (let frame = this.#oldest; frame * hopSize < blockEnd; frame++) {
      const slot = frame % open;
      if (frame >= this.#nextOpen) {
        this.#openPower[slot] = 0;
        this.#openPeak[slot] = 0;
        this.#nextOpen = frame + 1;
      }
      const frameStart = frame * hopSize;
      const from = Math.max(frameStart, blockStart) - blockStart;
      const to = Math.min(frameStart + frameSize, blockEnd) - blockStart;
      let sum = this.#openPower[slot];
      let max = this.#openPeak[slot];
      for (let i = from; i < to; i++) {
        sum += this.#blockPower[i];
        if (this.#blockPeak[i] > max) max = this.#blockPeak[i];
      }
      this.#openPower[slot] = sum;
      this.#openPeak[slot] = max;
      if (frameStart + frameSize <= blockEnd) {
        this.#emit(slot);
        this.#oldest = frame + 1;
      }
    }
    if (eod) {
      // The frames still open run past the end: zero-padded, as core's frames.
      for (let frame = this.#oldest; frame < this.#nextOpen; frame++) this.#emit(frame % open);
      this.#oldest = this.#nextOpen;
    }
  }

  #emit(slot: number): void {
    const values = this.#channels * this.params.frameSize;
    this.#rmsFrames.push(meanSquareToDbfs(this.#openPower[slot] / values));
    this.#maxFrames.push(amplitudeToDbfs(this.#openPeak[slot]));
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
