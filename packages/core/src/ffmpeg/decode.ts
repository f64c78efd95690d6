import { resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { abortError, decodeError } from '../errors/index.js';
import { describeOutcome, FfmpegRun, newCommand } from './run.js';

/** Options of {@link ffmpegDecode}. */
export interface FfmpegDecodeOptions {
  /** Where to start, in seconds (default: 0). ffmpeg seeks the input (`-ss` before `-i`). */
  start?: number;
  /** How much to decode, in seconds (default: to the end). */
  duration?: number;
  /** Output sample rate in Hz (default: the input's); ffmpeg resamples. */
  sampleRate?: number;
  /** Output channel count (default: the input's); ffmpeg up- or downmixes. */
  channels?: number;
  /** Aborts the decoding: ffmpeg is killed and the iteration throws an `E_ABORT` error. */
  signal?: AbortSignal;
  /** The name used in error messages (default: the input as given). */
  name?: string;
  /**
   * Samples on the pipe: 'f32' (default, f32le) or 's16' (s16le: half the bytes, exact only for a
   * stream whose decoder gives 16-bit integers and that is neither resampled nor remixed).
   */
  pcm?: 'f32' | 's16';
}

/** True for inputs ffmpeg should open as URLs (`http://`, `https://`, …), false for local paths. */
export function isUrl(input: string): boolean {
  return /^[a-z][a-z0-9+.-]+:\/\//i.test(input);
}

/** Seconds as ffmpeg parses them (no exponent notation). */
export function ffmpegSeconds(seconds: number): string {
  return seconds.toFixed(9);
}

/** The fluent-ffmpeg command of a decoding: raw f32le of the first audio stream to `output`. */
function decodeCommand(input: string, options: FfmpegDecodeOptions, output: PassThrough) {
  const source = isUrl(input) ? input : resolve(input);
  const inputOptions = ['-hide_banner', '-nostdin', '-loglevel', 'error'];
  if (isUrl(input)) inputOptions.push('-rw_timeout', '30000000');
  if (options.start) inputOptions.push('-ss', ffmpegSeconds(options.start));
  const outputOptions = ['-map', '0:a:0', '-vn', '-sn', '-dn'];
  if (options.duration !== undefined) outputOptions.push('-t', ffmpegSeconds(options.duration));
  if (options.channels) outputOptions.push('-ac', String(options.channels));
  if (options.sampleRate) outputOptions.push('-ar', String(options.sampleRate));
  if (options.pcm === 's16') outputOptions.push('-c:a', 'pcm_s16le', '-f', 's16le');
  else outputOptions.push('-c:a', 'pcm_f32le', '-f', 'f32le');
  return newCommand()
    .input(source)
    .inputOptions(inputOptions)
    .output(output, { end: true })
    .outputOptions(outputOptions);
}

/**
 * ffmpeg decoding a file or URL to raw 32-bit float (or, with `pcm: 's16'`, 16-bit integer),
 * little-endian, interleaved samples, as an
 * async iterable of the Buffers ffmpeg writes to stdout (typically 4–64 KiB, not aligned to
 * frames or even to samples). ffmpeg is spawned when iteration starts; iteration is
 * back-pressured (ffmpeg blocks while the consumer does not pull). Iterate it once.
 *
 * On an early `return`/`break`, an error in the consumer, `abort()` or the signal, ffmpeg is
 * killed and awaited before the iteration ends. A non-zero exit throws a TimesideError
 * (`E_DECODE`) naming the input, with the last lines of ffmpeg's stderr.
 */
export class FfmpegDecodeStream implements AsyncIterable<Buffer> {
  readonly input: string;
  readonly options: FfmpegDecodeOptions;
  #run?: FfmpegRun;
  #iterated = false;
  #aborted = false;

  constructor(input: string, options: FfmpegDecodeOptions = {}) {
    this.input = input;
    this.options = options;
  }

  /** The name used in error messages. */
  get name(): string {
    return this.options.name ?? this.input;
  }

  [Symbol.asyncIterator](): AsyncGenerator<Buffer, void, undefined> {
    if (this.#iterated) throw decodeError(this.name, 'an ffmpeg decode stream can be iterated only once');
    this.#iterated = true;
    return this.#chunks();
  }

  async *#chunks(): AsyncGenerator<Buffer, void, undefined> {
    const { signal } = this.options;
    if (this.#aborted || signal?.aborted) throw abortError(this.name);
    // Object mode on the readable side hands over ffmpeg's chunks one by one, never concatenated.
    const output = new PassThrough({ readableObjectMode: true, readableHighWaterMark: 8 });
    const run = new FfmpegRun(decodeCommand(this.input, this.options, output));
    this.#run = run;
    // If ffmpeg never starts (fluent-ffmpeg failed to prepare), nothing would end the output.
    run.started.catch(() => output.end());
    const onAbort = () => void this.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    let complete = false;
    try {
      for await (const chunk of output) {
        if (this.#aborted) break;
        yield chunk as Buffer;
      }
      const outcome = await run.finished;
      if (this.#aborted) throw abortError(this.name);
      // fluent-ffmpeg reports "Output stream closed" when the process's 'exit' comes more than
      // 20 ms after its stdout ended (processor.js), as on a busy machine; once every byte was
      // read and ffmpeg exited 0, the decoding succeeded.
      const lateExit =
        outcome.error?.message === 'Output stream closed' && outcome.code === 0 && !outcome.signal;
      if (outcome.error && !lateExit) throw decodeError(this.name, describeOutcome(outcome), outcome.error);
      complete = true;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      if (!complete) {
        output.destroy();
        await run.kill();
      }
    }
  }

  /** Kills ffmpeg (if running) and resolves once it has exited. Idempotent. */
  async abort(): Promise<void> {
    this.#aborted = true;
    await this.#run?.kill();
  }
}

/**
 * Decodes `input` (a local path or an http(s) URL) with ffmpeg to raw f32le interleaved samples.
 * See {@link FfmpegDecodeStream}.
 *
 * @example
 * for await (const chunk of ffmpegDecode('song.mp3', { sampleRate: 44100, channels: 1 })) { … }
 */
export function ffmpegDecode(input: string, options: FfmpegDecodeOptions = {}): FfmpegDecodeStream {
  return new FfmpegDecodeStream(input, options);
}
