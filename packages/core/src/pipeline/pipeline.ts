import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { closeSync, mkdirSync, openSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Decoder } from '../decode/decoder.js';
import { replaceNonFinite } from '../decode/non-finite.js';
import { abortError, graphError, ioError, isTimesideError, processError } from '../errors/index.js';
import { canonicalKey, type Params } from '../processor/params.js';
import type {
  AudioBlock,
  FinishContext,
  NewResult,
  NodeSpec,
  Processor,
  ProcessorClass,
  SetupContext,
  StreamFormat,
} from '../processor/processor.js';
import { resolveProcessor } from '../registry/registry.js';
import { ResultContainer } from '../results/container.js';
import type { AnalyzerResult, AudioInfo } from '../results/result.js';

/** Progress of a run: frames decoded so far and, when known, in total. */
export interface ProgressEvent {
  framesDone: number;
  totalFrames?: number;
  /** 0..1 when the total is known. */
  fraction?: number;
}

/** A node of the graph: a processor instance and the nodes it consumes. */
export interface GraphNode {
  key: string;
  processor: Processor;
  deps: GraphNode[];
  /** Index in execution order. */
  index: number;
  /** Asked for by the user (a stage of the pipeline), not only required by another node. */
  requested: boolean;
}

interface PendingOutput {
  path: string;
  temp: string;
}

/**
 * Longest run of processing between two turns of the event loop (ms). Writes to an encoder's
 * ffmpeg move from the pipeline's buffers into the pipe only in a turn: with a turn per block,
 * ffmpeg emptied the pipe and waited while the analyzers worked.
 */
const EVENT_LOOP_TURN_MS = 1;

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

function keyOf(p: Processor): string {
  return canonicalKey(p.meta.id, p.params as Params);
}

/**
 * A decoder and its processors as a DAG, run in one pass (DESIGN.md §3): the decoder is the
 * source, fx form a chain after it, every other processor is a sink of the last fx, and the
 * nodes they require (downmix, frames, STFT, other analyzers) are merged by id + parameters.
 *
 * Events: `progress` (ProgressEvent).
 */
export class Pipeline extends EventEmitter {
  readonly decoder: Decoder;
  readonly #stages: Processor[] = [];
  /** Results of the last run. */
  results = new ResultContainer();
  #nodes: GraphNode[] = [];
  #running = false;
  #fxNonFinite = 0;

  constructor(decoder: Decoder, processors: Processor[] = []) {
    super();
    this.decoder = decoder;
    this.#stages.push(...processors);
  }

  /**
   * NaN and ±Infinity samples that the fx chain emitted in the last run and that were replaced by
   * 0 before the sinks (docs/decoding.md, "Non-finite samples"); 0 without fx.
   */
  get fxNonFiniteSamples(): number {
    return this.#fxNonFinite;
  }

  /** Adds processors (the original's `|`). */
  pipe(...processors: Processor[]): this {
    this.#stages.push(...processors);
    return this;
  }

  /**
   * The processors in execution order after resolving `requires` (built on demand; during a run,
   * the graph being run).
   */
  async graph(): Promise<readonly GraphNode[]> {
    if (!this.#running) await this.#build();
    return this.#nodes;
  }

  /** Builds the graph and keeps it as the current one; a run uses what it returns. */
  async #build(): Promise<{ nodes: GraphNode[]; fx: Processor[] }> {
    const byKey = new Map<string, GraphNode>();
    const nodes: GraphNode[] = [];
    const visiting = new Set<string>();
    const fx = this.#stages.filter((p) => p.meta.kind === 'fx');

    const instantiate = async (spec: NodeSpec, by: string): Promise<Processor> => {
      const cls: ProcessorClass =
        typeof spec.processor === 'string' ? await resolveProcessor(spec.processor) : spec.processor;
      if (!cls?.meta) throw graphError(`${by} requires an invalid node ${String(spec.processor)}`, by);
      return new cls(spec.params ?? {});
    };

    const add = async (processor: Processor): Promise<GraphNode> => {
      const key = keyOf(processor);
      const existing = byKey.get(key);
      if (existing) return existing;
      if (visiting.has(key))
        throw graphError(`${processor.meta.id} requires itself (a cycle)`, processor.meta.id);
      visiting.add(key);
      const deps: GraphNode[] = [];
      const specs = processor.meta.requires?.(processor.params as Params) ?? [];
      for (const spec of specs) deps.push(await add(await instantiate(spec, processor.meta.id)));
      visiting.delete(key);
      const node: GraphNode = { key, processor, deps, index: nodes.length, requested: false };
      byKey.set(key, node);
      nodes.push(node);
      return node;
    };

    for (const p of this.#stages) {
      const kind = p.meta.kind;
      if (kind === 'decoder')
        throw graphError(`${p.meta.id} is a decoder: a pipeline has one, its source`, p.meta.id);
      if (kind !== 'fx') (await add(p)).requested = true;
    }
    this.#nodes = nodes;
    return { nodes, fx };
  }

  /**
   * Decodes the source once and feeds every processor. Resolves with the results; on any failure
   * rejects with one TimesideError naming the processor (or file), after releasing everything and
   * deleting every output written so far.
   */
  async run(options: { signal?: AbortSignal } = {}): Promise<ResultContainer> {
    if (this.#running) throw graphError('this pipeline is already running');
    this.#running = true;
    const controller = new AbortController();
    let cancelled = false;
    const onAbort = () => {
      cancelled = true;
      controller.abort(options.signal?.reason);
    };
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });
    const signal = controller.signal;
    const outputs: PendingOutput[] = [];
    const results = new ResultContainer();
    const started: Processor[] = [];
    let audio: AudioInfo | undefined;
    let stage: { processor: Processor; hook: string } | undefined;
    this.#fxNonFinite = 0;

    const call = <T>(processor: Processor, hook: string, fn: () => T): T => {
      stage = { processor, hook };
      return fn();
    };
    /** Releases what started, last first (each once); returns the first failure. */
    const everStarted = new Set<Processor>();
    const releaseAll = async (): Promise<{ processor: Processor; error: unknown } | undefined> => {
      let failure: { processor: Processor; error: unknown } | undefined;
      for (const p of started.splice(0).reverse()) {
        everStarted.add(p);
        try {
          await p.release();
        } catch (error) {
          failure ??= { processor: p, error };
        }
      }
      return failure;
    };

    try {
      // This run's own graph: a concurrent graph() call may rebuild the pipeline's.
      const { nodes, fx: fxChain } = await this.#build();
      const decoder = this.decoder;
      started.push(decoder);
      const opened = await call(decoder, 'open', () => decoder.open(signal));
      audio = opened.audio;
      const sourceFormat: StreamFormat = opened.format;
      const audioInfo = audio;
      const tags = Object.freeze({ ...opened.tags });

      const ctxFor = (inputs: readonly Processor[]): SetupContext => ({
        audio: audioInfo,
        inputs,
        signal,
        tags,
        output: (path: string) => {
          const full = resolve(path);
          const temp = join(dirname(full), `.${basename(full)}.${randomBytes(4).toString('hex')}.part`);
          try {
            mkdirSync(dirname(full), { recursive: true });
            // Created and removed now: an output that cannot be written fails before any audio is
            // decoded (a processor that registers an output but never writes it still fails at the end).
            closeSync(openSync(temp, 'wx'));
            rmSync(temp);
          } catch (error) {
            throw ioError(full, `cannot write: ${(error as Error).message}`, error);
          }
          outputs.push({ path: full, temp });
          return temp;
        },
      });

      // Each fx sees the format its predecessor emits; the sinks see the last one's.
      let format = sourceFormat;
      for (const fx of fxChain) {
        started.push(fx);
        const input = format;
        await call(fx, 'setup', () => fx.setup(input, ctxFor([])));
        format = call(fx, 'outputFormat', () => fx.outputFormat(input));
      }
      for (const node of nodes) {
        started.push(node.processor);
        const ctx = ctxFor(node.deps.map((d) => d.processor));
        await call(node.processor, 'setup', () => node.processor.setup(format, ctx));
      }

      await this.#pump(nodes, fxChain, sourceFormat, signal, call);
      if (this.#fxNonFinite > 0) audioInfo.fxNonFiniteSamples = this.#fxNonFinite;

      stage = undefined;
      const own = nodes.map(() => new ResultContainer());
      for (const node of nodes) {
        const processor = node.processor;
        const ctx: FinishContext = {
          audio: audioInfo,
          results,
          inputResults: node.deps.map((d) => own[d.index]),
          addResult: (r: NewResult) => {
            const full: AnalyzerResult = {
              description: '',
              dataMode: 'value',
              ...r,
              processor: {
                id: processor.meta.id,
                version: processor.meta.version,
                params: { ...(processor.params as Params) },
              },
              audio: audioInfo,
            };
            own[node.index].add(full);
            results.add(full);
            return full;
          },
        };
        await call(processor, 'finish', () => processor.finish(ctx));
      }
      // A run cancelled before it commits is cancelled, however quietly its stages stopped.
      signal.throwIfAborted();
      // Release before renaming: a failed release fails the run, and a failed run keeps no output.
      const failed = await releaseAll();
      if (failed) {
        stage = { processor: failed.processor, hook: 'release' };
        throw failed.error;
      }
      stage = undefined;
      for (const out of outputs) {
        try {
          renameSync(out.temp, out.path);
        } catch (error) {
          throw ioError(out.path, `cannot write: ${(error as Error).message}`, error);
        }
      }
      outputs.length = 0;
      this.results = publishResults(nodes, own);
      return this.results;
    } catch (error) {
      // Whatever a cancelled run failed with (a killed ffmpeg, a closed stream), it was cancelled.
      const failure = cancelled
        ? abortError(audio?.uri ?? this.decoder.meta.id, 'the run was aborted', options.signal?.reason)
        : this.#wrap(error, stage, audio?.uri);
      // The signal carries the run's error, so a stage that reports it (a streaming encoder) says the same.
      controller.abort(failure);
      throw failure;
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
      // After a failure: a release failing too would only mask the error reported.
      await releaseAll();
      // Stages the run never reached are released too (release always runs): a streaming encoder
      // ends its consumer's stream instead of leaving it waiting when the input cannot be opened.
      for (const p of [this.decoder, ...this.#stages]) {
        if (everStarted.has(p)) continue;
        try {
          await p.release();
        } catch {
          // The run already failed; this stage held nothing the run could report.
        }
      }
      for (const out of outputs) rmSync(out.temp, { force: true });
      this.#running = false;
    }
  }

  /** Pulls the decoder's blocks (in `format`, the source's) through the fx chain into the sinks. */
  async #pump(
    nodes: readonly GraphNode[],
    fxChain: readonly Processor[],
    format: StreamFormat,
    signal: AbortSignal,
    call: <T>(p: Processor, hook: string, fn: () => T) => T,
  ): Promise<void> {
    const outputs: unknown[] = new Array(nodes.length);
    const inputs: unknown[][] = nodes.map((n) => new Array(n.deps.length));
    const total = format.totalFrames;
    let done = 0;
    let sawEnd = false;
    let lastTurn = performance.now();
    const empty: AudioBlock = {
      data: Array.from({ length: format.channels }, () => new Float32Array(0)),
      start: 0,
      length: 0,
      eod: true,
    };

    const push = async (source: AudioBlock) => {
      let block = source;
      for (const fx of fxChain) {
        let out = call(fx, 'process', () => fx.process(block, []));
        if (isThenable(out)) out = await out;
        if (out) block = out as AudioBlock;
      }
      // The decoder's NaN/Inf policy holds after the fx too: the sinks see finite samples only.
      if (fxChain.length > 0) this.#fxNonFinite += replaceNonFinite(block.data, block.length);
      for (let i = 0; i < nodes.length; i++) {
        const node = nodes[i];
        const args = inputs[i];
        for (let d = 0; d < node.deps.length; d++) args[d] = outputs[node.deps[d].index];
        let out = call(node.processor, 'process', () => node.processor.process(block, args));
        if (isThenable(out)) out = await out;
        outputs[i] = out;
        if (performance.now() - lastTurn > EVENT_LOOP_TURN_MS) {
          await new Promise<void>((resolve) => setImmediate(resolve));
          lastTurn = performance.now();
        }
      }
      // Progress counts source frames: an fx (resample) may emit blocks of another length.
      done = source.start + source.length;
      // An estimated total (ffprobe's, for compressed files) is replaced by the count at the end.
      this.emit('progress', {
        framesDone: done,
        totalFrames: block.eod ? done : total,
        fraction: block.eod ? 1 : total ? Math.min(1, done / total) : undefined,
      } satisfies ProgressEvent);
    };

    const decoder = this.decoder;
    const iterator = call(decoder, 'blocks', () => decoder.blocks(signal)[Symbol.asyncIterator]());
    try {
      for (;;) {
        const next = await call(decoder, 'read', () => iterator.next());
        if (next.done) break;
        signal.throwIfAborted();
        await push(next.value);
        if (next.value.eod) {
          sawEnd = true;
          break;
        }
      }
    } finally {
      // Closing the source must not mask the error that ended the loop.
      await Promise.resolve(iterator.return?.()).catch(() => undefined);
    }
    if (!sawEnd) {
      empty.start = done;
      await push(empty);
    }
  }

  #wrap(error: unknown, stage: { processor: Processor; hook: string } | undefined, file?: string): Error {
    if (!stage) return isTimesideError(error) ? error : processError('pipeline', 'run', error, file);
    const id = stage.processor.meta.id;
    if (isTimesideError(error) && (error.file || error.processor)) return error;
    return processError(id, stage.hook, error, file);
  }
}

/**
 * The results of a run, by id: those of the requested processors first (in the order asked), then
 * those of nodes only required by others. When two nodes produce the same result id (the same
 * analyzer twice with other parameters), the first keeps the id and the next get `id#2`, `id#3`…;
 * each result's `processor.params` tells them apart.
 */
function publishResults(nodes: readonly GraphNode[], own: readonly ResultContainer[]): ResultContainer {
  const published = new ResultContainer();
  const ordered = [...nodes.filter((n) => n.requested), ...nodes.filter((n) => !n.requested)];
  for (const node of ordered) {
    for (const result of own[node.index]) {
      let id = result.id;
      for (let n = 2; published.has(id); n++) id = `${result.id}#${n}`;
      published.add(id === result.id ? result : { ...result, id });
    }
  }
  return published;
}

/** Builds a pipeline: `pipe(decoder, a, b, c).run()` (the original's `decoder | a | b | c`). */
export function pipe(decoder: Decoder, ...processors: Processor[]): Pipeline {
  return new Pipeline(decoder, processors);
}
