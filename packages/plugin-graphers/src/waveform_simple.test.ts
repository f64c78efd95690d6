import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AudioBlock,
  arrayDecoder,
  Decoder,
  isTimesideError,
  type OpenedStream,
  type ProcessorMeta,
  pipe,
} from '@timeside/core';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { WaveformSimple } from './waveform_simple.js';

const dir = mkdtempSync(join(tmpdir(), 'timeside-waveform-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SR = 44100;
const WHITE = '#ffffff';
const RED = '#ff0000';

function sine(freqHz: number, amplitude: number, frames: number): Float32Array {
  const out = new Float32Array(frames);
  for (let i = 0; i < frames; i++) out[i] = amplitude * Math.sin((2 * Math.PI * freqHz * i) / SR);
  return out;
}

/** A decoder that, like a live stream, does not say how long it is (or says `claimed`). */
class UnsizedDecoder extends Decoder {
  static override readonly meta: ProcessorMeta = {
    id: 'unsized_decoder',
    kind: 'decoder',
    name: 'Unsized decoder',
    version: '1.0.0',
    description: 'test source with an unknown or wrong length',
    params: {},
  };
  constructor(
    readonly samples: Float32Array,
    readonly claimed?: number,
  ) {
    super({});
  }
  async open(): Promise<OpenedStream> {
    const duration = this.samples.length / SR;
    return {
      format: { sampleRate: SR, channels: 1, totalFrames: this.claimed },
      audio: { uri: 'memory:', start: 0, duration, sampleRate: SR, channels: 1 },
    };
  }
  async *blocks(): AsyncIterable<AudioBlock> {
    for (let start = 0; start < this.samples.length; start += 1000) {
      const length = Math.min(1000, this.samples.length - start);
      yield {
        data: [this.samples.subarray(start, start + length)],
        start,
        length,
        eod: start + length >= this.samples.length,
      };
    }
  }
}

/** Reads a PNG back; `isForeground(x, y)` compares the pixel with pure red. */
function readPng(path: string) {
  const png = PNG.sync.read(readFileSync(path));
  const at = (x: number, y: number) =>
    Array.from(png.data.subarray((y * png.width + x) * 4, (y * png.width + x) * 4 + 4));
  const isForeground = (x: number, y: number) => at(x, y).join() === '255,0,0,255';
  /** Rows painted in column x, as [first, last], or undefined. */
  const span = (x: number): [number, number] | undefined => {
    let first = -1;
    let last = -1;
    for (let y = 0; y < png.height; y++) {
      if (isForeground(x, y)) {
        if (first < 0) first = y;
        last = y;
      }
    }
    return first < 0 ? undefined : [first, last];
  };
  const painted = (x: number) => {
    let count = 0;
    for (let y = 0; y < png.height; y++) if (isForeground(x, y)) count++;
    return count;
  };
  return { png, at, span, painted };
}

async function draw(name: string, source: Decoder, params: Record<string, unknown>) {
  const output = join(dir, name);
  await pipe(source, new WaveformSimple({ output, background: WHITE, foreground: RED, ...params })).run();
  return readPng(output);
}

describe('waveform_simple', () => {
  // Height 101: amplitude a lies on row (1 − a)·50, so ±0.5 → rows 25 and 75, 0 → row 50.
  it('draws a half-scale sine over the middle half of the height, background above and below', async () => {
    const { png, span, at } = await draw('sine-440hz-0.5.png', arrayDecoder(sine(440, 0.5, SR), SR), {
      width: 200,
      height: 101,
    });
    expect(png.width).toBe(200);
    expect(png.height).toBe(101);
    for (let x = 0; x < 200; x++) {
      // Each column spans 220 samples (2.2 periods): its extremes are ±0.5 to within 0.1 %.
      expect(span(x)).toEqual([25, 75]);
    }
    expect(at(0, 0)).toEqual([255, 255, 255, 255]);
    expect(at(199, 100)).toEqual([255, 255, 255, 255]);
  });

  it('draws silence as the center line only', async () => {
    const { span, painted } = await draw('silence-1s.png', arrayDecoder(new Float32Array(SR), SR), {
      width: 64,
      height: 101,
    });
    for (let x = 0; x < 64; x++) {
      expect(span(x)).toEqual([50, 50]);
      expect(painted(x)).toBe(1);
    }
  });

  const loudThenSilent = new Float32Array(2 * SR);
  loudThenSilent.set(sine(1000, 0.8, SR));
  // 0.8 → row round(0.2·50) = 10; −0.8 → row 90.
  it.each([
    { name: 'length known', source: () => arrayDecoder(loudThenSilent, SR), edge: 0 },
    { name: 'length unknown', source: () => new UnsizedDecoder(loudThenSilent), edge: 1 },
    { name: 'length underestimated', source: () => new UnsizedDecoder(loudThenSilent, SR / 2), edge: 1 },
    { name: 'length overestimated', source: () => new UnsizedDecoder(loudThenSilent, 3 * SR), edge: 1 },
  ])(
    'shows a signal loud in its first half and silent in its second ($name)',
    async ({ name, source, edge }) => {
      const { span } = await draw(`loud-then-silent-${name.replace(/ /g, '-')}.png`, source(), {
        width: 100,
        height: 101,
      });
      // Columns cover 882 frames each: the switch at frame 44100 is the edge between columns 49 and 50,
      // give or take one column when the width was reached by folding and stretching.
      for (let x = 0; x < 50 - edge; x++) expect(span(x)).toEqual([10, 90]);
      for (let x = 50 + edge; x < 100; x++) expect(span(x)).toEqual([50, 50]);
    },
  );

  it('draws one lane per channel with layout "lanes"', async () => {
    const left = sine(440, 0.5, SR);
    const right = new Float32Array(SR);
    const { span, painted } = await draw('stereo-sine-silence-lanes.png', arrayDecoder([left, right], SR), {
      width: 50,
      height: 202,
      layout: 'lanes',
    });
    // Two lanes of 101 rows: the sine in rows 25..75, the right channel's center line at 101 + 50.
    for (let x = 0; x < 50; x++) {
      expect(span(x)).toEqual([25, 151]);
      expect(painted(x)).toBe(75 - 25 + 1 + 1);
    }
  });

  it('mixes the channels by default: opposite channels cancel to the center line', async () => {
    const left = sine(440, 0.5, SR);
    const right = left.map((v) => -v);
    const { span, painted } = await draw('stereo-opposite-mix.png', arrayDecoder([left, right], SR), {
      width: 50,
      height: 101,
    });
    for (let x = 0; x < 50; x++) {
      expect(span(x)).toEqual([50, 50]);
      expect(painted(x)).toBe(1);
    }
  });

  it('uses the colors given', async () => {
    const output = join(dir, 'colors.png');
    await pipe(
      arrayDecoder(new Float32Array(1000), SR),
      new WaveformSimple({ output, width: 8, height: 9, background: '#123', foreground: '#00ff0080' }),
    ).run();
    const { at } = readPng(output);
    expect(at(3, 0)).toEqual([0x11, 0x22, 0x33, 255]);
    expect(at(3, 4)).toEqual([0, 255, 0, 128]);
  });

  it.each([
    { params: { width: 8 }, message: /parameter "output" is required/ },
    { params: { output: 'x.png', foreground: 'red' }, message: /parameter "foreground" must be a hex color/ },
    { params: { output: 'x.png', width: 0 }, message: /parameter "width" must be ≥ 1/ },
    { params: { output: 'x.png', layout: 'stacked' }, message: /parameter "layout" must be one of/ },
  ])('rejects bad parameters at construction: $params', ({ params, message }) => {
    let error: unknown;
    try {
      new WaveformSimple(params);
    } catch (e) {
      error = e;
    }
    expect(isTimesideError(error)).toBe(true);
    expect((error as Error).message).toMatch(message);
  });
});
