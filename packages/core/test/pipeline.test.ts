import { appendFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ArrayDecoder,
  type AudioBlock,
  arrayDecoder,
  Decoder,
  type FinishContext,
  type FrameBatch,
  fileDecoder,
  type NodeSpec,
  type OpenedStream,
  Processor,
  type ProcessorMeta,
  type ProgressEvent,
  pipe,
  type SetupContext,
  type SpectrumBatch,
  Stft,
  type StreamFormat,
  TimesideError,
} from '../src/index.js';

function sine(freqHz: number, seconds: number, sampleRate = 44100): Float32Array {
  const out = new Float32Array(Math.round(seconds * sampleRate));
  for (let i = 0; i < out.length; i++) out[i] = Math.sin((2 * Math.PI * freqHz * i) / sampleRate);
  return out;
}

/** A spectral consumer: records the peak bin of every frame under `resultId`. */
function peakBinAnalyzer(id: string) {
  return class extends Processor {
    static override readonly meta: ProcessorMeta = {
      id,
      kind: 'analyzer',
      name: id,
      version: '1.0.0',
      description: 'test consumer of the shared STFT',
      params: {},
      requires: (): NodeSpec[] => [{ processor: Stft, params: { fftSize: 2048, hopSize: 512 } }],
    };
    peaks: number[] = [];
    override process(_block: AudioBlock, inputs: readonly unknown[]): void {
      const spec = inputs[0] as SpectrumBatch;
      for (let f = 0; f < spec.count; f++) {
        const mag = spec.magnitude[f];
        let best = 0;
        for (let k = 1; k < mag.length; k++) if (mag[k] > mag[best]) best = k;
        this.peaks.push(best * spec.binHz);
      }
    }
    override finish(ctx: FinishContext): void {
      ctx.addResult({
        id,
        name: id,
        unit: 'Hz',
        timeMode: 'framewise',
        value: Float32Array.from(this.peaks),
      });
    }
  };
}

describe('pipeline DAG', () => {
  it('computes one FFT per frame for two spectral consumers of the same STFT', async () => {
    const A = peakBinAnalyzer('peak_a');
    const B = peakBinAnalyzer('peak_b');
    const seconds = 2;
    const signal = sine(1000, seconds);
    const before = Stft.transforms;
    const pipeline = pipe(arrayDecoder(signal, 44100, { blockSize: 4096 }), new A(), new B());
    const results = await pipeline.run();
    const expectedFrames = Math.ceil(signal.length / 512);
    expect(Stft.transforms - before).toBe(expectedFrames);
    const stftNodes = (await pipeline.graph()).filter((n) => n.processor.meta.id === 'stft');
    expect(stftNodes).toHaveLength(1);
    const a = results.require('peak_a').value as Float32Array;
    expect(a.length).toBe(expectedFrames);
    // 1000 Hz lies in bin round(1000 / 21.53) = 46 → 990.5 Hz: within one bin.
    expect(Math.abs(a[10] - 1000)).toBeLessThan(44100 / 2048);
  });
});

/** Records the frames it receives from the shared framing adapter. */
class FrameRecorder extends Processor {
  static override readonly meta: ProcessorMeta = {
    id: 'frame_recorder',
    kind: 'analyzer',
    name: 'Frame recorder',
    version: '1.0.0',
    description: 'test',
    params: {
      frameSize: { type: 'integer', default: 8, minimum: 1, description: '' },
      hopSize: { type: 'integer', default: 3, minimum: 1, description: '' },
    },
    requires: (p) => [{ processor: 'frames', params: { frameSize: p.frameSize, hopSize: p.hopSize } }],
  };
  frames: number[][] = [];
  override process(_block: AudioBlock, inputs: readonly unknown[]): void {
    const batch = inputs[0] as FrameBatch;
    for (let i = 0; i < batch.count; i++) {
      expect(batch.first + i).toBe(this.frames.length);
      this.frames.push(Array.from(batch.frames[i]));
    }
  }
}

/** An fx that multiplies by a constant. */
class Scale extends Processor<{ factor: number }> {
  static override readonly meta: ProcessorMeta = {
    id: 'scale_fx',
    kind: 'fx',
    name: 'Scale',
    version: '1.0.0',
    description: 'test fx',
    params: { factor: { type: 'number', default: 2, description: '' } },
  };
  #out: Float32Array[] = [];
  override process(block: AudioBlock): AudioBlock {
    this.#out = block.data.map((c, i) => {
      const o =
        this.#out[i] && this.#out[i].length >= block.length ? this.#out[i] : new Float32Array(block.length);
      for (let n = 0; n < block.length; n++) o[n] = c[n] * this.params.factor;
      return o;
    });
    return { ...block, data: this.#out };
  }
}

/** A sink writing a file through ctx.output, failing on demand. */
class FileSink extends Processor<{ output: string; failAt: string }> {
  static override readonly meta: ProcessorMeta = {
    id: 'file_sink',
    kind: 'encoder',
    name: 'File sink',
    version: '1.0.0',
    description: 'test',
    params: {
      output: { type: 'string', default: '', description: '' },
      failAt: { type: 'string', default: 'never', enum: ['never', 'process', 'finish'], description: '' },
    },
  };
  static released = 0;
  #temp = '';
  override setup(_f: StreamFormat, ctx: SetupContext): void {
    this.#temp = ctx.output(this.params.output);
    writeFileSync(this.#temp, 'partial ');
  }
  override process(block: AudioBlock): void {
    if (this.params.failAt === 'process' && block.start > 0) throw new Error('disk on fire');
    appendFileSync(this.#temp, `${block.length} `);
  }
  override finish(): void {
    if (this.params.failAt === 'finish') throw new Error('cannot close');
  }
  override release(): void {
    FileSink.released++;
  }
}

describe('pipeline run', () => {
  it('frames the mono downmix exactly, zero-padding the end', async () => {
    const left = Float32Array.from({ length: 20 }, (_, i) => 2 * i);
    const right = new Float32Array(20);
    const recorder = new FrameRecorder();
    await pipe(arrayDecoder([left, right], 8000, { blockSize: 7 }), recorder).run();
    // Independent reference: frame k = samples [3k, 3k+8) of the channel mean, zero-padded.
    const expected: number[][] = [];
    for (let start = 0; start < 20; start += 3) {
      expected.push(Array.from({ length: 8 }, (_, n) => (start + n < 20 ? start + n : 0)));
    }
    expect(recorder.frames).toEqual(expected);
  });

  it('runs the fx chain before the sinks, and decoder.pipe builds the same graph', async () => {
    const recorder = new FrameRecorder({ frameSize: 4, hopSize: 4 });
    const signal = Float32Array.from([1, 2, 3, 4]);
    const pipeline = arrayDecoder(signal, 8000)
      .pipe(new Scale({ factor: 3 }))
      .pipe(recorder);
    await pipeline.run();
    expect(recorder.frames).toEqual([[3, 6, 9, 12]]);
  });

  it('emits progress up to the total', async () => {
    const events: ProgressEvent[] = [];
    const pipeline = pipe(
      arrayDecoder(new Float32Array(10000), 8000, { blockSize: 4000 }),
      new FrameRecorder(),
    );
    pipeline.on('progress', (e: ProgressEvent) => events.push(e));
    await pipeline.run();
    expect(events.map((e) => e.framesDone)).toEqual([4000, 8000, 10000]);
    expect(events.at(-1)?.fraction).toBe(1);
  });

  it('ends progress at 1 when the total was only an estimate', async () => {
    class Overestimated extends ArrayDecoder {
      override async open() {
        const opened = await super.open();
        return { ...opened, format: { ...opened.format, totalFrames: 12000 } };
      }
    }
    const events: ProgressEvent[] = [];
    const pipeline = pipe(
      new Overestimated(new Float32Array(10000), { blockSize: 4000 }),
      new FrameRecorder(),
    );
    pipeline.on('progress', (e: ProgressEvent) => events.push(e));
    await pipeline.run();
    expect(events.map((e) => e.fraction)).toEqual([4000 / 12000, 8000 / 12000, 1]);
    expect(events.at(-1)?.totalFrames).toBe(10000);
  });

  it('renames outputs on success', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ts-pipe-'));
    const output = join(dir, 'sub', 'out.txt');
    await pipe(arrayDecoder(new Float32Array(10), 8000, { blockSize: 4 }), new FileSink({ output })).run();
    expect(readFileSync(output, 'utf8')).toBe('partial 4 4 2 ');
    expect(readdirSync(join(dir, 'sub'))).toEqual(['out.txt']);
  });

  it.each(['process', 'finish'])(
    'fails with the processor id when it throws in %s, leaves no partial file and releases everything',
    async (failAt) => {
      const dir = mkdtempSync(join(tmpdir(), 'ts-pipe-'));
      const output = join(dir, 'out.txt');
      const releasedBefore = FileSink.released;
      const run = pipe(
        arrayDecoder(new Float32Array(10), 8000, { blockSize: 4, uri: 'tone.wav' }),
        new FileSink({ output: join(dir, 'other.txt') }),
        new FileSink({ output, failAt }),
      ).run();
      const error = await run.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TimesideError);
      expect((error as TimesideError).code).toBe('E_PROCESS');
      expect((error as TimesideError).processor).toBe('file_sink');
      expect((error as Error).message).toMatch(
        new RegExp(`processor file_sink failed in ${failAt}\\(\\) on tone.wav: (disk on fire|cannot close)`),
      );
      expect(readdirSync(dir)).toEqual([]);
      expect(FileSink.released - releasedBefore).toBe(2);
    },
  );

  it('releases the stages it never set up when the input cannot be opened', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ts-pipe-'));
    const releasedBefore = FileSink.released;
    const error = await pipe(
      fileDecoder(join(dir, 'missing.wav')),
      new FileSink({ output: join(dir, 'a.txt') }),
      new FileSink({ output: join(dir, 'b.txt') }),
    )
      .run()
      .catch((e: unknown) => e);
    expect((error as TimesideError).code).toBe('E_IO');
    expect((error as Error).message).toContain('missing.wav');
    expect(FileSink.released - releasedBefore).toBe(2);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('stops on abort with E_ABORT, deleting outputs and releasing everything', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ts-pipe-'));
    const controller = new AbortController();
    const releasedBefore = FileSink.released;
    const pipeline = pipe(
      arrayDecoder(new Float32Array(100), 8000, { blockSize: 10, uri: 'long.wav' }),
      new FileSink({ output: join(dir, 'out.txt') }),
    );
    pipeline.on('progress', (e: ProgressEvent) => {
      if (e.framesDone === 30) controller.abort();
    });
    const error = await pipeline.run({ signal: controller.signal }).catch((e: unknown) => e);
    expect((error as TimesideError).code).toBe('E_ABORT');
    expect((error as Error).message).toBe('long.wav: the run was aborted');
    expect(readdirSync(dir)).toEqual([]);
    expect(FileSink.released - releasedBefore).toBe(1);
    const already = await pipe(arrayDecoder(new Float32Array(10)), new FrameRecorder())
      .run({ signal: AbortSignal.abort() })
      .catch((e: unknown) => e);
    expect((already as TimesideError).code).toBe('E_ABORT');
  });

  it('keeps both results when one analyzer runs twice with other parameters, requested ones first', async () => {
    class Constant extends Processor<{ value: number }> {
      static override readonly meta: ProcessorMeta = {
        id: 'constant',
        kind: 'analyzer',
        name: 'Constant',
        version: '1.0.0',
        description: '',
        params: { value: { type: 'number', default: 1, description: '' } },
      };
      override finish(ctx: FinishContext): void {
        ctx.addResult({ id: 'constant', name: 'c', unit: '', timeMode: 'global', value: this.params.value });
      }
    }
    /** Requires Constant(value 7) and reads that node's own result. */
    class UsesSeven extends Processor {
      static override readonly meta: ProcessorMeta = {
        id: 'uses_seven',
        kind: 'analyzer',
        name: 'Uses seven',
        version: '1.0.0',
        description: '',
        params: {},
        requires: () => [{ processor: Constant, params: { value: 7 } }],
      };
      override finish(ctx: FinishContext): void {
        const seen = ctx.inputResults[0].require('constant').value as number;
        ctx.addResult({ id: 'uses_seven', name: 'u', unit: '', timeMode: 'global', value: seen });
      }
    }
    const results = await pipe(
      arrayDecoder(new Float32Array(8)),
      new UsesSeven(),
      new Constant({ value: 3 }),
    ).run();
    expect(results.require('uses_seven').value).toBe(7);
    // The requested Constant(3) keeps the plain id although Constant(7) finished first.
    expect(results.require('constant').value).toBe(3);
    expect(results.require('constant#2').value).toBe(7);
    expect(results.require('constant#2').processor.params).toEqual({ value: 7 });
  });

  it('reports a cycle in requires', async () => {
    class Loop extends Processor {
      static override readonly meta: ProcessorMeta = {
        id: 'loop',
        kind: 'analyzer',
        name: 'Loop',
        version: '1.0.0',
        description: '',
        params: {},
        requires: () => [{ processor: Loop }],
      };
    }
    await expect(pipe(arrayDecoder(new Float32Array(4)), new Loop()).run()).rejects.toThrow(
      /loop requires itself/,
    );
  });

  it('names an unknown required processor', async () => {
    class NeedsMissing extends Processor {
      static override readonly meta: ProcessorMeta = {
        id: 'needs_missing',
        kind: 'analyzer',
        name: 'x',
        version: '1.0.0',
        description: '',
        params: {},
        requires: () => [{ processor: 'no_such_node_xyz' }],
      };
    }
    await expect(pipe(arrayDecoder(new Float32Array(4)), new NeedsMissing()).run()).rejects.toThrow(
      /no processor with id "no_such_node_xyz"/,
    );
  });

  it('names the processor and release() when a release fails after a successful run, and keeps no output', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ts-pipe-'));
    class FailsInRelease extends FileSink {
      static override readonly meta: ProcessorMeta = { ...FileSink.meta, id: 'fails_in_release' };
      override release(): void {
        throw new Error('handle already closed');
      }
    }
    const error = await pipe(
      arrayDecoder(new Float32Array(10), 8000, { uri: 'tone.wav' }),
      new FailsInRelease({ output: join(dir, 'out.txt') }),
    )
      .run()
      .catch((e: unknown) => e);
    expect((error as TimesideError).code).toBe('E_PROCESS');
    expect((error as TimesideError).processor).toBe('fails_in_release');
    expect((error as TimesideError).hook).toBe('release');
    expect((error as Error).message).toBe(
      'processor fails_in_release failed in release() on tone.wav: handle already closed',
    );
    // The run failed, so its output is not kept (SetupContext.output's promise).
    expect(readdirSync(dir)).toEqual([]);
  });

  it('fails with E_IO naming the output when a processor registered it but never wrote it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ts-pipe-'));
    const output = join(dir, 'never.txt');
    class NeverWrites extends Processor {
      static override readonly meta: ProcessorMeta = { ...FileSink.meta, id: 'never_writes', params: {} };
      override setup(_f: StreamFormat, ctx: SetupContext): void {
        ctx.output(output);
      }
    }
    const error = await pipe(arrayDecoder(new Float32Array(10)), new NeverWrites())
      .run()
      .catch((e: unknown) => e);
    expect((error as TimesideError).code).toBe('E_IO');
    expect((error as TimesideError).file).toBe(output);
    expect((error as Error).message).toMatch(new RegExp(`^${output}: `));
    expect(readdirSync(dir)).toEqual([]);
  });

  it('runs the graph it set up even when graph() is called during the run', async () => {
    /** Counts samples; its count exists only after setup. */
    class Count extends Processor {
      static override readonly meta: ProcessorMeta = {
        id: 'count',
        kind: 'analyzer',
        name: 'Count',
        version: '1.0.0',
        description: '',
        params: {},
      };
      #count?: { samples: number };
      override setup(): void {
        this.#count = { samples: 0 };
      }
      override process(block: AudioBlock): void {
        (this.#count as { samples: number }).samples += block.length;
      }
      override finish(ctx: FinishContext): void {
        const samples = (this.#count as { samples: number }).samples;
        ctx.addResult({ id: 'count', name: 'n', unit: '', timeMode: 'global', value: samples });
      }
    }
    class UsesCount extends Processor {
      static override readonly meta: ProcessorMeta = {
        id: 'uses_count',
        kind: 'analyzer',
        name: 'Uses count',
        version: '1.0.0',
        description: '',
        params: {},
        requires: () => [{ processor: Count }],
      };
    }
    const pipeline = pipe(arrayDecoder(new Float32Array(100), 8000, { blockSize: 10 }), new UsesCount());
    const graphs: Promise<unknown>[] = [];
    pipeline.on('progress', () => graphs.push(pipeline.graph()));
    const results = await pipeline.run();
    await Promise.all(graphs);
    expect(results.require('count').value).toBe(100);
  });

  it('cuts frames with a hop far larger than the stream, allocating nothing for the hop', async () => {
    const recorder = new FrameRecorder({ frameSize: 4, hopSize: 2 ** 31 });
    const ramp = Float32Array.from({ length: 10 }, (_, i) => i);
    await pipe(arrayDecoder(ramp, 8000), recorder).run();
    expect(recorder.frames).toEqual([[0, 1, 2, 3]]);
  });

  it('ends the stream itself when a decoder stops without an eod block', async () => {
    /** Yields [1, 2, 3] twice (stereo, mean [2, 3, 4]), never marking the last block. */
    class NoEod extends Decoder {
      static override readonly meta: ProcessorMeta = {
        id: 'no_eod_decoder',
        kind: 'decoder',
        name: 'No eod',
        version: '1.0.0',
        description: '',
        params: {},
      };
      async open(): Promise<OpenedStream> {
        const audio = { uri: 'no-eod', start: 0, duration: 6 / 8000, sampleRate: 8000, channels: 2 };
        return { format: { sampleRate: 8000, channels: 2 }, audio };
      }
      async *blocks(): AsyncIterable<AudioBlock> {
        const data = [Float32Array.from([1, 2, 3]), Float32Array.from([3, 4, 5])];
        yield { data, start: 0, length: 3, eod: false };
        yield { data, start: 3, length: 3, eod: false };
      }
    }
    const recorder = new FrameRecorder({ frameSize: 4, hopSize: 4 });
    await pipe(new NoEod(), recorder).run();
    // Mono stream [2, 3, 4, 2, 3, 4]: frame 1 is completed by zero-padding at the end.
    expect(recorder.frames).toEqual([
      [2, 3, 4, 2],
      [3, 4, 0, 0],
    ]);
  });

  it('rejects with E_ABORT and keeps no output when the decoder ends quietly on abort', async () => {
    /** Yields blocks of 10 frames until its signal is aborted, then just stops. */
    class StopsOnAbort extends Decoder {
      static override readonly meta: ProcessorMeta = {
        id: 'stops_on_abort',
        kind: 'decoder',
        name: 'Stops on abort',
        version: '1.0.0',
        description: '',
        params: {},
      };
      async open(): Promise<OpenedStream> {
        const audio = { uri: 'endless', start: 0, duration: 0, sampleRate: 8000, channels: 1 };
        return { format: { sampleRate: 8000, channels: 1 }, audio };
      }
      async *blocks(signal?: AbortSignal): AsyncIterable<AudioBlock> {
        const data = [new Float32Array(10)];
        for (let start = 0; !signal?.aborted; start += 10) yield { data, start, length: 10, eod: false };
      }
    }
    const dir = mkdtempSync(join(tmpdir(), 'ts-pipe-'));
    const controller = new AbortController();
    const pipeline = pipe(new StopsOnAbort(), new FileSink({ output: join(dir, 'out.txt') }));
    pipeline.on('progress', (e: ProgressEvent) => {
      if (e.framesDone === 30) controller.abort();
    });
    const error = await pipeline.run({ signal: controller.signal }).catch((e: unknown) => e);
    expect((error as TimesideError).code).toBe('E_ABORT');
    expect(readdirSync(dir)).toEqual([]);
  });
});
