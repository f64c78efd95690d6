import { describe, expect, it } from 'vitest';
import {
  type AudioBlock,
  arrayDecoder,
  Processor,
  type ProcessorMeta,
  type ProgressEvent,
  pipe,
  type StreamFormat,
} from '../src/index.js';

/** An fx that keeps every second frame of channel 0 and writes it to `channels` outputs. */
class HalveAndSpread extends Processor<{ channels: number }> {
  static override readonly meta: ProcessorMeta = {
    id: 'halve_and_spread',
    kind: 'fx',
    name: 'Halve and spread',
    version: '1.0.0',
    description: 'test fx: decimates by 2 and copies channel 0 to every output channel',
    params: { channels: { type: 'integer', default: 3, minimum: 1, description: '' } },
  };
  seen?: StreamFormat;
  #out: Float32Array[] = [];
  #emitted = 0;
  #block: AudioBlock = { data: [], start: 0, length: 0, eod: false };
  override setup(format: StreamFormat): void {
    this.seen = format;
    this.#out = Array.from({ length: this.params.channels }, () => new Float32Array(4096));
  }
  override outputFormat(format: StreamFormat): StreamFormat {
    return {
      sampleRate: format.sampleRate / 2,
      channels: this.params.channels,
      totalFrames: format.totalFrames === undefined ? undefined : Math.ceil(format.totalFrames / 2),
    };
  }
  override process(block: AudioBlock): AudioBlock {
    let length = 0;
    // Keep source frames of even index (block starts are multiples of 2 in these tests).
    for (let i = 0; i < block.length; i += 2) {
      for (const out of this.#out) out[length] = block.data[0][i];
      length++;
    }
    Object.assign(this.#block, { data: this.#out, start: this.#emitted, length, eod: block.eod });
    this.#emitted += length;
    return this.#block;
  }
}

/** A sink recording its setup format and every sample it receives. */
class Recorder extends Processor {
  static override readonly meta: ProcessorMeta = {
    id: 'format_recorder',
    kind: 'analyzer',
    name: 'Recorder',
    version: '1.0.0',
    description: 'test sink',
    params: {},
  };
  format?: StreamFormat;
  starts: number[] = [];
  samples: number[][] = [];
  override setup(format: StreamFormat): void {
    this.format = format;
    this.samples = Array.from({ length: format.channels }, () => []);
  }
  override process(block: AudioBlock): void {
    this.starts.push(block.start);
    for (let c = 0; c < this.samples.length; c++) {
      for (let i = 0; i < block.length; i++) this.samples[c].push(block.data[c][i]);
    }
  }
}

describe('an fx that changes the stream format', () => {
  it('gives the processors after it its output format at setup, and its blocks', async () => {
    const source = Float32Array.from({ length: 10 }, (_, i) => i);
    const first = new HalveAndSpread({ channels: 2 });
    const second = new HalveAndSpread({ channels: 3 });
    const recorder = new Recorder();
    const events: ProgressEvent[] = [];
    const pipeline = pipe(arrayDecoder(source, 8000, { blockSize: 4 }), first, second, recorder);
    pipeline.on('progress', (e: ProgressEvent) => events.push(e));
    await pipeline.run();
    // Each fx is set up with the format its predecessor emits.
    expect(first.seen).toEqual({ sampleRate: 8000, channels: 1, totalFrames: 10 });
    expect(second.seen).toEqual({ sampleRate: 4000, channels: 2, totalFrames: 5 });
    expect(recorder.format).toEqual({ sampleRate: 2000, channels: 3, totalFrames: 3 });
    // Source frames 0..9 → 0, 2, 4, 6, 8 → 0, 4, 8 on every one of the three channels.
    expect(recorder.samples).toEqual([
      [0, 4, 8],
      [0, 4, 8],
      [0, 4, 8],
    ]);
    // Blocks carry start indices in the output stream's frames.
    expect(recorder.starts).toEqual([0, 1, 2]);
    // Progress counts the decoder's frames, not the fx's.
    expect(events.map((e) => e.framesDone)).toEqual([4, 8, 10]);
    expect(events.at(-1)?.fraction).toBe(1);
  });

  it('leaves the format unchanged for an fx that does not say otherwise', async () => {
    class Passthrough extends Processor {
      static override readonly meta: ProcessorMeta = {
        id: 'passthrough_fx',
        kind: 'fx',
        name: 'Pass',
        version: '1.0.0',
        description: 'test fx',
        params: {},
      };
    }
    const recorder = new Recorder();
    await pipe(
      arrayDecoder([new Float32Array(6), new Float32Array(6)], 22050),
      new Passthrough(),
      recorder,
    ).run();
    expect(recorder.format).toEqual({ sampleRate: 22050, channels: 2, totalFrames: 6 });
  });
});
