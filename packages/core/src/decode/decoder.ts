import { Pipeline } from '../pipeline/pipeline.js';
import type { AudioBlock, StreamFormat } from '../processor/processor.js';
import { Processor } from '../processor/processor.js';
import type { AudioInfo } from '../results/result.js';
import { replaceNonFinite } from './non-finite.js';

/** What a decoder reports when it opens its source. */
export interface OpenedStream {
  format: StreamFormat;
  audio: AudioInfo;
  /** The source's descriptive tags (title, artist…, keys in lower case), when it has any. */
  tags?: Readonly<Record<string, string>>;
}

/**
 * Base of decoders: the source of a pipeline. `open()` reads the header (and fails early on bad
 * input), `blocks()` yields planar float32 blocks, the last with `eod` set, and `release()`
 * closes files and kills external processes.
 *
 * Decoders deliver finite samples only (docs/decoding.md, "Non-finite samples"): a subclass
 * passes what `open()` returns through {@link Decoder.opened} and each block's arrays through
 * {@link Decoder.finite}, which replaces NaN and ±Infinity by 0 and counts them.
 */
export abstract class Decoder<P extends object = object> extends Processor<P> {
  #nonFinite = 0;
  #audio?: AudioInfo;

  /** NaN and ±Infinity samples replaced by 0 since the last `open()`. */
  get nonFiniteSamples(): number {
    return this.#nonFinite;
  }

  /**
   * Starts a new count for the stream just opened: its `audio` (which every result of the run
   * carries) gets `nonFiniteSamples` once a non-finite sample is replaced.
   */
  protected opened(stream: OpenedStream): OpenedStream {
    this.#nonFinite = 0;
    this.#audio = stream.audio;
    return stream;
  }

  /**
   * The stream ended after `frames` frames: the audio's `duration` (which every result carries)
   * becomes the count decoded, in place of an estimate from the container (a cut mp3 still
   * declares its whole length).
   */
  protected ended(frames: number): void {
    if (this.#audio && this.#audio.sampleRate > 0) this.#audio.duration = frames / this.#audio.sampleRate;
  }

  /** Replaces the non-finite samples of `data[c][offset … offset + length)` by 0 and counts them. */
  protected finite(data: readonly Float32Array[], length: number, offset = 0): number {
    const replaced = replaceNonFinite(data, length, offset);
    if (replaced > 0) {
      this.#nonFinite += replaced;
      if (this.#audio) this.#audio.nonFiniteSamples = this.#nonFinite;
    }
    return replaced;
  }

  /** Opens the source; throws a TimesideError (E_DECODE) naming the file on bad input. */
  abstract open(signal?: AbortSignal): Promise<OpenedStream>;

  /** The blocks of the stream, in order. Buffers may be reused between blocks. */
  abstract blocks(signal?: AbortSignal): AsyncIterable<AudioBlock>;

  /** A pipeline with this decoder as its source and `processors` as its first stages. */
  pipe(...processors: Processor[]): Pipeline {
    return new Pipeline(this, processors);
  }
}
