import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  arrayDecoder,
  type FinishContext,
  isTimesideError,
  Processor,
  type ProcessorMeta,
  pipe,
  registerProcessor,
} from '@timeside/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Audiowaveform } from '../src/audiowaveform.js';
import { ResultPlot } from '../src/result_plot.js';
import { SpectrogramLin } from '../src/spectrogram_lin.js';
import { WaveformSimple } from '../src/waveform_simple.js';
import {
  colourDistance,
  luminanceOf,
  readPng,
  registerAnalyzers,
  rgbOf,
  SR,
  scratchDir,
  sine,
} from './helpers.js';

const { dir, remove } = scratchDir();
afterAll(remove);

const HOP = 441; // 100 frames per second
/** Results at known times, to draw: events, a segment, a rising line, a constant 1 kHz "pitch". */
class TestMarks extends Processor {
  static override readonly meta: ProcessorMeta = {
    id: 'test_marks',
    kind: 'analyzer',
    name: 'Test marks',
    version: '1.0.0',
    description: 'results at known times',
    params: {},
    results: [
      { id: 'test_marks.events', name: 'Events', unit: 's' },
      { id: 'test_marks.segments', name: 'Segments', unit: 's' },
      { id: 'test_marks.ramp', name: 'Ramp', unit: '' },
      { id: 'test_marks.pitch', name: 'Pitch', unit: 'Hz' },
    ],
  };
  override finish(ctx: FinishContext): void {
    const frames = SR / HOP;
    const frame = { sampleRate: SR, size: HOP, hop: HOP };
    ctx.addResult({
      id: 'test_marks.events',
      name: 'Events',
      unit: 's',
      timeMode: 'event',
      time: Float64Array.of(0.25, 0.5, 0.75),
    });
    ctx.addResult({
      id: 'test_marks.segments',
      name: 'Segments',
      unit: 's',
      timeMode: 'segment',
      time: Float64Array.of(0.1),
      duration: Float64Array.of(0.2),
    });
    ctx.addResult({
      id: 'test_marks.ramp',
      name: 'Ramp',
      unit: '',
      timeMode: 'framewise',
      frame,
      value: Float32Array.from({ length: frames }, (_, i) => i),
    });
    ctx.addResult({
      id: 'test_marks.pitch',
      name: 'Pitch',
      unit: 'Hz',
      timeMode: 'framewise',
      frame,
      value: new Float32Array(frames).fill(1000),
    });
  }
}

beforeAll(() => {
  registerAnalyzers();
  registerProcessor(TestMarks);
});

// CATEGORY_COLORS[0] (Tableau 10's first): the colour of the first result drawn.
const FIRST = rgbOf('#4e79a7');
const WIDTH = 200; // 1 s over 200 px: t ↦ x = 200·t
const audio = () => arrayDecoder(new Float32Array(SR), SR);

describe('result_plot', () => {
  it('marks each event at the column of its time, and nowhere else', async () => {
    const output = join(dir, 'events.png');
    await pipe(
      audio(),
      new ResultPlot({ output, width: WIDTH, height: 60, results: ['test_marks.events'] }),
    ).run();
    const png = readPng(output);
    const marked = (x: number) => colourDistance(png.at(x, 40), [255, 255, 255]) > 60;
    for (const t of [0.25, 0.5, 0.75]) {
      const x = WIDTH * t;
      expect(marked(x - 1) || marked(x)).toBe(true);
    }
    for (let x = 0; x < WIDTH; x++) {
      const nearEvent = [50, 100, 150].some((e) => Math.abs(x - e) <= 2);
      if (!nearEvent) expect(marked(x)).toBe(false);
    }
  });

  it('covers a segment’s span with a band', async () => {
    const output = join(dir, 'segments.png');
    await pipe(
      audio(),
      new ResultPlot({ output, width: WIDTH, height: 60, results: ['test_marks:test_marks.segments'] }),
    ).run();
    const png = readPng(output);
    const tinted = (x: number) => colourDistance(png.at(x, 40), [255, 255, 255]) > 30;
    // 0.1 s … 0.3 s → x 20 … 60.
    for (let x = 22; x < 58; x++) expect(tinted(x)).toBe(true);
    for (const x of [5, 15, 65, 120, 190]) expect(tinted(x)).toBe(false);
  });

  it('draws a rising framewise series as a rising line, one lane per result', async () => {
    const output = join(dir, 'ramp.png');
    await pipe(
      audio(),
      new ResultPlot({
        output,
        width: WIDTH,
        height: 120,
        results: ['test_marks.ramp', 'test_marks.events'],
      }),
    ).run();
    const png = readPng(output);
    // The ramp is in the top lane (rows 0…59): its line's row falls as x grows.
    const lineRow = (x: number) => {
      for (let y = 0; y < 60; y++) if (colourDistance(png.at(x, y), FIRST) < 40) return y;
      return -1;
    };
    const left = lineRow(20);
    const right = lineRow(180);
    expect(left).toBeGreaterThan(0);
    expect(right).toBeGreaterThan(0);
    expect(left - right).toBeGreaterThan(30);
  });

  it('names a result its analyzer does not declare in one clear error, before any block is decoded', async () => {
    let progress = 0;
    const pipeline = pipe(
      audio(),
      new ResultPlot({ output: join(dir, 'x.png'), results: ['test_marks.nothing'] }),
    );
    pipeline.on('progress', () => progress++);
    const error = await pipeline.run().catch((e: unknown) => e);
    expect(isTimesideError(error)).toBe(true);
    expect((error as Error).message).toMatch(
      /parameter "results" names test_marks\.nothing, which test_marks does not produce/,
    );
    expect(progress).toBe(0);
    expect(existsSync(join(dir, 'x.png'))).toBe(false);
  });

  it('needs at least one result', () => {
    expect(() => new ResultPlot({ output: 'x.png' })).toThrow(
      /parameter "results" needs at least one result/,
    );
  });

  it('names an overlay result its analyzer does not declare', async () => {
    const error = await pipe(
      audio(),
      new WaveformSimple({ output: join(dir, 'y.png'), overlay: ['test_marks:nope'] }),
    )
      .run()
      .catch((e: unknown) => e);
    expect(isTimesideError(error)).toBe(true);
    expect((error as Error).message).toMatch(
      /parameter "overlay" names nope, which test_marks does not produce/,
    );
  });
});

describe('overlay', () => {
  it('draws events over a waveform', async () => {
    const output = join(dir, 'waveform-overlay.png');
    await pipe(
      arrayDecoder(sine(440, 0.25, 1), SR),
      new WaveformSimple({ output, width: WIDTH, height: 100, overlay: ['test_marks.events'] }),
    ).run();
    const png = readPng(output);
    // Above the waveform (|a| ≤ 0.25 → rows 37…62) only the markers differ from the background.
    const marked = (x: number) => colourDistance(png.at(x, 80), [255, 255, 255]) > 60;
    expect(marked(99) || marked(100)).toBe(true);
    expect(marked(75)).toBe(false);
  });

  it('puts a framewise result in Hz on the spectrogram’s frequency axis', async () => {
    const output = join(dir, 'spectrogram-overlay.png');
    const height = 200;
    await pipe(
      audio(),
      new SpectrogramLin({ output, width: WIDTH, height, overlay: ['test_marks.pitch'], colormap: 'grey' }),
    ).run();
    const png = readPng(output);
    // Silence is black on the grey map; the line at 1000 Hz lies at y = (1 − 1000/22050)·200.
    const expected = (1 - 1000 / 22050) * height;
    let best = 0;
    for (let y = 0; y < height; y++)
      if (luminanceOf(png.at(150, y)) > luminanceOf(png.at(150, best))) best = y;
    expect(Math.abs(best - expected)).toBeLessThanOrEqual(1.5);
  });
});

describe('audiowaveform', () => {
  // A square wave alternating every 25 samples: left ±0.25, right ±0.75, so every pixel of 100
  // samples has min/max −0.25/0.25 and −0.75/0.75. 16 bits: ×32767 → ±8192 (8191.75) and ±24575
  // (24575.25); 8 bits: ×127 → ±32 (31.75) and ±95 (95.25).
  const frames = 1000;
  const square = (a: number) =>
    Float32Array.from({ length: frames }, (_, i) => (Math.floor(i / 25) % 2 ? -a : a));
  const source = () => arrayDecoder([square(0.25), square(0.75)], SR);

  it('writes JSON in audiowaveform’s version 2 layout', async () => {
    const output = join(dir, 'peaks.json');
    await pipe(source(), new Audiowaveform({ output, samplesPerPixel: 100 })).run();
    const json = JSON.parse(readFileSync(output, 'utf8'));
    expect(json).toMatchObject({
      version: 2,
      channels: 2,
      sample_rate: SR,
      samples_per_pixel: 100,
      bits: 16,
      length: 10,
    });
    expect(json.data).toHaveLength(10 * 2 * 2);
    for (let i = 0; i < 10; i++) {
      // Pixel i of channel c: min at data[(i·C + c)·2], max right after.
      expect(json.data.slice((i * 2 + 0) * 2, (i * 2 + 0) * 2 + 2)).toEqual([-8192, 8192]);
      expect(json.data.slice((i * 2 + 1) * 2, (i * 2 + 1) * 2 + 2)).toEqual([-24575, 24575]);
    }
  });

  it('writes the binary .dat: 24-byte little-endian header, then int8 pairs at 8 bits', async () => {
    const output = join(dir, 'peaks.dat');
    await pipe(source(), new Audiowaveform({ output, samplesPerPixel: 100, bits: 8 })).run();
    const bytes = readFileSync(output);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    expect(view.getInt32(0, true)).toBe(2); // version
    expect(view.getUint32(4, true) & 1).toBe(1); // flags: bit 0 = 8-bit
    expect(view.getInt32(8, true)).toBe(SR);
    expect(view.getInt32(12, true)).toBe(100);
    expect(view.getUint32(16, true)).toBe(10);
    expect(view.getInt32(20, true)).toBe(2);
    expect(bytes.length).toBe(24 + 10 * 2 * 2);
    for (let i = 0; i < 10; i++) {
      const o = 24 + i * 4;
      expect([view.getInt8(o), view.getInt8(o + 1), view.getInt8(o + 2), view.getInt8(o + 3)]).toEqual([
        -32, 32, -95, 95,
      ]);
    }
  });
});
