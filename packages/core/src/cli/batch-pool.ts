/**
 * The worker threads of `timeside run --jobs N`: decoding and DSP are synchronous JavaScript, so
 * inputs run concurrently in one thread share one core; in N threads they use N. Each thread
 * (batch-worker.ts) loads core and the plugins itself and runs whole inputs with `runInput`,
 * writing their outputs; only a small outcome comes back.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { ErrorCode, isTimesideError, TimesideError } from '../errors/index.js';
import { getProcessorEntry } from '../registry/registry.js';
import type { ResultFormat } from '../results/serialize/formats.js';
import type { InputFile } from './inputs.js';
import type { PlannedProcessor } from './plan.js';
import {
  type InputOutcome,
  isTempNameOf,
  outputsOf,
  type PlannedSpec,
  type RunInputOptions,
  specsOf,
} from './run-input.js';

/** How long an aborted worker may take to stop its pipeline (kill ffmpeg, delete temp files) before it is terminated. */
export const ABORT_GRACE_MS = 5000;

/** What a worker thread is started with. */
export interface WorkerInit {
  plan: PlannedSpec[];
}

/** Messages to a worker: run one input, or abort the one running. */
export type ToWorker =
  | { type: 'run'; file: InputFile; outDir: string; resultFormats: readonly ResultFormat[] }
  | { type: 'abort' };

/** Messages from a worker: progress of its input, then its outcome. */
export type FromWorker =
  | { type: 'progress'; framesDone: number; totalFrames?: number; fraction?: number }
  | { type: 'outcome'; outcome: WireOutcome };

/** An error as it crosses threads: TimesideError's class does not survive a structured clone. */
interface WireError {
  message: string;
  name?: string;
  code?: string;
  stack?: string;
}

/** An `InputOutcome` as it crosses threads. */
export interface WireOutcome extends Omit<InputOutcome, 'error'> {
  error?: WireError;
}

/** The outcome of an input, ready to post to the main thread. */
export function toWire(outcome: InputOutcome): WireOutcome {
  const { error, ...rest } = outcome;
  if (error === undefined) return rest;
  const wire: WireError =
    error instanceof Error
      ? { message: error.message, name: error.name, stack: error.stack }
      : { message: String(error) };
  if (isTimesideError(error)) wire.code = error.code;
  return { ...rest, error: wire };
}

function fromWire(wire: WireOutcome): InputOutcome {
  const { error, ...rest } = wire;
  if (!error) return rest;
  const rebuilt = error.code
    ? new TimesideError(error.code as ErrorCode, error.message)
    : new Error(error.message);
  if (error.stack) rebuilt.stack = error.stack;
  return { ...rest, error: rebuilt };
}

/**
 * The worker entry to run `plan` in threads, or undefined to run it in this thread instead: when
 * core runs from its TypeScript sources there is no worker file to start (batch-worker.ts is
 * built to batch-worker.js beside this module), and a processor registered in code rather than
 * by a plugin exists only in this thread.
 */
export async function batchWorkerUrl(plan: readonly PlannedProcessor[]): Promise<URL | undefined> {
  if (!import.meta.url.endsWith('.js')) return undefined;
  const url = new URL('./batch-worker.js', import.meta.url);
  if (!existsSync(url)) return undefined;
  for (const p of plan) if ((await getProcessorEntry(p.id)).source.via === 'code') return undefined;
  return url;
}

/** Deletes what a worker that died mid-input left: the temporary files of that input's outputs. */
function removeTempFiles(
  file: InputFile,
  plan: readonly PlannedSpec[],
  outDir: string,
  resultFormats: readonly ResultFormat[],
): void {
  const { byProcessor, results } = outputsOf(file, plan, outDir, resultFormats);
  const paths = [...byProcessor, ...results.map((r) => r.path)].filter((p): p is string => p !== undefined);
  const dirs = new Set(paths.map((p) => dirname(p)));
  for (const dir of dirs) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      // Per-result formats stage their files in a temporary directory: removed with it.
      if (paths.some((p) => isTempNameOf(name, p))) rmSync(join(dir, name), { recursive: true, force: true });
    }
  }
}

interface Task {
  worker: Worker;
  onMessage(message: FromWorker): void;
  onExit(code: number, error: unknown): void;
}

/**
 * One lane of the pool: a worker thread that runs one input at a time. A worker that dies (an
 * uncaught error, out of memory) fails only the input it was running; the next input starts a
 * new one.
 */
export class WorkerLane {
  readonly #url: URL;
  readonly #init: WorkerInit;
  #worker: Worker | undefined;
  #task: Task | undefined;

  constructor(url: URL, plan: readonly PlannedProcessor[]) {
    this.#url = url;
    this.#init = { plan: specsOf(plan) };
  }

  #spawn(): Worker {
    const worker = new Worker(this.#url, { workerData: this.#init });
    let error: unknown;
    worker.on('message', (message: FromWorker) => {
      if (this.#task?.worker === worker) this.#task.onMessage(message);
    });
    // An uncaught error is followed by 'exit'; kept for the message.
    worker.on('error', (e) => {
      error = e;
    });
    worker.on('exit', (code) => {
      if (this.#worker === worker) this.#worker = undefined;
      if (this.#task?.worker === worker) this.#task.onExit(code, error);
    });
    return worker;
  }

  /**
   * Runs one input in this lane's worker. Resolves with its outcome, never rejects. When `signal`
   * aborts, the worker aborts the pipeline and reports `skipped`; past ABORT_GRACE_MS it is
   * terminated and the input's temporary files are deleted here.
   */
  run(file: InputFile, options: RunInputOptions): Promise<InputOutcome> {
    if (this.#task) throw new Error('a worker lane runs one input at a time');
    this.#worker ??= this.#spawn();
    const worker = this.#worker;
    const { outDir, resultFormats, signal } = options;
    return new Promise((resolve) => {
      let grace: NodeJS.Timeout | undefined;
      const onAbort = () => {
        worker.postMessage({ type: 'abort' } satisfies ToWorker);
        grace = setTimeout(() => void worker.terminate(), ABORT_GRACE_MS);
      };
      const settle = (outcome: InputOutcome) => {
        this.#task = undefined;
        clearTimeout(grace);
        signal.removeEventListener('abort', onAbort);
        resolve(outcome);
      };
      this.#task = {
        worker,
        onMessage: (message) => {
          if (message.type === 'progress') options.onProgress(message);
          else settle(fromWire(message.outcome));
        },
        onExit: (code, error) => {
          removeTempFiles(file, this.#init.plan, outDir, resultFormats);
          if (signal.aborted) {
            settle({ label: file.label, status: 'skipped', written: [] });
            return;
          }
          const reason = error instanceof Error ? `crashed: ${error.message}` : `exited with code ${code}`;
          settle({
            label: file.label,
            status: 'failed',
            error: new TimesideError(
              ErrorCode.E_PROCESS,
              `${file.label}: the worker thread running it ${reason}`,
              {
                file: file.path,
                cause: error,
              },
            ),
            written: [],
          });
        },
      };
      worker.postMessage({ type: 'run', file, outDir, resultFormats } satisfies ToWorker);
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Stops the worker (idle once every input has settled). */
  async close(): Promise<void> {
    const worker = this.#worker;
    this.#worker = undefined;
    await worker?.terminate();
  }
}
