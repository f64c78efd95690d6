import { endianness } from 'node:os';
import type { Writable } from 'node:stream';
import { abortError, encodeError, type TimesideError } from '../errors/index.js';
import { describeOutcome, FfmpegRun, newCommand } from './run.js';

/**
 * Blocks handed to ffmpeg's stdin that may still be in the pipe: the pipeline runs up to this
 * many blocks ahead of the encoder, so that its analysis of the next blocks overlaps the encoding
 * (with two, each waited for the other at almost every block).
 */
const WRITE_DEPTH = 4;

/** Options of {@link createEncoder}. */
export interface EncoderOptions {
  /**
   * Where ffmpeg writes: a file path (overwritten if it exists; the pipeline passes a temporary
   * path), or a Writable that receives ffmpeg's stdout with back-pressure (a consumer that reads
   * slowly stalls ffmpeg, and so `write`). The Writable is ended after a clean exit and destroyed
   * with the error on any failure or abort, so a consumer never mistakes a cut stream for a whole
   * one. Streamed output needs a muxer that does not seek back (see `args`, e.g. fragmented mp4).
   */
  output: string | Writable;
  /** Sample rate of the audio written, in Hz. */
  sampleRate: number;
  /** Channel count of the audio written. */
  channels: number;
  /** ffmpeg muxer (`-f`), e.g. 'ogg', 'mp3', 'flac', 'wav' (default: guessed by ffmpeg from the output's extension). */
  format?: string;
  /** ffmpeg audio encoder (`-c:a`), e.g. 'libvorbis', 'libopus', 'libmp3lame', 'flac', 'aac' (default: the muxer's default). */
  codec?: string;
  /** Extra output options placed before the output path, e.g. `['-q:a', '5']` or `['-b:a', '192k']`. */
  args?: string[];
  /** Metadata tags written to the file (`-metadata key=value`), e.g. `{ title: 'Song', artist: 'Me' }`. */
  metadata?: Readonly<Record<string, string>>;
  /** Aborts the encoding: ffmpeg is killed (as by `abort()`). */
  signal?: AbortSignal;
  /** Processor id named in errors (default: 'ffmpeg'). */
  processor?: string;
  /** File named in errors, e.g. the final path when `output` is a temporary one (default: output, or 'stream'). */
  displayName?: string;
}

/** A running ffmpeg encoder fed with planar float32 audio; see {@link createEncoder}. */
export interface FfmpegEncoder {
  /** Resolves once ffmpeg has started; rejects (E_ENCODE) when the codec or format is not available. */
  readonly ready: Promise<void>;
  /** Frames accepted by `write` so far. */
  readonly framesWritten: number;
  /**
   * Interleaves frames [0, length) of `planar` (one array per channel) and sends them to ffmpeg.
   * Resolves when ffmpeg has taken everything but this block (back-pressure: at most one block in
   * flight); rejects with E_ENCODE (and ffmpeg's stderr) if ffmpeg failed. The arrays are read
   * when the write's turn comes, so they must not change until the returned promise settles (as
   * when a processor returns it from `process`). Calls may overlap: they are queued in order.
   */
  write(planar: readonly Float32Array[], length: number): Promise<void>;
  /**
   * Closes ffmpeg's input and resolves after a clean exit (and, for a Writable output, once all of
   * ffmpeg's output was handed to it and it was ended); otherwise rejects with E_ENCODE and
   * ffmpeg's stderr. With no frames written it kills ffmpeg and rejects with E_ENCODE: most
   * containers (ogg, mp3, m4a, webm) cannot hold an empty stream in a way decoders open.
   */
  end(): Promise<void>;
  /**
   * Kills ffmpeg and resolves once it has exited. The (partial) output file is left for the caller
   * to delete; a Writable output is destroyed.
   */
  abort(): Promise<void>;
}

const littleEndian = endianness() === 'LE';

class Encoder implements FfmpegEncoder {
  readonly ready: Promise<void>;
  #framesWritten = 0;
  readonly #options: EncoderOptions;
  readonly #run: FfmpegRun;
  #stdin?: Writable;
  /** The Writable output, when ffmpeg writes to its stdout. */
  #sink?: Writable;
  /** Settles once ffmpeg's stdout has ended (all of it piped to the sink). */
  #stdoutDone: Promise<void> = Promise.resolve();
  /** The queue of operations: each write/end starts after the previous one settled. */
  #queue: Promise<void>;
  /** Completion of the last stdin write (the data ffmpeg has not taken yet). */
  /** The latest write to ffmpeg's stdin (writes complete in order: awaiting it awaits them all). */
  #inFlight: Promise<void> = Promise.resolve();
  /** Interleaved buffers in turn, WRITE_DEPTH of them, and the write that last used each. */
  #buffers: Buffer[] = Array.from({ length: WRITE_DEPTH }, () => Buffer.alloc(0));
  #slotWrites: Promise<void>[] = Array.from({ length: WRITE_DEPTH }, () => Promise.resolve());
  #writes = 0;
  #failure?: TimesideError;
  #aborted = false;
  #ended = false;

  constructor(options: EncoderOptions) {
    this.#options = options;
    const { output, sampleRate, channels, format, codec, args = [], metadata = {} } = options;
    const command = newCommand()
      .input('pipe:0')
      .inputOptions(['-hide_banner', '-loglevel', 'error', '-f', 'f32le', '-ar', String(sampleRate)])
      .inputOptions(['-ac', String(channels)])
      // Ended by `end()` only after a clean exit, never by ffmpeg's stdout closing (a kill closes it too).
      .output(output, { end: false })
      .outputOptions(['-y', '-vn']);
    if (typeof output !== 'string') this.#sink = output;
    if (format) command.format(format);
    if (codec) command.audioCodec(codec);
    if (args.length) command.outputOptions(args);
    // As separate arguments: fluent-ffmpeg splits a lone "a b" option string at its space.
    for (const [key, value] of Object.entries(metadata))
      command.outputOptions('-metadata', `${key}=${value}`);
    this.#run = new FfmpegRun(command);
    this.ready = this.#run.started.then(
      (proc) => {
        const stdin = proc.stdin;
        if (!stdin) throw this.#fail('ffmpeg has no stdin');
        // EPIPE when ffmpeg dies: reported through the write callbacks and the exit status.
        stdin.on('error', () => {});
        this.#stdin = stdin;
        const stdout = proc.stdout;
        if (this.#sink && stdout) {
          this.#stdoutDone = new Promise<void>((resolve) => {
            stdout.once('end', resolve);
            stdout.once('close', resolve);
          });
        }
      },
      (error: Error) => {
        throw this.#fail(this.#aborted ? undefined : `ffmpeg could not start: ${error.message}`, error);
      },
    );
    this.ready.catch(() => {});
    this.#queue = this.ready;
    const signal = options.signal;
    if (signal) {
      if (signal.aborted) void this.abort();
      else signal.addEventListener('abort', () => void this.abort(), { once: true });
    }
  }

  get framesWritten(): number {
    return this.#framesWritten;
  }

  #name(): string {
    const { displayName, output } = this.#options;
    return displayName ?? (typeof output === 'string' ? output : 'stream');
  }

  /** Records (once) and returns the error every later call rejects with; a sink is destroyed with it. */
  #fail(reason: string | undefined, cause?: unknown): TimesideError {
    if (!this.#failure) {
      this.#failure =
        reason === undefined || this.#aborted
          ? abortError(this.#name(), 'the encoding was aborted')
          : encodeError(this.#options.processor ?? 'ffmpeg', this.#name(), reason, cause);
      // A consumer learns why the stream was cut: the run's own error when the run aborted us.
      const signal = this.#options.signal;
      const why = signal?.aborted && signal.reason instanceof Error ? signal.reason : this.#failure;
      if (this.#sink && !this.#sink.destroyed) this.#sink.destroy(why);
    }
    return this.#failure;
  }

  /** The error of a run that ended badly, with ffmpeg's own words. */
  async #failFromExit(cause?: unknown): Promise<TimesideError> {
    const outcome = await this.#run.finished;
    if (this.#aborted) return this.#fail(undefined);
    if (this.#sink?.destroyed && !this.#failure) {
      return this.#fail('the stream it writes to was closed before the end', outcome.error ?? cause);
    }
    return this.#fail(describeOutcome(outcome), outcome.error ?? cause);
  }

  #enqueue(op: () => Promise<void>): Promise<void> {
    const next = this.#queue.then(() => {
      if (this.#failure) throw this.#failure;
      return op();
    });
    this.#queue = next.catch(() => {});
    return next;
  }

  write(planar: readonly Float32Array[], length: number): Promise<void> {
    const channels = this.#options.channels;
    if (this.#ended) return Promise.reject(this.#fail('write() after end()'));
    if (planar.length !== channels || planar.some((c) => c.length < length) || !(length >= 0)) {
      return Promise.reject(
        encodeError(
          this.#options.processor ?? 'ffmpeg',
          this.#name(),
          `write() expects ${channels} channel arrays of at least ${length} frames, got ${planar.length}`,
        ),
      );
    }
    if (length === 0)
      return this.#queue.then(() => (this.#failure ? Promise.reject(this.#failure) : undefined));
    return this.#enqueue(async () => {
      // The buffer used WRITE_DEPTH writes ago is free once that write has completed.
      const slot = this.#writes++ % WRITE_DEPTH;
      await this.#slotWrites[slot];
      if (this.#failure) throw this.#failure;
      const bytes = length * channels * 4;
      let buffer = this.#buffers[slot];
      if (buffer.length < bytes) {
        buffer = Buffer.allocUnsafeSlow(bytes);
        this.#buffers[slot] = buffer;
      }
      interleave(planar, length, buffer);
      this.#framesWritten += length;
      const stdin = this.#stdin!;
      this.#inFlight = new Promise<void>((resolve, reject) => {
        stdin.write(buffer.subarray(0, bytes), (error) => {
          if (error) this.#failFromExit(error).then(reject, reject);
          else resolve();
        });
      });
      this.#slotWrites[slot] = this.#inFlight;
      // Handled by a later operation; this keeps a failure without a next one from going unhandled.
      this.#inFlight.catch(() => {});
    });
  }

  end(): Promise<void> {
    if (this.#ended)
      return this.#queue.then(() => (this.#failure ? Promise.reject(this.#failure) : undefined));
    this.#ended = true;
    return this.#enqueue(async () => {
      await this.#inFlight;
      if (this.#framesWritten === 0) {
        await this.#run.kill();
        const format = this.#options.format ?? this.#options.codec ?? 'output';
        throw this.#fail(
          `the stream is empty: there is no audio to encode, and an empty ${format} file would not open`,
        );
      }
      this.#stdin!.end();
      const outcome = await this.#run.finished;
      if (this.#aborted) throw this.#fail(undefined);
      if (outcome.error || outcome.code !== 0) throw this.#fail(describeOutcome(outcome), outcome.error);
      const sink = this.#sink;
      if (sink) {
        await this.#stdoutDone;
        if (sink.destroyed) throw this.#fail('the stream it writes to was closed before the end');
        sink.end();
      }
    });
  }

  async abort(): Promise<void> {
    this.#aborted = true;
    this.#fail(undefined);
    await this.#run.kill();
  }
}

/** Interleaves planar float32 into `out` as f32le. */
function interleave(planar: readonly Float32Array[], length: number, out: Buffer): void {
  const channels = planar.length;
  if (littleEndian && out.byteOffset % 4 === 0) {
    const view = new Float32Array(out.buffer, out.byteOffset, length * channels);
    for (let c = 0; c < channels; c++) {
      const src = planar[c];
      for (let i = 0, j = c; i < length; i++, j += channels) view[j] = src[i];
    }
    return;
  }
  for (let c = 0; c < channels; c++) {
    const src = planar[c];
    for (let i = 0; i < length; i++) out.writeFloatLE(src[i], (i * channels + c) * 4);
  }
}

/**
 * Starts an ffmpeg process that encodes raw float32 audio (fed by `write`, interleaved f32le on its
 * stdin) to `output`, e.g. `createEncoder({ output, sampleRate: 44100, channels: 2, format: 'ogg',
 * codec: 'libvorbis', args: ['-q:a', '5'] })`. Await `ready` to learn early that a codec is
 * missing; `write` each block (awaiting it gives back-pressure), then `end()`, or `abort()` on
 * failure. Every failure is a TimesideError: E_ENCODE (with ffmpeg's last stderr lines, naming
 * `processor` and `displayName`) or E_ABORT after `abort()`.
 */
export function createEncoder(options: EncoderOptions): FfmpegEncoder {
  const { output, sampleRate, channels } = options;
  const processor = options.processor ?? 'ffmpeg';
  const isWritable = typeof output === 'object' && output !== null && typeof output.write === 'function';
  if (!isWritable && (typeof output !== 'string' || output === ''))
    throw encodeError(processor, undefined, 'no output path given');
  const name = options.displayName ?? (isWritable ? 'stream' : (output as string));
  if (isWritable && !(output as Writable).writable)
    throw encodeError(processor, name, 'the stream to write to is already closed or ended');
  if (!Number.isInteger(sampleRate) || sampleRate <= 0) {
    throw encodeError(processor, name, `sample rate must be a positive integer, got ${sampleRate}`);
  }
  if (!Number.isInteger(channels) || channels <= 0) {
    throw encodeError(processor, name, `channel count must be a positive integer, got ${channels}`);
  }
  return new Encoder(options);
}
