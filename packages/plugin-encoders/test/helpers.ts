import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AudioBlock,
  Decoder,
  locateFfmpeg,
  type OpenedStream,
  Processor,
  type ProcessorMeta,
} from '@timeside/core';
import { afterAll, expect } from 'vitest';

/** The ffmpeg core uses: an independent decoder of what the encoders write. */
export const ffmpeg = (): string => locateFfmpeg().path;

/** A temporary directory removed after the test file. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Runs ffmpeg with `args`, failing the test with its stderr if it fails. */
export function runFfmpeg(args: string[]): Buffer {
  const run = spawnSync(ffmpeg(), ['-hide_banner', '-v', 'error', ...args], { maxBuffer: 1 << 30 });
  expect(run.status, run.stderr?.toString()).toBe(0);
  return run.stdout;
}

/**
 * A music-like stereo 16-bit WAV written by ffmpeg (so its samples come from outside the code under
 * test): a melody of harmonic notes with plucked envelopes, 4 notes a second, over a bass line in
 * the right channel.
 */
export function musicLikeWav(path: string, seconds: number, sampleRate = 44100, extra: string[] = []): void {
  const note = 'mod(floor(t*4)*5,12)';
  const f = `220*pow(2,${note}/12)`;
  const env = 'exp(-6*mod(t,0.25))';
  const melody = `${env}*(0.3*sin(2*PI*${f}*t)+0.15*sin(4*PI*${f}*t)+0.07*sin(6*PI*${f}*t))`;
  const bass = `0.2*sin(2*PI*55*pow(2,mod(floor(t),4)*2/12)*t)`;
  runFfmpeg([
    '-y',
    '-f',
    'lavfi',
    '-i',
    // Commas inside an expression are escaped from the filtergraph parser.
    `aevalsrc=${`${melody}|0.7*${melody}+${bass}`.replace(/,/g, '\\,')}:s=${sampleRate}:d=${seconds}`,
    '-c:a',
    'pcm_s16le',
    ...extra,
    path,
  ]);
}

/** Decodes `path` with ffmpeg to planar float32 at `sampleRate`, with `channels` channels. */
export function decodeFloat(path: string, sampleRate: number, channels: number): Float32Array[] {
  const bytes = runFfmpeg([
    '-i',
    path,
    '-ac',
    String(channels),
    '-ar',
    String(sampleRate),
    '-f',
    'f32le',
    '-',
  ]);
  const frames = bytes.length / 4 / channels;
  const out = Array.from({ length: channels }, () => new Float32Array(frames));
  for (let i = 0; i < frames; i++) {
    for (let c = 0; c < channels; c++) out[c][i] = bytes.readFloatLE((i * channels + c) * 4);
  }
  return out;
}

/** Decodes `path` with ffmpeg to interleaved signed 16-bit samples (its native rate and channels). */
export function decodeS16(path: string): Int16Array {
  const bytes = runFfmpeg(['-i', path, '-f', 's16le', '-acodec', 'pcm_s16le', '-']);
  return new Int16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
}

/** What ffmpeg says of the file's first audio stream and its tags (lower-case keys). */
export function describe(path: string): { stream: string; tags: Record<string, string> } {
  const run = spawnSync(ffmpeg(), ['-hide_banner', '-i', path, '-f', 'null', '-'], { encoding: 'utf8' });
  const stderr = run.stderr;
  const stream = /Stream #0:0[^:]*: Audio: ([^\n]*)/.exec(stderr)?.[1] ?? '';
  const tags: Record<string, string> = {};
  // ffmpeg prints each tag as "    key             : value" under "Metadata:" (input part only).
  const input = stderr.split(/\nOutput #0/)[0];
  for (const m of input.matchAll(/^\s{4,}(\w+)\s*: (.*)$/gm)) tags[m[1].toLowerCase()] = m[2];
  return { stream, tags };
}

/**
 * The lag (in frames) at which `b` best matches `a` (b[i + lag] ≈ a[i]), searched over
 * [−maxLag, maxLag] on an excerpt, and the Pearson correlation of the aligned signals.
 */
export function alignedCorrelation(
  a: Float32Array,
  b: Float32Array,
  maxLag: number,
): { lag: number; r: number } {
  const start = maxLag;
  const length = Math.min(22050, a.length - 2 * maxLag);
  let bestLag = 0;
  let best = Number.NEGATIVE_INFINITY;
  for (let lag = -maxLag; lag <= maxLag; lag++) {
    let sum = 0;
    for (let i = start; i < start + length; i++) sum += a[i] * (b[i + lag] ?? 0);
    if (sum > best) {
      best = sum;
      bestLag = lag;
    }
  }
  return { lag: bestLag, r: pearson(a, b, bestLag) };
}

/** Pearson correlation of a[i] and b[i + lag] over the frames both have. */
export function pearson(a: Float32Array, b: Float32Array, lag: number): number {
  const from = Math.max(0, -lag);
  const to = Math.min(a.length, b.length - lag);
  let sa = 0;
  let sb = 0;
  const n = to - from;
  for (let i = from; i < to; i++) {
    sa += a[i];
    sb += b[i + lag];
  }
  const ma = sa / n;
  const mb = sb / n;
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = from; i < to; i++) {
    const x = a[i] - ma;
    const y = b[i + lag] - mb;
    ab += x * y;
    aa += x * x;
    bb += y * y;
  }
  return ab / Math.sqrt(aa * bb);
}

/** Process ids of the ffmpeg processes this test process started. */
export function ffmpegChildren(): number[] {
  const run = spawnSync('ps', ['-o', 'pid=,comm=', '--ppid', String(process.pid)], { encoding: 'utf8' });
  return run.stdout
    .split('\n')
    .filter((line) => /ffmpeg/.test(line))
    .map((line) => Number.parseInt(line, 10));
}

/**
 * A long source computed block by block (nothing held in memory): two harmonic tones, one per
 * channel, over seeded low noise, for as many seconds as asked (hours are fine).
 */
export class SynthDecoder extends Decoder {
  static override readonly meta: ProcessorMeta = {
    id: 'synth_decoder',
    kind: 'decoder',
    name: 'Synthetic source',
    version: '1.0.0',
    description: 'Harmonic tones over noise, computed block by block',
    params: {},
  };
  readonly #frames: number;
  readonly #sampleRate: number;
  readonly #blockSize: number;

  constructor(seconds: number, sampleRate = 44100, blockSize = 8192) {
    super({});
    this.#sampleRate = sampleRate;
    this.#frames = Math.round(seconds * sampleRate);
    this.#blockSize = blockSize;
  }

  async open(): Promise<OpenedStream> {
    const sampleRate = this.#sampleRate;
    return {
      format: { sampleRate, channels: 2, totalFrames: this.#frames },
      audio: { uri: 'synth:', start: 0, duration: this.#frames / sampleRate, sampleRate, channels: 2 },
    };
  }

  async *blocks(signal?: AbortSignal): AsyncGenerator<AudioBlock> {
    const data = [new Float32Array(this.#blockSize), new Float32Array(this.#blockSize)];
    let seed = 42;
    const w = (2 * Math.PI) / this.#sampleRate;
    for (let start = 0; start < this.#frames; start += this.#blockSize) {
      signal?.throwIfAborted();
      const length = Math.min(this.#blockSize, this.#frames - start);
      for (let i = 0; i < length; i++) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        const noise = (seed / 2 ** 32 - 0.5) * 0.02;
        const n = start + i;
        data[0][i] = 0.3 * Math.sin(w * 330 * n) + 0.1 * Math.sin(w * 660 * n) + noise;
        data[1][i] = 0.3 * Math.sin(w * 220 * n) + 0.1 * Math.sin(w * 440 * n) + noise;
      }
      yield { data, start, length, eod: start + length >= this.#frames };
    }
  }
}

/** An analyzer that throws once `afterFrames` frames have gone by (a processor failing midway). */
export class FailsAfter extends Processor<{ afterFrames: number }> {
  static override readonly meta: ProcessorMeta = {
    id: 'fails_after',
    kind: 'analyzer',
    name: 'Fails midway',
    version: '1.0.0',
    description: 'throws once afterFrames frames have gone by',
    params: {
      afterFrames: { type: 'integer', default: 44100, minimum: 0, description: 'frames before failing' },
    },
  };
  override process(block: AudioBlock): void {
    if (block.start >= this.params.afterFrames) throw new Error('boom');
  }
}

/** A {@link SynthDecoder} that counts the blocks read from it (0 proves nothing was decoded). */
export function countingDecoder(seconds: number): { decoder: SynthDecoder; read: () => number } {
  const decoder = new SynthDecoder(seconds, 44100, 4096);
  let read = 0;
  const blocks = decoder.blocks.bind(decoder);
  decoder.blocks = async function* (signal?: AbortSignal) {
    for await (const block of blocks(signal)) {
      read++;
      yield block;
    }
  };
  return { decoder, read: () => read };
}
