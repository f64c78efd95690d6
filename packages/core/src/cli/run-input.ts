/**
 * One input of `timeside run`, as the in-process path and the batch worker threads both run it:
 * the pipeline of the plan on that file, its outputs and its results JSON.
 */
import { randomBytes } from 'node:crypto';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { fileDecoder } from '../decode/file-decoder.js';
import { ioError } from '../errors/index.js';
import { Pipeline, type ProgressEvent } from '../pipeline/pipeline.js';
import { getProcessorEntry } from '../registry/registry.js';
import type { ResultContainer } from '../results/container.js';
import type { InputFile } from './inputs.js';
import { instantiate, type PlannedProcessor } from './plan.js';

/** What happened to one input. */
export interface InputOutcome {
  label: string;
  status: 'done' | 'failed' | 'skipped';
  error?: unknown;
  /** Files written, complete (empty unless `done`). */
  written: string[];
  /** Wall time of the input, from the pipeline's construction to the results JSON written (ms), when it ran. */
  elapsedMs?: number;
  /** The thread it ran in (`threadId` of node:worker_threads: 0 for the main thread), when it ran. */
  thread?: number;
}

/** Where an input's outputs go and what it reports to. */
export interface RunInputOptions {
  outDir: string;
  /** Write `<stem>.results.json` (only asked for when an analyzer runs). */
  writeJson: boolean;
  /** Aborts the pipeline: ffmpeg is killed and temporary files deleted; the outcome is `skipped`. */
  signal: AbortSignal;
  onProgress: (event: ProgressEvent) => void;
}

/** A planned processor without its class: what crosses to a worker thread (structured-clone safe). */
export type PlannedSpec = Omit<PlannedProcessor, 'cls'>;

/** The plan as data, for a worker thread to resolve against its own registry. */
export function specsOf(plan: readonly PlannedProcessor[]): PlannedSpec[] {
  return plan.map(({ cls: _cls, ...spec }) => ({ ...spec, params: { ...spec.params } }));
}

/** The plan again, with the classes registered in this thread (its own discovery of plugins). */
export async function resolveSpecs(specs: readonly PlannedSpec[]): Promise<PlannedProcessor[]> {
  const plan: PlannedProcessor[] = [];
  for (const spec of specs) plan.push({ ...spec, cls: (await getProcessorEntry(spec.id)).processor });
  return plan;
}

/**
 * Every file an input may write, complete: one per grapher or encoder, then the results JSON.
 * Named here once so the pipeline's outputs and the cleanup after a crashed worker agree.
 */
export function outputsOf(
  file: InputFile,
  plan: readonly PlannedProcessor[] | readonly PlannedSpec[],
  outDir: string,
  writeJson: boolean,
): { byProcessor: (string | undefined)[]; json?: string } {
  return {
    byProcessor: plan.map((p) =>
      p.writesFile ? join(outDir, `${file.stem}.${p.id}.${p.extension}`) : undefined,
    ),
    json: writeJson ? join(outDir, `${file.stem}.results.json`) : undefined,
  };
}

/**
 * The temporary name a file is written under before it is renamed to `path`: hidden, beside it,
 * with a random part. The pipeline's `ctx.output` (pipeline.ts) uses the same pattern.
 */
function tempNameFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomBytes(4).toString('hex')}.part`);
}

/** Writes `text` to a temporary name beside `path`, then renames it: no partial file on failure. */
export function writeFileAtomic(path: string, text: string): void {
  const temp = tempNameFor(path);
  try {
    writeFileSync(temp, text);
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw ioError(path, `cannot write: ${(error as Error).message}`, error);
  }
}

/** Matches the temporary files of `path` (see `tempNameFor`). */
export function isTempNameOf(name: string, path: string): boolean {
  const prefix = `.${basename(path)}.`;
  return name.startsWith(prefix) && /^[0-9a-f]{8}\.part$/.test(name.slice(prefix.length));
}

/**
 * Runs the plan's pipeline on one input and writes its outputs. Never throws: a failure is an
 * outcome, and a failure while `signal` is aborted (Ctrl-C, --fail-fast) is `skipped`, not `failed`.
 */
export async function runInput(
  file: InputFile,
  plan: readonly PlannedProcessor[],
  options: RunInputOptions,
): Promise<InputOutcome> {
  const started = performance.now();
  const written: string[] = [];
  const elapsed = () => performance.now() - started;
  try {
    const outputs = outputsOf(file, plan, options.outDir, options.writeJson);
    const processors = plan.map((p, i) => {
      const output = outputs.byProcessor[i];
      if (output) written.push(output);
      return instantiate(p, output ?? '');
    });
    const pipeline = new Pipeline(fileDecoder(file.path), processors);
    pipeline.on('progress', options.onProgress);
    const results: ResultContainer = await pipeline.run({ signal: options.signal });
    if (outputs.json) {
      writeFileAtomic(outputs.json, `${JSON.stringify(results.toJSON())}\n`);
      written.push(outputs.json);
    }
    return { label: file.label, status: 'done', written, elapsedMs: elapsed(), thread: threadId };
  } catch (error) {
    // Interrupted (Ctrl-C, or another input failed under --fail-fast): not a failure of this input.
    return {
      label: file.label,
      status: options.signal.aborted ? 'skipped' : 'failed',
      error,
      written: [],
      elapsedMs: elapsed(),
      thread: threadId,
    };
  }
}
