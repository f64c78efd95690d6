/**
 * One job, two ways to run it: the embedded runner and a BullMQ worker both call
 * {@link runJob} (one pipeline pass over an item with every preset of the experience, in a
 * scratch directory), and the server stores what it produced with {@link commitJob}. The same
 * code makes the same results whichever way the job went.
 */
import { copyFileSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import {
  type AnalyzerResult,
  canonicalKey,
  fileDecoder,
  type Params,
  Pipeline,
  type Processor,
  writeResults,
} from '@timeside/core';
import { instantiate } from './presets.js';
import type { Preset, Store } from './store.js';

/** What a job needs: the (task, item) pair and the experience's presets, in order. */
export interface JobSpec {
  task: string;
  item: string;
  presets: Preset[];
  /** The item's file as the server knows it: the results' `audio.uri`, wherever the job ran. */
  uri: string;
}

/** What a job made for one preset, in its scratch directory. */
export interface JobOutput {
  preset: string;
  resultIds: string[];
  /** `results.json` (core's JSON of the preset's results). */
  resultsPath: string;
  /** The grapher's or encoder's file, when the preset writes one. */
  file?: { name: string; path: string };
}

/** The directory of the results of `preset` on `item`. */
export function resultDir(dataDir: string, item: string, preset: string): string {
  return join(dataDir, 'results', item, preset);
}

/**
 * Runs the pipeline of `spec` over `audioPath`, writing into `workDir/<preset>/`; progress is a
 * fraction in [0, 1).
 */
export async function runJob(
  spec: JobSpec,
  audioPath: string,
  workDir: string,
  options: { signal?: AbortSignal; onProgress?: (fraction: number) => void; step?: number } = {},
): Promise<JobOutput[]> {
  const staged = [];
  for (const preset of spec.presets) {
    const dir = join(workDir, preset.id);
    mkdirSync(dir, { recursive: true });
    staged.push({ preset: preset.id, dir, ...(await instantiate(preset, dir)) });
  }
  const pipeline = new Pipeline(
    fileDecoder(audioPath),
    staged.map((s) => s.processor),
  );
  const step = options.step ?? 0.01;
  let last = 0;
  pipeline.on('progress', ({ fraction }: { fraction?: number }) => {
    if (fraction !== undefined && fraction - last >= step) {
      last = fraction;
      options.onProgress?.(Math.min(fraction, 0.999));
    }
  });
  const results = [...(await pipeline.run({ signal: options.signal }))];
  const outputs: JobOutput[] = [];
  for (const s of staged) {
    // A stored result names its file, not the scratch path it was written to.
    const own = resultsOf(results, s.processor).map((r) => withoutScratchPath(r, spec.uri));
    const resultsPath = join(s.dir, 'results.json');
    await writeResults(own, resultsPath, 'json');
    outputs.push({
      preset: s.preset,
      resultIds: own.map((r) => r.id),
      resultsPath,
      ...(s.file ? { file: { name: s.file, path: join(s.dir, s.file) } } : {}),
    });
  }
  return outputs;
}

/** A result as stored: the item's own path for its audio, its file's name for an output. */
function withoutScratchPath(r: AnalyzerResult, uri: string): AnalyzerResult {
  const params = r.processor.params as Record<string, unknown>;
  const audio = r.audio ? { ...r.audio, uri } : r.audio;
  if (typeof params?.output !== 'string') return { ...r, audio };
  return {
    ...r,
    audio,
    processor: { ...r.processor, params: { ...params, output: basename(params.output) } },
  };
}

/**
 * Moves `from` to `dir/name` through a temporary name in `dir`, so a reader sees the old file or
 * the new one, never half of one; a second install of the same name replaces the first.
 */
export function installFile(from: string, dir: string, name: string): void {
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${name}.${process.pid}.${Date.now()}.part`);
  try {
    renameSync(from, tmp);
  } catch {
    // Another filesystem: copy through the temporary name.
    copyFileSync(from, tmp);
    rmSync(from, { force: true });
  }
  renameSync(tmp, join(dir, name));
}

/** Per preset, what the server stores: results and file names already in the result directory. */
export interface CommittedOutput {
  preset: string;
  resultIds: string[];
  files: string[];
}

/**
 * Records a finished job: each preset's result row (keyed by item × preset: a retried job
 * replaces it, never adds a second), the item done, the task settled.
 */
export function commitJob(
  store: Store,
  dataDir: string,
  task: string,
  item: string,
  outputs: CommittedOutput[],
): void {
  for (const o of outputs) {
    store.upsertResult({
      item,
      preset: o.preset,
      task,
      dir: resultDir(dataDir, item, o.preset),
      files: o.files,
      resultIds: o.resultIds,
    });
  }
  store.setTaskItem(task, item, { status: 'done', progress: 1, error: null });
}

/** Installs a job's outputs from its scratch directory into the result directories. */
export function installOutputs(dataDir: string, item: string, outputs: JobOutput[]): CommittedOutput[] {
  return outputs.map((o) => {
    const dir = resultDir(dataDir, item, o.preset);
    // Files exported in other formats from an earlier run are stale now.
    rmSync(join(dir, 'export'), { recursive: true, force: true });
    installFile(o.resultsPath, dir, 'results.json');
    if (o.file) installFile(o.file.path, dir, o.file.name);
    return { preset: o.preset, resultIds: o.resultIds, files: o.file ? [o.file.name] : [] };
  });
}

/**
 * The results a processor of the pass produced: those whose `processor` is it (same id, same
 * canonical parameters), with the `#2` suffix a second equal id got in the pass taken off.
 */
export function resultsOf(results: readonly AnalyzerResult[], processor: Processor): AnalyzerResult[] {
  const id = processor.meta.id;
  const key = canonicalKey(id, processor.params as Params);
  return results
    .filter((r) => r.processor.id === id && canonicalKey(id, r.processor.params as Params) === key)
    .map((r) => ({ ...r, id: r.id.replace(/#\d+$/, '') }));
}
