/**
 * One input of `timeside run`, as the in-process path and the batch worker threads both run it:
 * the pipeline of the plan on that file, its outputs and its results JSON.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { fileDecoder } from '../decode/file-decoder.js';
import { nonFiniteWarning } from '../decode/non-finite.js';
import { Pipeline, type ProgressEvent } from '../pipeline/pipeline.js';
import { getProcessorEntry } from '../registry/registry.js';
import type { ResultContainer } from '../results/container.js';
import type { ResultFormat } from '../results/serialize/formats.js';
import { writeResults } from '../results/serialize/index.js';
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
  /** What the user should know about a completed input (non-finite samples replaced by 0). */
  warnings?: string[];
}

/** Where an input's outputs go and what it reports to. */
export interface RunInputOptions {
  outDir: string;
  /** Results files to write (`--results`; empty when no analyzer runs). */
  resultFormats: readonly ResultFormat[];
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
 * The results file of an input in a format: `<stem>.results.json|yaml|h5|eaf|jams`; for the
 * per-result formats the base `<stem>.csv`, `<stem>.txt`, `<stem>.sv.csv`, whose files are
 * `<stem>.<result id>.csv` and so on.
 */
export function resultsPathOf(file: InputFile, outDir: string, format: ResultFormat): string {
  switch (format) {
    case 'csv':
      return join(outDir, `${file.stem}.csv`);
    case 'audacity':
      return join(outDir, `${file.stem}.txt`);
    case 'sv':
      return join(outDir, `${file.stem}.sv.csv`);
    case 'hdf5':
      return join(outDir, `${file.stem}.results.h5`);
    default:
      return join(outDir, `${file.stem}.results.${format}`);
  }
}

/**
 * Every file an input may write, complete: one per grapher or encoder, then the results files.
 * Named here once so the pipeline's outputs and the cleanup after a crashed worker agree.
 */
export function outputsOf(
  file: InputFile,
  plan: readonly PlannedProcessor[] | readonly PlannedSpec[],
  outDir: string,
  resultFormats: readonly ResultFormat[],
): { byProcessor: (string | undefined)[]; results: { format: ResultFormat; path: string }[] } {
  return {
    byProcessor: plan.map((p) =>
      p.writesFile ? join(outDir, `${file.stem}.${p.id}.${p.extension}`) : undefined,
    ),
    results: resultFormats.map((format) => ({ format, path: resultsPathOf(file, outDir, format) })),
  };
}

// Results files are written atomically by the serializers; the same helpers, for the CLI's cleanup.
export { isTempNameOf, writeFileAtomic } from '../results/serialize/atomic.js';

/**
 * The warning for an input whose fx chain emitted `count` non-finite samples: it names the fx, so
 * that the file is not taken for a damaged one (the decoder's warning is another).
 */
function fxNonFiniteWarning(file: string, count: number, fxIds: readonly string[]): string {
  return (
    `${file}: the fx chain (${fxIds.join(', ')}) produced ${count} non-finite sample${count === 1 ? '' : 's'} ` +
    '(NaN or ±Infinity), replaced by 0 before analysis; the results carry audio.fxNonFiniteSamples'
  );
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
    const outputs = outputsOf(file, plan, options.outDir, options.resultFormats);
    const processors = plan.map((p, i) => {
      const output = outputs.byProcessor[i];
      if (output) written.push(output);
      return instantiate(p, output ?? '');
    });
    const decoder = fileDecoder(file.path);
    const pipeline = new Pipeline(decoder, processors);
    pipeline.on('progress', options.onProgress);
    const results: ResultContainer = await pipeline.run({ signal: options.signal });
    const resultFiles: string[] = [];
    try {
      for (const { format, path } of outputs.results) {
        resultFiles.push(...(await writeResults([...results], path, format)));
      }
    } catch (error) {
      // One format failed: the input failed, so none of its results files stays.
      for (const path of resultFiles) rmSync(path, { force: true });
      throw error;
    }
    written.push(...resultFiles);
    const warnings: string[] = [];
    if (decoder.nonFiniteSamples > 0) warnings.push(nonFiniteWarning(file.label, decoder.nonFiniteSamples));
    if (pipeline.fxNonFiniteSamples > 0) {
      const fxIds = plan.filter((p) => p.kind === 'fx').map((p) => p.id);
      warnings.push(fxNonFiniteWarning(file.label, pipeline.fxNonFiniteSamples, fxIds));
    }
    return {
      label: file.label,
      status: 'done',
      written,
      elapsedMs: elapsed(),
      thread: threadId,
      warnings: warnings.length > 0 ? warnings : undefined,
    };
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
