/**
 * The NaN/Inf policy after the fx chain (docs/decoding.md, "Non-finite samples"): what an fx emits
 * reaches the sinks with every NaN and ±Infinity replaced by 0, and the results count them as
 * `audio.fxNonFiniteSamples`. Truths: the samples written by the test's fx at known frames, and
 * float32's range (a product beyond ±3.4e38 is stored as ±Infinity).
 */
import { describe, expect, it } from 'vitest';
import { Gain } from '../../plugin-fx/src/index.js';
import {
  type AudioBlock,
  arrayDecoder,
  type FinishContext,
  Processor,
  type ProcessorMeta,
  pipe,
  type StreamFormat,
} from '../src/index.js';

/** Frames (of channel 0) the test fx overwrites, and with what. */
const POISON: [number, number][] = [
  [3, Number.NaN],
  [700, Number.POSITIVE_INFINITY],
  [1500, Number.NEGATIVE_INFINITY],
];

/** A third-party fx gone wrong: copies its input and writes POISON at those frames of channel 0. */
class Poison extends Processor {
  static override readonly meta: ProcessorMeta = {
    id: 'poison',
    kind: 'fx',
    name: 'Poison',
    version: '1.0.0',
    description: 'test fx: writes NaN and ±Infinity at known frames',
    params: {},
  };
  #block: AudioBlock = { data: [], start: 0, length: 0, eod: false };
  override setup(format: StreamFormat): void {
    this.#block.data = Array.from({ length: format.channels }, () => new Float32Array(0));
  }
  override process(block: AudioBlock): AudioBlock {
    const data = block.data.map((channel) => channel.slice(0, block.length));
    for (const [frame, value] of POISON) {
      const i = frame - block.start;
      if (i >= 0 && i < block.length) data[0][i] = value;
    }
    return Object.assign(this.#block, { data, start: block.start, length: block.length, eod: block.eod });
  }
}

/** A sink keeping every sample it receives, with one result so that the run's `audio` is seen. */
class Recorder extends Processor {
  static override readonly meta: ProcessorMeta = {
    id: 'sample_recorder',
    kind: 'analyzer',
    name: 'Recorder',
    version: '1.0.0',
    description: 'test sink',
    params: {},
    results: [{ id: 'sample_recorder.frames', name: 'Frames', unit: '' }],
  };
  samples: number[][] = [];
  override setup(format: StreamFormat): void {
    this.samples = Array.from({ length: format.channels }, () => []);
  }
  override process(block: AudioBlock): void {
    for (let c = 0; c < this.samples.length; c++) {
      for (let i = 0; i < block.length; i++) this.samples[c].push(block.data[c][i]);
    }
  }
  override finish(ctx: FinishContext): void {
    const frames = this.samples[0].length;
    ctx.addResult({
      id: 'sample_recorder.frames',
      name: 'Frames',
      unit: '',
      timeMode: 'global',
      value: frames,
    });
  }
}

/** plugin-fx's `gain`, typed as this source tree's Processor (plugin-fx is typed against core's dist). */
function gainFx(gainDb: number): Processor & { factor: number } {
  return new Gain({ gain: gainDb }) as unknown as Processor & { factor: number };
}

const SR = 8000;
const FRAMES = 2000;

describe('non-finite samples out of the fx chain: replaced by 0 before the sinks, counted', () => {
  it('a NaN, a +Infinity and a −Infinity written by an fx reach the analyzer as 0, and are counted', async () => {
    const left = Float32Array.from({ length: FRAMES }, (_, i) => Math.fround(0.5 * Math.sin(i / 10)));
    const right = Float32Array.from({ length: FRAMES }, (_, i) => Math.fround(0.25 * Math.cos(i / 7)));
    const recorder = new Recorder();
    // Blocks of 512 frames: the poisoned frames fall in three different blocks.
    const pipeline = pipe(arrayDecoder([left, right], SR, { blockSize: 512 }), new Poison(), recorder);
    const results = await pipeline.run();

    const expectedLeft = [...left];
    for (const [frame] of POISON) expectedLeft[frame] = 0;
    expect(recorder.samples).toEqual([expectedLeft, [...right]]);
    expect(pipeline.fxNonFiniteSamples).toBe(POISON.length);
    const audio = results.require('sample_recorder.frames').audio;
    expect(audio.fxNonFiniteSamples).toBe(POISON.length);
    // The decoder read finite samples: its own count stays absent.
    expect(audio.nonFiniteSamples).toBeUndefined();
  });

  it('gain +800 dB: every product beyond float32’s range is replaced by 0, the others kept', async () => {
    // 10^(800/20) = 1e40: 0.5 and −0.25 overflow to ±Infinity, 0 stays 0, 2e-40 (a subnormal) becomes ≈2.
    const tiny = Math.fround(2e-40);
    const pattern = [0.5, -0.25, 0, tiny];
    const channel = Float32Array.from({ length: FRAMES }, (_, i) => pattern[i % pattern.length]);
    const recorder = new Recorder();
    const gain = gainFx(800);
    const pipeline = pipe(arrayDecoder([channel, channel.slice()], SR), gain, recorder);
    const results = await pipeline.run();

    const expected = Array.from({ length: FRAMES }, (_, i) =>
      i % 4 === 3 ? Math.fround(tiny * gain.factor) : 0,
    );
    expect(recorder.samples).toEqual([expected, expected]);
    expect(expected[3]).toBeCloseTo(2, 5);
    // Two of every four frames, in both channels.
    expect(pipeline.fxNonFiniteSamples).toBe(FRAMES);
    expect(results.require('sample_recorder.frames').audio.fxNonFiniteSamples).toBe(FRAMES);
  });

  it('a finite fx chain, or none, leaves the count at 0 and the results without it', async () => {
    const channel = Float32Array.from({ length: FRAMES }, (_, i) => Math.fround(0.5 * Math.sin(i / 10)));
    for (const fx of [[gainFx(-6)], []]) {
      const recorder = new Recorder();
      const pipeline = pipe(arrayDecoder([channel], SR), ...fx, recorder);
      const results = await pipeline.run();
      expect(pipeline.fxNonFiniteSamples).toBe(0);
      expect(results.require('sample_recorder.frames').audio.fxNonFiniteSamples).toBeUndefined();
    }
  });
});
