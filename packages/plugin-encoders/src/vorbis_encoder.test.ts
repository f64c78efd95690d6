import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AudioBlock,
  arrayDecoder,
  isTimesideError,
  liveFfmpegProcesses,
  Processor,
  type ProcessorMeta,
  pipe,
} from '@timeside/core';
import { afterAll, describe, expect, it } from 'vitest';
import { VorbisEncoder } from './vorbis_encoder.js';

const ffmpeg: string =
  process.env.FFMPEG_PATH ??
  createRequire(new URL('../../core/package.json', import.meta.url))('@ffmpeg-installer/ffmpeg').path;

const dir = mkdtempSync(join(tmpdir(), 'timeside-vorbis-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SR = 44100;

function sine(freqHz: number, amplitude: number, frames: number): Float32Array {
  const out = new Float32Array(frames);
  for (let i = 0; i < frames; i++) out[i] = amplitude * Math.sin((2 * Math.PI * freqHz * i) / SR);
  return out;
}

/** Decodes with ffmpeg to float32 (first channel only) at `SR`; also returns ffmpeg's stream line. */
function decode(path: string): { mono: Float32Array; channels: number; stream: string } {
  const run = spawnSync(
    ffmpeg,
    ['-hide_banner', '-i', path, '-f', 'f32le', '-acodec', 'pcm_f32le', '-ar', String(SR), '-'],
    {
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  expect(run.status, run.stderr.toString()).toBe(0);
  const stream = /Stream #0:0: Audio: ([^\n]*)/.exec(run.stderr.toString())?.[1] ?? '';
  const channels = stream.includes('stereo') ? 2 : 1;
  const bytes = run.stdout as Buffer;
  const frames = bytes.length / 4 / channels;
  const mono = new Float32Array(frames);
  for (let i = 0; i < frames; i++) mono[i] = bytes.readFloatLE(i * channels * 4);
  return { mono, channels, stream };
}

/** Magnitude of the DFT of `x` at `freqHz` (Goertzel), an independent spectrum estimate. */
function magnitudeAt(x: Float32Array, freqHz: number): number {
  const w = (2 * Math.PI * freqHz) / SR;
  const coeff = 2 * Math.cos(w);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < x.length; i++) {
    const s0 = x[i] + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return Math.sqrt(s1 * s1 + s2 * s2 - coeff * s1 * s2);
}

describe('vorbis_encoder', () => {
  it.each([
    { channels: 1, params: {} },
    { channels: 2, params: { quality: 2 } },
    { channels: 2, params: { bitrate: 96 } },
  ])(
    'encodes $channels ch with $params: ffmpeg decodes the right duration, 440 Hz still at 440 Hz',
    async ({ channels, params }) => {
      const seconds = 2;
      const tone = sine(440, 0.5, seconds * SR);
      const input = Array.from({ length: channels }, () => tone);
      const output = join(dir, `sine-440hz-${channels}ch-${JSON.stringify(params).replace(/\W/g, '')}.ogg`);
      await pipe(
        arrayDecoder(input, SR, { blockSize: 8192 }),
        new VorbisEncoder({ output, ...params }),
      ).run();

      const { mono, channels: decodedChannels, stream } = decode(output);
      expect(stream).toContain('vorbis');
      expect(decodedChannels).toBe(channels);
      expect(Math.abs(mono.length / SR - seconds)).toBeLessThanOrEqual(0.02);
      // Peak of the spectrum of the middle second, searched 1 Hz apart over 100..1000 Hz.
      const middle = mono.subarray(SR / 2, SR / 2 + SR);
      let best = 0;
      let bestMagnitude = 0;
      for (let f = 100; f <= 1000; f++) {
        const m = magnitudeAt(middle, f);
        if (m > bestMagnitude) {
          bestMagnitude = m;
          best = f;
        }
      }
      expect(best).toBe(440);
      // A 0.5 sine over N samples has a DFT magnitude of 0.5·N/2 at its frequency; lossy coding keeps it within 1 dB.
      expect(20 * Math.log10(bestMagnitude / ((0.5 * SR) / 2))).toBeGreaterThan(-1);
    },
  );

  it('writes smaller files at lower quality', async () => {
    const noise = new Float32Array(2 * SR);
    let seed = 7;
    for (let i = 0; i < noise.length; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      noise[i] = (seed / 2 ** 32 - 0.5) * 0.5;
    }
    const size = async (quality: number) => {
      const output = join(dir, `noise-q${quality}.ogg`);
      await pipe(arrayDecoder(noise, SR), new VorbisEncoder({ output, quality })).run();
      return statSync(output).size;
    };
    expect(await size(0)).toBeLessThan(await size(8));
  });

  it('checks quality and bitrate ranges, at construction', () => {
    const codeOf = (params: Record<string, unknown>) => {
      try {
        new VorbisEncoder(params);
      } catch (e) {
        return isTimesideError(e) ? `${e.code} ${e.message}` : String(e);
      }
      return 'ok';
    };
    expect(codeOf({ output: 'a.ogg', quality: 11 })).toMatch(/^E_PARAM .*"quality" must be ≤ 10/);
    expect(codeOf({ output: 'a.ogg', bitrate: 8 })).toMatch(/^E_PARAM .*"bitrate" must be ≥ 32/);
    expect(codeOf({ output: 'a.ogg', bitrate: 128 })).toBe('ok');
  });

  it('leaves no file and no ffmpeg running when the run fails midway', async () => {
    const failDir = mkdtempSync(join(dir, 'fail-'));
    class FailsMidway extends Processor {
      static override readonly meta: ProcessorMeta = {
        id: 'fails_midway',
        kind: 'analyzer',
        name: 'Fails midway',
        version: '1.0.0',
        description: 'throws once a second of audio has gone by',
        params: {},
      };
      override process(block: AudioBlock): void {
        if (block.start >= SR) throw new Error('boom');
      }
    }
    const run = pipe(
      arrayDecoder(sine(440, 0.5, 3 * SR), SR, { blockSize: 4096 }),
      new VorbisEncoder({ output: join(failDir, 'out.ogg') }),
      new FailsMidway(),
    ).run();
    await expect(run).rejects.toThrow(/fails_midway/);
    expect(readdirSync(failDir)).toEqual([]);
    expect(liveFfmpegProcesses()).toBe(0);
  });
});
