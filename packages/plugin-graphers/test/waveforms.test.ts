import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { arrayDecoder, type Decoder, isTimesideError, pipe } from '@timeside/core';
import { interpolateTurbo } from 'd3-scale-chromatic';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WaveformCentroid } from '../src/waveform_centroid.js';
import { WaveformContourBlack } from '../src/waveform_contour_black.js';
import { WaveformContourWhite } from '../src/waveform_contour_white.js';
import { WaveformSimple } from '../src/waveform_simple.js';
import { WaveformTransparent } from '../src/waveform_transparent.js';
import {
  colourDistance,
  concat,
  decodePng,
  readPng,
  registerAnalyzers,
  rgbOf,
  SR,
  scratchDir,
  sine,
  UnsizedDecoder,
} from './helpers.js';

const { dir, remove } = scratchDir();
beforeAll(registerAnalyzers);
afterAll(remove);

const RED = '#ff0000';
/** Fully covered by the red waveform (antialiased edges are in between). */
const isRed = ([r, g, b, a]: number[]) => r > 200 && g < 55 && b < 55 && a === 255;
const isWhite = ([r, g, b]: number[]) => r === 255 && g === 255 && b === 255;

async function draw(name: string, source: Decoder, params: Record<string, unknown>) {
  const output = join(dir, name);
  await pipe(source, new WaveformSimple({ output, background: '#ffffff', foreground: RED, ...params })).run();
  return readPng(output);
}

describe('waveform_simple', () => {
  it('draws a full-scale sine over the whole height, in every column (no gap)', async () => {
    const png = await draw('sine-440hz-1.0.png', arrayDecoder(sine(440, 1, 1), SR), {
      width: 200,
      height: 100,
    });
    expect([png.width, png.height]).toEqual([200, 100]);
    // Each column spans 220 samples (2.2 periods): its extremes are ±1 to within 0.1 %.
    for (let x = 0; x < 200; x++) expect(png.span(x, isRed)).toEqual([0, 99]);
  });

  it('draws a half-scale sine over the middle half of the height, background above and below', async () => {
    const png = await draw('sine-440hz-0.5.png', arrayDecoder(sine(440, 0.5, 1), SR), {
      width: 200,
      height: 100,
    });
    // ±0.5 lie on y = 25 and y = 75: rows 25…74 are covered.
    for (let x = 0; x < 200; x++) {
      expect(png.span(x, isRed)).toEqual([25, 74]);
      expect(isWhite(png.at(x, 23))).toBe(true);
      expect(isWhite(png.at(x, 76))).toBe(true);
    }
  });

  it('antialiases: an edge falling inside a pixel row blends it with the background', async () => {
    // 0.55 lies on y = 22.5 of 100: row 22 is half covered.
    const png = await draw('sine-440hz-0.55.png', arrayDecoder(sine(440, 0.55, 1), SR), {
      width: 50,
      height: 100,
    });
    for (let x = 0; x < 50; x++) {
      const [r, g] = png.at(x, 22);
      expect(r).toBe(255);
      expect(g).toBeGreaterThan(90);
      expect(g).toBeLessThan(165);
      expect(isRed(png.at(x, 23))).toBe(true);
    }
  });

  it('draws silence as one flat centre row', async () => {
    const png = await draw('silence-1s.png', arrayDecoder(new Float32Array(SR), SR), {
      width: 64,
      height: 101,
    });
    for (let x = 0; x < 64; x++) {
      expect(png.rows(x, isRed)).toEqual([50]);
      expect(png.rows(x, (p) => !isWhite(p))).toEqual([50]);
    }
  });

  it('doubles the pixels at density 2, the geometry unchanged', async () => {
    const png = await draw('sine-440hz-0.5-2x.png', arrayDecoder(sine(440, 0.5, 1), SR), {
      width: 100,
      height: 50,
      density: 2,
    });
    expect([png.width, png.height]).toEqual([200, 100]);
    for (let x = 0; x < 200; x++) expect(png.span(x, isRed)).toEqual([25, 74]);
  });

  const loudThenSilent = concat(sine(1000, 0.8, 1), new Float32Array(SR));
  // 0.8 → y = 10 of 100: rows 10…89.
  it.each([
    { name: 'length known', source: () => arrayDecoder(loudThenSilent, SR), edge: 0 },
    { name: 'length unknown', source: () => new UnsizedDecoder(loudThenSilent), edge: 1 },
    { name: 'length underestimated', source: () => new UnsizedDecoder(loudThenSilent, SR / 2), edge: 1 },
    { name: 'length overestimated', source: () => new UnsizedDecoder(loudThenSilent, 3 * SR), edge: 1 },
  ])(
    'shows a signal loud in its first half and silent in its second ($name)',
    async ({ name, source, edge }) => {
      const png = await draw(`loud-then-silent-${name.replace(/ /g, '-')}.png`, source(), {
        width: 100,
        height: 100,
      });
      // The switch at frame 44100 is the edge between columns 49 and 50, give or take one column
      // when the width was reached by folding and stretching.
      for (let x = 0; x < 50 - edge; x++) expect(png.span(x, isRed)).toEqual([10, 89]);
      for (let x = 50 + edge; x < 100; x++) expect(png.rows(x, (p) => !isWhite(p))).toEqual([50]);
    },
  );

  it('draws one lane per channel with layout "lanes"', async () => {
    const png = await draw(
      'stereo-sine-silence-lanes.png',
      arrayDecoder([sine(440, 0.5, 1), new Float32Array(SR)], SR),
      {
        width: 50,
        height: 200,
        layout: 'lanes',
      },
    );
    // Lanes of 100 rows: the sine over rows 25…74, the silent right channel a line at 100 + 50.
    for (let x = 0; x < 50; x++) {
      expect(png.rows(x, isRed)).toEqual([...Array.from({ length: 50 }, (_, i) => 25 + i), 150]);
    }
  });

  it('mixes the channels by default: opposite channels cancel to the centre line', async () => {
    const left = sine(440, 0.5, 1);
    const png = await draw('stereo-opposite-mix.png', arrayDecoder([left, left.map((v) => -v)], SR), {
      width: 50,
      height: 101,
    });
    for (let x = 0; x < 50; x++) expect(png.rows(x, (p) => !isWhite(p))).toEqual([50]);
  });

  it('uses the colours given', async () => {
    const output = join(dir, 'colors.png');
    await pipe(
      arrayDecoder(sine(440, 1, 0.1), SR),
      new WaveformSimple({ output, width: 8, height: 9, background: '#123', foreground: '#00ff0080' }),
    ).run();
    const png = readPng(output);
    // #00ff00 at alpha 128/255 over #112233, composited: c = bg·(1 − α) + fg·α.
    const alpha = 128 / 255;
    const expected = [0x11, 0x22, 0x33].map((bg, i) => bg * (1 - alpha) + [0, 255, 0][i] * alpha);
    expect(colourDistance(png.at(3, 4), expected)).toBeLessThanOrEqual(1);
    expect(png.at(3, 4)[3]).toBe(255);
  });

  it('writes a well-formed SVG: the background rect and one waveform path, same geometry as the PNG', async () => {
    const output = join(dir, 'sine-0.5.svg');
    await pipe(
      arrayDecoder(sine(440, 0.5, 1), SR),
      new WaveformSimple({ output, width: 200, height: 100, background: '#ffffff', foreground: RED }),
    ).run();
    const text = readFileSync(output, 'utf8');
    expect(XMLValidator.validate(text)).toBe(true);
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(text);
    expect(doc.svg.width).toBe('200');
    expect(doc.svg.height).toBe('100');
    expect(doc.svg.rect).toMatchObject({ fill: 'white', width: '200', height: '100' });
    const paths = [doc.svg.path].flat();
    expect(paths).toHaveLength(1);
    expect(['red', '#FF0000']).toContain(paths[0].fill);
    // Relative path data: the outline starts at the left edge on the line of +0.5 (y = 25).
    const [, x0, y0] = /^m(-?[\d.]+)[ ,](-?[\d.]+)/i.exec(paths[0].d) ?? [];
    expect(Number(x0)).toBe(0);
    expect(Number(y0)).toBeCloseTo(25, 2);
  });

  it('renders again after the run with render({ output }), to PNG or SVG by extension', async () => {
    const grapher = new WaveformSimple({ width: 40, height: 20, foreground: RED });
    await expect(grapher.render()).rejects.toMatchObject({ code: 'E_GRAPH' });
    await pipe(arrayDecoder(sine(440, 0.5, 1), SR), grapher).run();
    const png = decodePng(await grapher.render({ output: join(dir, 'again.png') }));
    expect(png.span(20, isRed)).toEqual([5, 14]);
    expect(readPng(join(dir, 'again.png')).span(20, isRed)).toEqual([5, 14]);
    const svg = await grapher.render({ output: join(dir, 'again.svg') });
    expect(svg.toString('utf8')).toContain('<svg');
    expect(readdirSync(dir).filter((f) => f.endsWith('.part'))).toEqual([]);
  });

  it('fails with one TimesideError naming the file when the image cannot be written, and leaves no file', async () => {
    writeFileSync(join(dir, 'a-file'), 'not a directory');
    const output = join(dir, 'a-file', 'x.png');
    const error = await pipe(arrayDecoder(sine(440, 0.5, 0.1), SR), new WaveformSimple({ output }))
      .run()
      .catch((e: unknown) => e);
    expect(isTimesideError(error)).toBe(true);
    expect((error as Error).message).toContain(join(dir, 'a-file'));
    expect(existsSync(output)).toBe(false);
  });

  it.each([
    { params: { output: 'x.png', foreground: 'red' }, message: /parameter "foreground" must be a hex color/ },
    { params: { output: 'x.png', width: 0 }, message: /parameter "width" must be ≥ 1/ },
    { params: { output: 'x.png', layout: 'stacked' }, message: /parameter "layout" must be one of/ },
    { params: { output: 'x.png', density: 3 }, message: /parameter "density" must be one of/ },
    { params: { output: 'x.png', format: 'svg' }, message: /parameter "format" is svg, but output x.png/ },
    { params: { output: 'x.png', width: 32768, height: 32768 }, message: /million device pixels/ },
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

describe('waveform_transparent', () => {
  it('leaves the background fully transparent around an opaque waveform', async () => {
    const output = join(dir, 'transparent.png');
    await pipe(
      arrayDecoder(sine(440, 0.5, 1), SR),
      new WaveformTransparent({ output, width: 60, height: 100 }),
    ).run();
    const png = readPng(output);
    for (let x = 0; x < 60; x++) {
      expect(png.at(x, 10)[3]).toBe(0);
      expect(png.at(x, 90)[3]).toBe(0);
      expect(png.span(x, ([r, g, b, a]) => r === 255 && g === 255 && b === 255 && a === 255)).toEqual([
        25, 74,
      ]);
    }
  });
});

describe('waveform_contour_black / waveform_contour_white', () => {
  it.each([
    { Grapher: WaveformContourBlack, background: [0, 0, 0], inside: (l: number) => l > 200 },
    { Grapher: WaveformContourWhite, background: [255, 255, 255], inside: (l: number) => l < 55 },
  ])(
    '$Grapher.meta.id: a half-scale sine reaches half-way up and down, on its background',
    async ({ Grapher, background, inside }) => {
      const output = join(dir, `${Grapher.meta.id}.png`);
      await pipe(arrayDecoder(sine(440, 0.5, 1), SR), new Grapher({ output, width: 80, height: 100 })).run();
      const png = readPng(output);
      for (const x of [10, 40, 70]) {
        expect(png.at(x, 20).slice(0, 3)).toEqual(background);
        expect(png.at(x, 80).slice(0, 3)).toEqual(background);
        expect(inside(png.at(x, 50)[0])).toBe(true);
        // The outer layer spans the envelope: rows 26…73 differ from the background.
        expect(png.span(x, (p) => colourDistance(p, background) > 10)).toEqual([25, 74]);
      }
    },
  );
});

describe('waveform_centroid', () => {
  it('colours a 200 Hz tone then a 3 kHz tone with the colours of their frequencies', async () => {
    const output = join(dir, 'centroid-200hz-3khz.png');
    await pipe(
      arrayDecoder(concat(sine(200, 0.8, 1), sine(3000, 0.8, 1)), SR),
      new WaveformCentroid({ output, width: 100, height: 60, background: '#ffffff' }),
    ).run();
    const png = readPng(output);
    // The centroid of a pure tone is its frequency; its colour is turbo at its log-frequency
    // position between 80 Hz and 8 kHz, on turbo's 0.1…0.9 part.
    const expected = (f: number) =>
      rgbOf(interpolateTurbo(0.1 + (0.8 * Math.log(f / 80)) / Math.log(8000 / 80)));
    const low = expected(200);
    const high = expected(3000);
    expect(colourDistance(low, high)).toBeGreaterThan(100);
    for (let x = 3; x < 47; x++) expect(colourDistance(png.at(x, 30), low)).toBeLessThanOrEqual(6);
    for (let x = 53; x < 97; x++) expect(colourDistance(png.at(x, 30), high)).toBeLessThanOrEqual(6);
  });
});
