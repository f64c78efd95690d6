/**
 * The embedded task runner: each (task, item) pair is one pass of the pipeline over the item
 * with every preset of the experience, run in this process, at most `concurrency` at a time.
 * The queue is the store itself (pending rows), so a restart resumes what was pending.
 */

import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { commitJob, installOutputs, type JobSpec, resultDir, resultsOf, runJob } from './job.js';
import type { Store } from './store.js';

export { resultDir, resultsOf };

/** What went on, for logs and tests: `item` (task, item, status) and `task` (task, status). */
export interface RunnerEvents {
  item: [{ task: string; item: string; status: 'running' | 'done' | 'failed'; error?: string }];
  task: [{ task: string; status: string }];
}

/** How long `close()` waits for aborted pipelines to stop. */
const STOP_GRACE_MS = 10_000;

/** The error of an item the server stopped while it ran. */
const INTERRUPTED = 'the server stopped while this item was running; run the task again';

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
      const spec = jobSpec(store, task, itemId);
      const workDir = join(this.dataDir, 'tmp', randomUUID());
      try {
        const outputs = await runJob(spec, store.item(itemId).path, workDir, {
          signal,
          // One write per percent is enough for a client polling the task.
          onProgress: (progress) => store.setTaskItem(task, itemId, { progress }),
        });
        commitJob(store, this.dataDir, task, itemId, installOutputs(this.dataDir, itemId, outputs));
      } finally {
        rmSync(workDir, { recursive: true, force: true });
      }
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

/** The job of a (task, item) pair: the experience's presets, as stored now. */
export function jobSpec(store: Store, task: string, item: string): JobSpec {
  const presets = store.experience(store.task(task).experience).presets.map((id) => store.preset(id));
  return { task, item, presets, uri: store.item(item).path };
}

/** Removes the stored results of an item (its directory). */
export function removeItemResults(dataDir: string, item: string): void {
  rmSync(join(dataDir, 'results', item), { recursive: true, force: true });
}
