import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import analyzers from '../../plugin-aubio-like/src/index.js';
import graphers from '../../plugin-graphers/src/index.js';
import { type ProcessorClass, registerProcessor, setDiscoverer } from '../src/index.js';
import { runCli } from './cli-fixtures.js';

const SR = 44100;
const root = mkdtempSync(join(tmpdir(), 'timeside-cli-images-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const tone = join(root, 'tone-1khz.wav');

const cli = (args: string[]) => runCli(args, root);

beforeAll(() => {
  setDiscoverer(async () => {});
  for (const cls of graphers.processors) registerProcessor(cls as unknown as ProcessorClass);
  // audiowaveform reads waveform_peaks.
  for (const cls of analyzers.processors)
    if (cls.meta.id === 'waveform_peaks') registerProcessor(cls as unknown as ProcessorClass);
  // A 16-bit mono WAV of a 1 kHz sine at half scale, 0.5 s.
  const frames = SR / 2;
  const b = Buffer.alloc(44 + frames * 2);
  b.write('RIFF', 0, 'ascii');
  b.writeUInt32LE(36 + frames * 2, 4);
  b.write('WAVEfmt ', 8, 'ascii');
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20);
  b.writeUInt16LE(1, 22);
  b.writeUInt32LE(SR, 24);
  b.writeUInt32LE(SR * 2, 28);
  b.writeUInt16LE(2, 32);
  b.writeUInt16LE(16, 34);
  b.write('data', 36, 'ascii');
  b.writeUInt32LE(frames * 2, 40);
  for (let i = 0; i < frames; i++)
    b.writeInt16LE(Math.round(16383 * Math.sin((2 * Math.PI * 1000 * i) / SR)), 44 + i * 2);
  writeFileSync(tone, b);
});

/** PNG signature (PNG spec §5.2) and the IHDR width (big-endian u32 at byte 16). */
function pngWidth(path: string): number | undefined {
  const bytes = readFileSync(path);
  return bytes.subarray(0, 8).equals(Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]))
    ? bytes.readUInt32BE(16)
    : undefined;
}

describe('timeside run --images', () => {
  it('writes one PNG and one SVG per grapher with --images png,svg', async () => {
    const out = join(root, 'both');
    const { code, stderr } = await cli([
      'run',
      tone,
      '-g',
      'waveform_simple,spectrogram_log',
      '--images',
      'png,svg',
      '-p',
      'spectrogram_log.width=320',
      '-o',
      out,
    ]);
    expect(stderr).toBe('1 input: 1 done\n');
    expect(code).toBe(0);
    expect(readdirSync(out).sort()).toEqual([
      'tone-1khz.spectrogram_log.png',
      'tone-1khz.spectrogram_log.svg',
      'tone-1khz.waveform_simple.png',
      'tone-1khz.waveform_simple.svg',
    ]);
    expect(pngWidth(join(out, 'tone-1khz.spectrogram_log.png'))).toBe(320);
    expect(pngWidth(join(out, 'tone-1khz.waveform_simple.png'))).toBe(1024);
    const svg = readFileSync(join(out, 'tone-1khz.spectrogram_log.svg'), 'utf8');
    expect(svg).toMatch(/^<\?xml[^>]*>\s*<svg [^>]*width="320"/);
  });

  it('writes SVG only with --images svg, and the format set by -p without --images', async () => {
    const out = join(root, 'svg');
    expect((await cli(['run', tone, '-g', 'waveform_simple', '--images', 'svg', '-o', out])).code).toBe(0);
    expect(readdirSync(out)).toEqual(['tone-1khz.waveform_simple.svg']);
    const byParam = join(root, 'by-param');
    expect(
      (await cli(['run', tone, '-g', 'waveform_simple', '-p', 'waveform_simple.format=svg', '-o', byParam]))
        .code,
    ).toBe(0);
    expect(readdirSync(byParam)).toEqual(['tone-1khz.waveform_simple.svg']);
    expect(readFileSync(join(byParam, 'tone-1khz.waveform_simple.svg'), 'utf8')).toMatch(
      /^<\?xml[^>]*>\s*<svg /,
    );
  });

  it('names a non-image grapher file by its format parameter, and leaves it out of --images', async () => {
    const out = join(root, 'dat');
    const { code } = await cli([
      'run',
      tone,
      '-g',
      'audiowaveform,waveform_simple',
      '--images',
      'svg',
      '-p',
      'audiowaveform.format=dat',
      '-o',
      out,
    ]);
    expect(code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['tone-1khz.audiowaveform.dat', 'tone-1khz.waveform_simple.svg']);
    // audiowaveform's binary header starts with version 2 (little-endian int32).
    expect(readFileSync(join(out, 'tone-1khz.audiowaveform.dat')).readInt32LE(0)).toBe(2);
  });

  it('rejects an unknown image format before decoding anything (exit 2)', async () => {
    const out = join(root, 'gif');
    const { code, stderr } = await cli(['run', tone, '-g', 'waveform_simple', '--images', 'gif', '-o', out]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--images gif: unknown image format \(supported: png, svg\)/);
  });
});
