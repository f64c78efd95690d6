import type { ResultContainer } from '../results/container.js';
import type { AnalyzerResult, AudioInfo } from '../results/result.js';
import { type ParamSchema, type Params, validateParams } from './params.js';

/** What a processor does in the pipeline. `adapter` nodes (downmix, framing, STFT) are shared inputs. */
export type Kind = 'decoder' | 'fx' | 'analyzer' | 'grapher' | 'encoder' | 'adapter';

/** A node a processor consumes: another processor (class or registered id) with parameters. */
export interface NodeSpec {
  processor: ProcessorClass | string;
  params?: Record<string, unknown>;
}

/** A result a processor produces, declared in its metadata for `timeside info` and the docs. */
export interface ResultSpec {
  id: string;
  name: string;
  unit: string;
  description?: string;
}

/** Static metadata of a processor: the one place its id, kind, parameters and results are declared. */
export interface ProcessorMeta {
  /** snake_case, stable; TimeSide's ids where one exists ('level', 'waveform_simple'). */
  id: string;
  kind: Kind;
  /** Human name. */
  name: string;
  /** Semver of the processor's behaviour: bump it when its output changes. */
  version: string;
  description: string;
  params: ParamSchema;
  /** Results it produces (analyzers). */
  results?: readonly ResultSpec[];
  /** File extension of what it writes (graphers, encoders), without the dot. */
  extension?: string;
  /** Nodes this processor consumes, given its validated parameters; their outputs arrive in `process`. */
  requires?(params: Params): NodeSpec[];
}

/** Format of the stream entering a processor. */
export interface StreamFormat {
  sampleRate: number;
  channels: number;
  /** Exact or estimated number of frames (per channel), when known. */
  totalFrames?: number;
}

/** Planar float32 audio, frames [start, start + length). `data[c]` may be longer than `length`. */
export interface AudioBlock {
  data: Float32Array[];
  /** Frame index of data[c][0] in the stream. */
  start: number;
  length: number;
  /** True on the last block of the stream (which may be empty). */
  eod: boolean;
}

/** What `setup` receives besides the format. */
export interface SetupContext {
  /** The audio being processed. */
  audio: AudioInfo;
  /** The instances of the nodes listed by `requires`, in that order. */
  inputs: readonly Processor[];
  /**
   * Registers an output file. Returns the temporary path to write to; the pipeline renames it to
   * `path` when the whole run succeeds and deletes it on any failure.
   */
  output(path: string): string;
  /** Aborted when the run fails or is cancelled; long operations should honour it. */
  signal: AbortSignal;
  /**
   * The source's descriptive tags as its decoder read them (title, artist, album…, keys in lower
   * case; empty when it has none), e.g. for encoders to carry them into what they write.
   */
  tags: Readonly<Record<string, string>>;
}

/** What `finish` receives. */
export interface FinishContext {
  audio: AudioInfo;
  /**
   * The results of each node listed by `requires`, in that order (they have finished). Read a
   * dependency's results here rather than from `results`: another node may produce the same ids.
   */
  inputResults: readonly ResultContainer[];
  /** All results gathered so far, by id (a later node with the same result id replaces an earlier). */
  results: ResultContainer;
  /** Adds a result, filling in `processor` and `audio`; returns it. */
  addResult(result: NewResult): AnalyzerResult;
}

/** A result as a processor builds it: the pipeline fills in processor and audio. */
export type NewResult = Omit<AnalyzerResult, 'processor' | 'audio' | 'description' | 'dataMode'> & {
  description?: string;
  dataMode?: AnalyzerResult['dataMode'];
};

/** A processor class: a constructor taking parameters, with static metadata. */
export interface ProcessorClass<T extends Processor<object> = Processor<object>> {
  new (params?: Record<string, unknown>): T;
  readonly meta: ProcessorMeta;
}

/**
 * Base of every processor. Life cycle: `setup(format)` → `process(block)` per block →
 * `finish()` (results, closing files) → `release()` (always runs, also after an error).
 * Parameters are validated at construction against `meta.params`.
 */
export abstract class Processor<P extends object = object> {
  static readonly meta: ProcessorMeta;
  /** Validated parameters, defaults filled in. */
  readonly params: P;

  constructor(params: Partial<P> | Record<string, unknown> = {}) {
    const meta = (this.constructor as unknown as ProcessorClass).meta;
    this.params = validateParams(meta.id, meta.params, params) as P;
  }

  /** The static metadata of this processor's class. */
  get meta(): ProcessorMeta {
    return (this.constructor as unknown as ProcessorClass).meta;
  }

  /** Called once before the first block, with the format of the stream entering it. */
  setup(_format: StreamFormat, _ctx: SetupContext): void | Promise<void> {}

  /**
   * fx only: the format of the stream this fx emits, given the one entering it (called after
   * `setup`). An fx that changes the channel count or the sample rate says so here, and every
   * processor after it is set up with the new format. (default: the input format, unchanged)
   */
  outputFormat(format: StreamFormat): StreamFormat {
    return format;
  }

  /**
   * Called for each block. `inputs` holds this block's outputs of the nodes listed by `requires`.
   * An fx returns the block it changes (in its own buffers: `block.data` may be the decoder's or
   * the caller's arrays, which an fx must not write), with `start` and `length` in its output
   * format's frames; an adapter returns its output for this block; sinks return nothing (or a
   * promise, to exert back-pressure).
   */
  process(_block: AudioBlock, _inputs: readonly unknown[]): unknown {
    return undefined;
  }

  /** Called once after the last block: produce results, close files. */
  finish(_ctx: FinishContext): void | Promise<void> {}

  /** Always called at the end, after success or failure: free resources, kill processes. */
  release(): void | Promise<void> {}
}
