/**
 * Helpers of the reliability suite: files written byte by byte (independently of the code under
 * test), a seeded random generator, the full pipeline the corpus runs, and the checks every
 * failure must pass (one TimesideError naming the file, no file left behind).
 */
import { readdirSync } from 'node:fs';
import { Level } from '../../../plugin-aubio-like/src/level.js';
import { SpectralDescriptors } from '../../../plugin-aubio-like/src/spectral_descriptors.js';
import { VorbisEncoder } from '../../../plugin-encoders/src/vorbis_encoder.js';
import { WavEncoder } from '../../../plugin-encoders/src/wav_encoder.js';
import { WaveformSimple } from '../../../plugin-graphers/src/waveform_simple.js';
import { fileDecoder, isTimesideError, Pipeline, type Processor } from '../../src/index.js';

/** mulberry32: a small seeded PRNG, so generated "random" inputs are the same on every run. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `length` seeded random bytes. */
export function randomBytesSeeded(length: number, seed: number): Buffer {
  const next = seeded(seed);
  const b = Buffer.alloc(length);
  for (let i = 0; i < length; i++) b[i] = Math.floor(next() * 256);
  return b;
}

/** Fields of a `fmt ` chunk, any of them possibly absurd. */
export interface FmtFields {
  tag: number;
  channels: number;
  sampleRate: number;
  bits: number;
  /** Default: channels × ceil(bits / 8). */
  blockAlign?: number;
  /** WAVE_FORMAT_EXTENSIBLE fields (tag 0xFFFE): valid bits and the sub-format code (1 PCM, 3 float). */
  extensible?: { validBits: number; subFormat: number; guidTail?: number[] };
}

const GUID_TAIL = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];

/** A `fmt ` chunk body (16 bytes, or 40 for WAVE_FORMAT_EXTENSIBLE). */
export function fmtBody(f: FmtFields): Buffer {
  const blockAlign = f.blockAlign ?? f.channels * Math.ceil(f.bits / 8);
  const body = Buffer.alloc(f.extensible ? 40 : 16);
  body.writeUInt16LE(f.tag, 0);
  body.writeUInt16LE(f.channels & 0xffff, 2);
  body.writeUInt32LE(f.sampleRate >>> 0, 4);
  body.writeUInt32LE((f.sampleRate * blockAlign) >>> 0, 8);
  body.writeUInt16LE(blockAlign & 0xffff, 12);
  body.writeUInt16LE(f.bits, 14);
  if (f.extensible) {
    body.writeUInt16LE(22, 16);
    body.writeUInt16LE(f.extensible.validBits, 18);
    body.writeUInt32LE(0, 20);
    body.writeUInt16LE(f.extensible.subFormat, 24);
    Buffer.from(f.extensible.guidTail ?? GUID_TAIL).copy(body, 26);
  }
  return body;
}

/** One RIFF chunk: id, size (default: the body's length), body, pad byte when odd. */
export function chunk(id: string, body: Buffer, declaredSize = body.length): Buffer {
  const head = Buffer.alloc(8);
  head.write(id, 0, 'latin1');
  head.writeUInt32LE(declaredSize >>> 0, 4);
  return Buffer.concat([head, body, body.length % 2 ? Buffer.alloc(1) : Buffer.alloc(0)]);
}

/** A RIFF/WAVE file of the given chunks (the RIFF size is their total). */
export function riff(chunks: Buffer[], form = 'WAVE', id = 'RIFF'): Buffer {
  const body = Buffer.concat(chunks);
  const head = Buffer.alloc(12);
  head.write(id, 0, 'latin1');
  head.writeUInt32LE(4 + body.length, 4);
  head.write(form, 8, 'latin1');
  return Buffer.concat([head, body]);
}

/** A plain WAV: fmt then data, with an optional declared data size (to lie about it). */
export function wavFile(fmt: FmtFields, data: Buffer, declaredDataSize?: number): Buffer {
  return riff([chunk('fmt ', fmtBody(fmt)), chunk('data', data, declaredDataSize ?? data.length)]);
}

/**
 * Interleaved 16-bit PCM: a sine at rate / 8 on every channel, channel c at amplitude
 * amp · (1 − c / (2·channels)), so the loudest sample of the file is round(amp · 32767) (at frame 2).
 */
export function sinePcm16(frames: number, channels: number, rate: number, amp: number): Buffer {
  const b = Buffer.alloc(frames * channels * 2);
  for (let i = 0; i < frames; i++) {
    for (let c = 0; c < channels; c++) {
      const a = amp * (1 - c / (2 * channels));
      const v = Math.round(a * 32767 * Math.sin((2 * Math.PI * (rate / 8) * i) / rate));
      b.writeInt16LE(v, (i * channels + c) * 2);
    }
  }
  return b;
}

/** Interleaved float32 samples from planar values. */
export function float32Le(planar: number[][]): Buffer {
  const frames = planar[0].length;
  const channels = planar.length;
  const b = Buffer.alloc(frames * channels * 4);
  for (let i = 0; i < frames; i++)
    for (let c = 0; c < channels; c++) b.writeFloatLE(planar[c][i], (i * channels + c) * 4);
  return b;
}

/** What a failure must look like: one TimesideError whose message names the file and gives a reason. */
export function failureProblem(error: unknown, file: string): string | undefined {
  if (!isTimesideError(error)) {
    return `not a TimesideError: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
  }
  if (!error.message.includes(file)) return `the message does not name ${file}: ${error.message}`;
  // A reason: something after the file's name beyond punctuation.
  const after = error.message
    .split(file)
    .join('')
    .replace(/[\s:()"'.,-]/g, '');
  if (after.length < 8) return `the message gives no reason: ${error.message}`;
  return undefined;
}

/** Entries of `dir` (none expected after a failed run: no partial file, no temporary file). */
export function entries(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * A plugin processor built from its source. The plugins are typed against core's dist and run
 * against its src here (vitest's alias): one class, two types, hence the cast.
 */
export function make(cls: unknown, params: Record<string, unknown> = {}): Processor {
  return new (cls as new (p: Record<string, unknown>) => Processor)(params);
}

/** The full pipeline of the corpus: two analyzers, a grapher and two encoders, outputs in `outDir`. */
export function fullPipeline(file: string, outDir: string, stem: string): Pipeline {
  return new Pipeline(fileDecoder(file), [
    make(Level),
    make(SpectralDescriptors),
    make(WaveformSimple, { output: `${outDir}/${stem}.png`, width: 64, height: 32 }),
    make(WavEncoder, { output: `${outDir}/${stem}.wav` }),
    make(VorbisEncoder, { output: `${outDir}/${stem}.ogg` }),
  ]);
}

/** Rejects after `ms` with a marker error, so a case that hangs is counted, not waited for. */
export class Hang extends Error {}
export async function bounded<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Hang(`no answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
