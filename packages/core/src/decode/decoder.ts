import { Pipeline } from '../pipeline/pipeline.js';
import type { AudioBlock, StreamFormat } from '../processor/processor.js';
import { Processor } from '../processor/processor.js';
import type { AudioInfo } from '../results/result.js';

/** What a decoder reports when it opens its source. */
export interface OpenedStream {
  format: StreamFormat;
  audio: AudioInfo;
}

/**
 * Base of decoders: the source of a pipeline. `open()` reads the header (and fails early on bad
 * input), `blocks()` yields planar float32 blocks, the last with `eod` set, and `release()`
 * closes files and kills external processes.
 */
export abstract class Decoder<P extends object = object> extends Processor<P> {
  /** Opens the source; throws a TimesideError (E_DECODE) naming the file on bad input. */
  abstract open(signal?: AbortSignal): Promise<OpenedStream>;

  /** The blocks of the stream, in order. Buffers may be reused between blocks. */
  abstract blocks(signal?: AbortSignal): AsyncIterable<AudioBlock>;

  /** A pipeline with this decoder as its source and `processors` as its first stages. */
  pipe(...processors: Processor[]): Pipeline {
    return new Pipeline(this, processors);
  }
}
