import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AudioBlock,
  arrayDecoder,
  isTimesideError,
  Processor,
  type ProcessorMeta,
  pipe,
} from '@timeside/core';
import { afterAll, describe, expect, it } from 'vitest';
import { quantize } from './dsp/pcm.js';
import { WavEncoder } from './wav_encoder.js';

const ffmpeg: string =
  process.env.FFMPEG_PATH ??
  createRequire(new URL('../../core/package.json', import.meta.url))('@ffmpeg-installer/ffmpeg').path;

const dir = mkdtempSync(join(tmpdir(), 'timeside-wav-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Decodes `path` with ffmpeg to interleaved float32; also returns ffmpeg's description of the stream. */
function readWithFfmpeg(path: string): { samples: Float32Array; stream: string } {
  const run = spawnSync(ffmpeg, ['-hide_banner', '-i', path, '-f', 'f32le', '-acodec', 'pcm_f32le', '-'], {
    maxBuffer: 64 * 1024 * 1024,
  });
  expect(run.status, run.stderr.toString()).toBe(0);
  const stream = /Stream #0:0: Audio: ([^\n]*)/.exec(run.stderr.toString())?.[1] ?? '';
  const bytes = run.stdout as Buffer;
  const samples = new Float32Array(bytes.length / 4);
  for (let i = 0; i < samples.length; i++) samples[i] = bytes.readFloatLE(i * 4);
  return { samples, stream };
}

/** A test signal per channel: sines of different frequencies and levels, seeded noise on channel 2. */
function signal(channels: number, frames: number, sampleRate: number): Float32Array[] {
  let seed = 12345;
  const out: Float32Array[] = [];
  for (let c = 0; c < channels; c++) {
    const ch = new Float32Array(frames);
    for (let i = 0; i < frames; i++) {
      if (c === 2) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        ch[i] = (seed / 2 ** 32 - 0.5) * 1.6;
      } else {
        ch[i] = (0.9 / (c + 1)) * Math.sin((2 * Math.PI * 440 * (c + 1) * i) / sampleRate);
      }
    }
    out.push(ch);
  }
  return out;
}

describe('quantize (ffmpeg float → integer rule)', () => {
  it.each([
    { sample: 0, scale: 32768, expected: 0 },
    { sample: 0.5, scale: 32768, expected: 16384 },
    { sample: -0.5, scale: 32768, expected: -16384 },
    { sample: 1, scale: 32768, expected: 32767 },
    { sample: -1, scale: 32768, expected: -32768 },
    { sample: 3, scale: 32768, expected: 32767 },
    { sample: Number.NaN, scale: 32768, expected: 0 },
    { sample: 1.5 / 32768, scale: 32768, expected: 2 },
    { sample: 2.5 / 32768, scale: 32768, expected: 2 },
    { sample: -2.5 / 8388608, scale: 8388608, expected: -2 },
    { sample: 1, scale: 8388608, expected: 8388607 },
    { sample: -1, scale: 8388608, expected: -8388608 },
  ])('$sample × $scale → $expected', ({ sample, scale, expected }) => {
    expect(quantize(sample, scale)).toBe(expected);
  });
});

describe('wav_encoder', () => {
  it.each([
    { format: 'pcm16', channels: 2, frames: 44100, codec: 'pcm_s16le', tolerance: 0.5 / 32768 },
    { format: 'pcm24', channels: 1, frames: 22051, codec: 'pcm_s24le', tolerance: 0.5 / 8388608 },
    { format: 'float32', channels: 2, frames: 30000, codec: 'pcm_f32le', tolerance: 0 },
    { format: 'pcm16', channels: 3, frames: 10000, codec: 'pcm_s16le', tolerance: 0.5 / 32768 },
  ] as const)(
    '$format, $channels ch, $frames frames: ffmpeg reads back the input within quantisation',
    async ({ format, channels, frames, codec, tolerance }) => {
      const sampleRate = 44100;
      const input = signal(channels, frames, sampleRate);
      const output = join(dir, `sine-${format}-${channels}ch.wav`);
      await pipe(
        arrayDecoder(input, sampleRate, { blockSize: 4096 }),
        new WavEncoder({ output, format }),
      ).run();

      const { samples, stream } = readWithFfmpeg(output);
      expect(stream).toContain(codec);
      expect(stream).toContain(`${sampleRate} Hz`);
      expect(samples.length).toBe(frames * channels);
      let worst = 0;
      for (let i = 0; i < frames; i++) {
        for (let c = 0; c < channels; c++) {
          worst = Math.max(worst, Math.abs(samples[i * channels + c] - input[c][i]));
        }
      }
      expect(worst).toBeLessThanOrEqual(tolerance * (1 + 1e-6));
      // RIFF sizes patched at finish: whole file minus 8, and the data chunk (plus a pad byte if odd).
      const bytes = readFileSync(output);
      const dataBytes = frames * channels * { pcm16: 2, pcm24: 3, float32: 4 }[format];
      expect(bytes.readUInt32LE(4)).toBe(bytes.length - 8);
      expect(bytes.length).toBeGreaterThanOrEqual(dataBytes + 44);
      expect(bytes.length % 2).toBe(0);
    },
  );

  it('rounds exact ties to even, as ffmpeg converts float to 16-bit (ffmpeg as the oracle)', async () => {
    // (k + ½)/32768 for k = −4 … 4 and around 100: each sample × 32768 is an exact tie.
    const ties = Float32Array.from([-4, -3, -2, -1, 0, 1, 2, 3, 4, 99, 100, 101], (k) => (k + 0.5) / 32768);
    const raw = Buffer.from(ties.buffer, ties.byteOffset, ties.byteLength);
    const run = spawnSync(
      ffmpeg,
      ['-hide_banner', '-f', 'f32le', '-ar', '8000', '-ac', '1', '-i', 'pipe:0', '-f', 's16le', 'pipe:1'],
      { input: raw },
    );
    expect(run.status, run.stderr.toString()).toBe(0);
    const expected = Array.from({ length: ties.length }, (_, i) => (run.stdout as Buffer).readInt16LE(2 * i));

    const output = join(dir, 'ties-pcm16.wav');
    await pipe(arrayDecoder(ties, 8000), new WavEncoder({ output, format: 'pcm16' })).run();
    const bytes = readFileSync(output);
    const written = Array.from({ length: ties.length }, (_, i) => bytes.readInt16LE(44 + 2 * i));
    expect(written).toEqual(expected);
  });

  it('writes a valid empty file for an empty stream', async () => {
    const output = join(dir, 'empty.wav');
    await pipe(arrayDecoder(new Float32Array(0), 8000), new WavEncoder({ output })).run();
    expect(readFileSync(output).length).toBe(44);
    expect(readWithFfmpeg(output).samples.length).toBe(0);
  });

  it('requires an output path or stream(), failing at setup before any block is read', async () => {
    const decoder = arrayDecoder(new Float32Array(100), 8000);
    let blocksRead = 0;
    const blocks = decoder.blocks.bind(decoder);
    decoder.blocks = () => {
      blocksRead++;
      return blocks();
    };
    const error = await pipe(decoder, new WavEncoder())
      .run()
      .catch((e: unknown) => e);
    expect(isTimesideError(error)).toBe(true);
    expect((error as { code: string }).code).toBe('E_PARAM');
    expect(String((error as Error).message)).toMatch(/wav_encoder: parameter "output" is required/);
    expect(blocksRead).toBe(0);
  });

  it('rejects an unknown format', () => {
    expect(() => new WavEncoder({ output: 'x.wav', format: 'pcm8' })).toThrow(
      /parameter "format" must be one of/,
    );
  });

  it('leaves no file when the run fails after writing started', async () => {
    const failDir = mkdtempSync(join(dir, 'fail-'));
    class FailsMidway extends Processor {
      static override readonly meta: ProcessorMeta = {
        id: 'fails_midway',
        kind: 'analyzer',
        name: 'Fails midway',
        version: '1.0.0',
        description: 'throws on the third block',
        params: {},
      };
      override process(block: AudioBlock): void {
        if (block.start >= 8192) throw new Error('boom');
      }
    }
    const input = signal(1, 44100, 44100);
    const run = pipe(
      arrayDecoder(input, 44100, { blockSize: 4096 }),
      new WavEncoder({ output: join(failDir, 'out.wav') }),
      new FailsMidway(),
    ).run();
    await expect(run).rejects.toThrow(/fails_midway/);
    expect(readdirSync(failDir)).toEqual([]);
  });
});
