import { PassThrough, type Readable, type Writable } from 'node:stream';
import {
  type AudioBlock,
  encodeError,
  type ParamSchema,
  Processor,
  paramError,
  type SetupContext,
  type StreamFormat,
} from '@timeside/core';

/** The metadata tags every encoder takes as parameters (null: the source's, if it has one). */
export const TAG_NAMES = ['title', 'artist', 'album', 'date', 'genre', 'comment', 'track'] as const;
export type TagName = (typeof TAG_NAMES)[number];

/** Parameters shared by every encoder: where to write and which tags to write. */
export type EncoderParams = {
  /** Path of the file to write; null when the encoder streams instead (`stream()`). */
  output: string | null;
  /** Carry the source's tags (title, artist…) into the output (default: true). */
  copyTags: boolean;
} & { [K in TagName]: string | null };

/** Where an encoder writes: a temporary file the pipeline renames on success, or a stream. */
export type EncoderTarget =
  | { kind: 'file'; path: string; finalPath: string }
  | { kind: 'stream'; sink: Writable };

/**
 * The `output`, `copyTags` and tag parameters of an encoder writing `what` (e.g. 'the .ogg file'),
 * to spread into its `meta.params`.
 */
export function encoderParams(what: string): ParamSchema {
  const schema: Record<string, ParamSchema[string]> = {
    output: {
      type: 'string',
      default: null,
      nullable: true,
      description: `Path of ${what} to write (required unless the encoder streams: \`encoder.stream()\`)`,
    },
    copyTags: {
      type: 'boolean',
      default: true,
      description: 'Carry the source’s tags (title, artist, album…) into the output',
    },
  };
  for (const name of TAG_NAMES) {
    schema[name] = {
      type: 'string',
      default: null,
      nullable: true,
      description: `The ${name} tag (replaces the source’s)`,
    };
  }
  return schema;
}

/**
 * Base of every encoder: the choice between a file (`output`, written to a temporary name that the
 * pipeline renames on success and deletes on failure) and a stream (`stream()`), and the tags to
 * write (the source's, then the parameters'). Subclasses write the bytes: `open` in setup, `write`
 * per block (awaited: back-pressure reaches the decoder), `close` in finish, `abort` on failure.
 */
export abstract class Encoder<P extends EncoderParams = EncoderParams> extends Processor<P> {
  #sink?: Writable;
  #open = false;
  #completed = false;
  #signal?: AbortSignal;

  /**
   * Streams the encoded bytes instead of writing a file, while the pipeline runs. Call it before
   * `run()`. Without an argument it returns a Readable (an async iterable of Buffer chunks, or
   * `.pipe()` it); given a Writable (an HTTP response, a socket) it writes there with
   * back-pressure. On success the stream ends after the last chunk; on any failure it is
   * destroyed with the error, so a consumer never takes a cut stream for a whole one. A consumer
   * that reads slowly slows the whole pass down (it does not fill memory); one that never reads
   * stalls it. When `run()` rejects before this encoder was set up (the input cannot be opened),
   * the pipeline still releases it, which destroys the stream with an E_ENCODE.
   */
  stream(): Readable;
  stream<W extends Writable>(destination: W): W;
  stream(destination?: Writable): Readable | Writable {
    const id = this.meta.id;
    if (this.params.output) {
      throw paramError(id, 'output', 'is set: an encoder writes either to a file or to stream(), not both');
    }
    if (this.#sink) throw encodeError(id, 'stream', 'stream() was already called for this encoder');
    // 64 KiB held on our side; beyond it, back-pressure (ffmpeg's pipes hold 64 KiB each).
    const sink = destination ?? new PassThrough({ highWaterMark: 64 * 1024 });
    // A failure destroys the stream with its error; the run's rejection reports it, so a stream
    // nobody listens to for errors must not crash the process.
    sink.on('error', () => {});
    this.#sink = sink;
    return sink;
  }

  /** The tags to write: the source's (unless `copyTags` is off), then those given as parameters. */
  tags(ctx: SetupContext): Record<string, string> {
    const tags: Record<string, string> = this.params.copyTags ? { ...ctx.tags } : {};
    for (const name of TAG_NAMES) {
      const value = this.params[name];
      if (value !== null && value !== '') tags[name] = value;
    }
    return tags;
  }

  /** Where the output goes; named in errors as `finalPath` (or 'stream'). */
  #target(ctx: SetupContext): EncoderTarget {
    const id = this.meta.id;
    const output = this.params.output;
    if (this.#sink) return { kind: 'stream', sink: this.#sink };
    if (!output) {
      throw paramError(
        id,
        'output',
        `is required: give the path of the .${this.meta.extension} file to write, or call stream()`,
      );
    }
    try {
      return { kind: 'file', path: ctx.output(output), finalPath: output };
    } catch (error) {
      throw encodeError(
        id,
        output,
        `cannot write the ${this.meta.extension} file there: ${(error as Error).message}`,
        error,
      );
    }
  }

  override async setup(format: StreamFormat, ctx: SetupContext): Promise<void> {
    this.#signal = ctx.signal;
    const target = this.#target(ctx);
    await this.open(format, target, this.tags(ctx), ctx);
    this.#open = true;
  }

  override process(block: AudioBlock): Promise<void> | undefined {
    if (block.length === 0 || !this.#open) return undefined;
    return this.write(block);
  }

  override async finish(): Promise<void> {
    if (!this.#open) return;
    this.#open = false;
    await this.close();
    this.#completed = true;
  }

  override async release(): Promise<void> {
    // Still open only when the run failed before finish: stop writing; the pipeline deletes the file.
    const wasOpen = this.#open;
    this.#open = false;
    if (wasOpen) await this.abort();
    const sink = this.#sink;
    if (sink && !this.#completed && !sink.destroyed) {
      const reason: unknown = this.#signal?.reason;
      sink.destroy(
        reason instanceof Error
          ? reason
          : encodeError(this.meta.id, 'stream', 'the run failed before the stream was complete'),
      );
    }
  }

  /** Starts writing (fails here, before any decoding, when the output cannot be written). */
  protected abstract open(
    format: StreamFormat,
    target: EncoderTarget,
    tags: Record<string, string>,
    ctx: SetupContext,
  ): Promise<void>;
  /** Writes one block; the pipeline awaits it. */
  protected abstract write(block: AudioBlock): Promise<void>;
  /** Completes the output (and ends the stream). */
  protected abstract close(): Promise<void>;
  /** Stops after a failure: kills processes, closes files, destroys the stream. */
  protected abstract abort(): Promise<void>;
}
