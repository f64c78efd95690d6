import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GlobalFonts } from '@napi-rs/canvas';
import { arrayDecoder, isTimesideError, pipe, Stft } from '@timeside/core';
import { interpolateMagma } from 'd3-scale-chromatic';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpectrogramLin } from '../src/spectrogram_lin.js';
import { SpectrogramLog } from '../src/spectrogram_log.js';
import { SpectrogramMel } from '../src/spectrogram_mel.js';
import { WaveformCentroid } from '../src/waveform_centroid.js';
import {
  colourDistance,
  decodePng,
  luminanceOf,
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

const NYQUIST = SR / 2;
const HEIGHT = 200;

/** The brightest row of column x (magma's lightness grows with the level). */
function brightestRow(png: ReturnType<typeof decodePng>, x: number): number {
  let best = 0;
  for (let y = 1; y < png.height; y++) if (luminanceOf(png.at(x, y)) > luminanceOf(png.at(x, best))) best = y;
  return best;
}

// Where 1 kHz lies on each axis, from the scale's own definition, as a fraction of the height
// from the bottom: linear 0…Nyquist; log 20 Hz…Nyquist; mel (HTK, 2595·log10(1 + f/700)) 0…Nyquist,
// where 1 kHz is 1000 mel by construction of the scale.
const mel = (f: number) => 2595 * Math.log10(1 + f / 700);
const cases = [
  { Grapher: SpectrogramLin, unit: 1000 / NYQUIST },
  { Grapher: SpectrogramLog, unit: Math.log(1000 / 20) / Math.log(NYQUIST / 20) },
  { Grapher: SpectrogramMel, unit: 1000 / mel(NYQUIST) },
];

describe('spectrogram_lin / spectrogram_log / spectrogram_mel', () => {
  it.each(cases)(
    '$Grapher.meta.id: a 1 kHz tone lights the row where 1 kHz maps',
    async ({ Grapher, unit }) => {
      const output = join(dir, `${Grapher.meta.id}-1khz.png`);
      await pipe(
        arrayDecoder(sine(1000, 0.5, 1), SR),
        new Grapher({ output, width: 64, height: HEIGHT }),
      ).run();
      const png = readPng(output);
      expect([png.width, png.height]).toEqual([64, HEIGHT]);
      // Row r spans the fractions [(H−1−r)/H, (H−r)/H] of the axis from the bottom.
      const expected = Math.floor((1 - unit) * HEIGHT);
      for (const x of [8, 32, 56]) expect(Math.abs(brightestRow(png, x) - expected)).toBeLessThanOrEqual(1);
    },
  );

  it('maps the level in dBFS from minDb to maxDb onto magma', async () => {
    // A bin-centred tone (bin 43 of 2048) reads its amplitude exactly: 0.01 → −40 dBFS, level
    // (−40 + 100)/100 of the map; the empty bins far from it read below −100 dBFS: magma's low end.
    const freq = (43 * SR) / 2048;
    const output = join(dir, 'spectrogram-lin-minus40db.png');
    await pipe(
      arrayDecoder(sine(freq, 0.01, 1), SR),
      new SpectrogramLin({ output, width: 32, height: HEIGHT, minDb: -100, maxDb: 0 }),
    ).run();
    const png = readPng(output);
    const row = brightestRow(png, 16);
    expect(
      colourDistance(png.at(16, row), rgbOf(interpolateMagma(Math.round(0.6 * 255) / 255))),
    ).toBeLessThanOrEqual(2);
    expect(colourDistance(png.at(16, 5), rgbOf(interpolateMagma(0)))).toBeLessThanOrEqual(2);
  });

  it.each([
    { name: 'length unknown', claimed: undefined },
    { name: 'length underestimated', claimed: SR / 4 },
  ])('shows a tone then silence across the width when the $name', async ({ claimed }) => {
    const output = join(dir, `spectrogram-unsized-${claimed ?? 'unknown'}.png`);
    const samples = new Float32Array(2 * SR);
    samples.set(sine(1000, 0.5, 1));
    await pipe(
      new UnsizedDecoder(samples, claimed),
      new SpectrogramLin({ output, width: 40, height: HEIGHT }),
    ).run();
    const png = readPng(output);
    const row = Math.floor((1 - 1000 / NYQUIST) * HEIGHT);
    // The first half lights the 1 kHz row; the second half (silence) is magma's low end everywhere.
    for (let x = 2; x < 18; x++) expect(Math.abs(brightestRow(png, x) - row)).toBeLessThanOrEqual(1);
    for (let x = 23; x < 40; x++)
      expect(colourDistance(png.at(x, row), rgbOf(interpolateMagma(0)))).toBeLessThanOrEqual(2);
  });

  it('shares one STFT (one FFT per frame) with the other spectrograms, waveform_centroid and spectral_descriptors', async () => {
    const signal = sine(1000, 0.5, 1);
    const before = Stft.transforms;
    const pipeline = pipe(
      arrayDecoder(signal, SR),
      new SpectrogramLin({ width: 32, height: 32 }),
      new SpectrogramLog({ width: 32, height: 32 }),
      new SpectrogramMel({ width: 32, height: 32 }),
      new WaveformCentroid({ width: 32, height: 32 }),
    );
    await pipeline.run();
    expect(Stft.transforms - before).toBe(Math.ceil(signal.length / 512));
    const graph = await pipeline.graph();
    expect(graph.filter((n) => n.processor.meta.id === 'stft')).toHaveLength(1);
    expect(graph.filter((n) => n.processor.meta.id === 'spectral_descriptors')).toHaveLength(1);
  });

  it('draws at density 2 with twice the rows, the tone at the same place', async () => {
    const output = join(dir, 'spectrogram-lin-2x.png');
    await pipe(
      arrayDecoder(sine(1000, 0.5, 1), SR),
      new SpectrogramLin({ output, width: 32, height: HEIGHT / 2, density: 2 }),
    ).run();
    const png = readPng(output);
    expect([png.width, png.height]).toEqual([64, HEIGHT]);
    expect(Math.abs(brightestRow(png, 32) - Math.floor((1 - 1000 / NYQUIST) * HEIGHT))).toBeLessThanOrEqual(
      1,
    );
  });

  it('writes a well-formed SVG whose embedded raster shows the tone on the same row', async () => {
    const output = join(dir, 'spectrogram-mel-1khz.svg');
    await pipe(
      arrayDecoder(sine(1000, 0.5, 1), SR),
      new SpectrogramMel({ output, width: 64, height: HEIGHT, axes: true }),
    ).run();
    const text = readFileSync(output, 'utf8');
    expect(XMLValidator.validate(text)).toBe(true);
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(text);
    expect(doc.svg.width).toBe('64');
    const image = [doc.svg.defs?.image ?? []].flat()[0];
    expect(image?.['xlink:href']).toMatch(/^data:image\/png;base64,/);
    const raster = decodePng(Buffer.from(image['xlink:href'].split(',')[1], 'base64'));
    // The plot is the image less the axes' strips: 18 px at the bottom, 16 (a quarter of 64) at the left.
    expect([raster.width, raster.height]).toEqual([64 - 16, HEIGHT - 18]);
    const expected = Math.floor((1 - 1000 / mel(NYQUIST)) * raster.height);
    expect(Math.abs(brightestRow(raster, 24) - expected)).toBeLessThanOrEqual(1);
    // Time ticks and frequency labels are text elements (Skia needs a system font to set them).
    if (GlobalFonts.families.length > 0) {
      expect(text).toMatch(/<text[^>]*>[^<]*1k/);
      expect(text).toMatch(/<text[^>]*>[^<]*0 s/);
    }
  });

  it.each([
    { params: { minDb: -20, maxDb: -30 }, message: /parameter "maxDb" must be above minDb/ },
    { params: { minFreq: 5000, maxFreq: 1000 }, message: /parameter "maxFreq" must be above minFreq/ },
    { params: { colormap: 'jet' }, message: /parameter "colormap" must be one of/ },
  ])('rejects $params', ({ params, message }) => {
    let error: unknown;
    try {
      new SpectrogramLog({ output: 'x.png', ...params });
    } catch (e) {
      error = e;
    }
    expect(isTimesideError(error)).toBe(true);
    expect((error as Error).message).toMatch(message);
  });
});
