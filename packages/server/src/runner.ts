/**
 * The embedded task runner: each (task, item) pair is one pass of the pipeline over the item
 * with every preset of the experience, run in this process, at most `concurrency` at a time.
 * The queue is the store itself (pending rows), so a restart resumes what was pending.
 */
import { EventEmitter } from 'node:events';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
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
import type { Store } from './store.js';

/** What went on, for logs and tests: `item` (task, item, status) and `task` (task, status). */
export interface RunnerEvents {
  item: [{ task: string; item: string; status: 'running' | 'done' | 'failed'; error?: string }];
  task: [{ task: string; status: string }];
}

/** How long `close()` waits for aborted pipelines to stop. */
const STOP_GRACE_MS = 10_000;

/** The error of an item the server stopped while it ran. */
const INTERRUPTED = 'the server stopped while this item was running; run the task again';

/** The directory of the results of `preset` on `item`. */
export function resultDir(dataDir: string, item: string, preset: string): string {
  return join(dataDir, 'results', item, preset);
}

/** Runs pending work from the store, `concurrency` pairs at a time. */
export class TaskRunner extends EventEmitter<RunnerEvents> {
  readonly #queue: { task: string; item: string }[] = [];
  readonly #running = new Map<string, AbortController>();
  #closed = false;

  constructor(
    readonly store: Store,
    readonly dataDir: string,
    readonly concurrency = 1,
  ) {
    super();
  }

  /**
   * Recovers after a start: what was running when the server stopped is marked failed (named so
   * in its error), what was pending is queued again.
   */
  recover(): number {
    const failed = this.store.failInterrupted(
      'the server stopped while this item was running; run the task again',
    );
    for (const work of this.store.pendingWork()) this.#queue.push(work);
    this.#pump();
    return failed;
  }

  /** Queues every item of a task just created. */
  enqueue(task: string): void {
    for (const t of this.store.task(task).items) {
      if (t.status === 'pending') this.#queue.push({ task, item: t.item });
    }
    this.#pump();
  }

  /** True while anything is queued or running. */
  get busy(): boolean {
    return this.#queue.length > 0 || this.#running.size > 0;
  }

  /** Stops taking work and aborts what runs (its rows are marked failed at the next start if the abort cannot finish). */
  async close(): Promise<void> {
    this.#closed = true;
    this.#queue.length = 0;
    const running = [...this.#running.values()];
    for (const c of running) c.abort();
    // Let aborted pipelines kill ffmpeg and delete their temporary files; one that does not stop
    // in time stays "running" in the store and is marked failed at the next start.
    const deadline = Date.now() + STOP_GRACE_MS;
    while (this.#running.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  }

  #pump(): void {
    while (!this.#closed && this.#running.size < this.concurrency && this.#queue.length > 0) {
      const work = this.#queue.shift() as { task: string; item: string };
      const key = `${work.task}/${work.item}`;
      const controller = new AbortController();
      this.#running.set(key, controller);
      this.#run(work.task, work.item, controller.signal).finally(() => {
        this.#running.delete(key);
        this.#pump();
      });
    }
  }

  async #run(task: string, itemId: string, signal: AbortSignal): Promise<void> {
    const { store } = this;
    try {
      store.markTaskRunning(task);
      store.setTaskItem(task, itemId, { status: 'running', progress: 0, error: null });
      this.emit('item', { task, item: itemId, status: 'running' });
      const item = store.item(itemId);
      const presets = store.experience(store.task(task).experience).presets.map((id) => store.preset(id));
      const staged: { preset: string; dir: string; processor: Processor; file?: string }[] = [];
      for (const preset of presets) {
        const dir = resultDir(this.dataDir, itemId, preset.id);
        mkdirSync(dir, { recursive: true });
        staged.push({ preset: preset.id, dir, ...(await instantiate(preset, dir)) });
      }
      const pipeline = new Pipeline(
        fileDecoder(item.path),
        staged.map((s) => s.processor),
      );
      let last = 0;
      pipeline.on('progress', ({ fraction }: { fraction?: number }) => {
        // One write per percent is enough for a client polling the task.
        if (fraction !== undefined && fraction - last >= 0.01) {
          last = fraction;
          store.setTaskItem(task, itemId, { progress: Math.min(fraction, 0.999) });
        }
      });
      const results = [...(await pipeline.run({ signal }))];
      for (const s of staged) {
        const own = resultsOf(results, s.processor);
        // Files exported in other formats from an earlier run are stale now.
        rmSync(join(s.dir, 'export'), { recursive: true, force: true });
        await writeResults(own, join(s.dir, 'results.json'), 'json');
        store.upsertResult({
          item: itemId,
          preset: s.preset,
          task,
          dir: s.dir,
          files: s.file ? [s.file] : [],
          resultIds: own.map((r) => r.id),
        });
      }
      store.setTaskItem(task, itemId, { status: 'done', progress: 1 });
      this.emit('item', { task, item: itemId, status: 'done' });
    } catch (error) {
      const message = signal.aborted ? INTERRUPTED : error instanceof Error ? error.message : String(error);
      try {
        store.setTaskItem(task, itemId, { status: 'failed', error: message });
      } catch {
        // The store is gone (closed under us): the next start marks the row failed.
      }
      this.emit('item', { task, item: itemId, status: 'failed', error: message });
    }
    try {
      const status = store.settleTask(task);
      if (status !== 'running') this.emit('task', { task, status });
    } catch {
      // As above: settled at the next start.
    }
  }
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

/** Removes the stored results of an item (its directory). */
export function removeItemResults(dataDir: string, item: string): void {
  rmSync(join(dataDir, 'results', item), { recursive: true, force: true });
}
