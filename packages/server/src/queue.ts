/**
 * Scale-out (DESIGN.md §9): with a Redis URL, the server puts each (task, item) pair on a BullMQ
 * queue instead of running it, and `timeside worker` processes anywhere take them. The job id is
 * `<task>.<item>`, so enqueuing twice (a restart) adds nothing; a job's start, progress and final
 * failure come from the queue's own events and are written to the store here; its results come
 * back over HTTP (see queue-routes.ts).
 */
import { extname } from 'node:path';
import { ioError, usageError } from '@timeside/core';
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import type { JobSpec } from './job.js';
import { jobSpec } from './runner.js';
import type { Status, Store } from './store.js';

/** The BullMQ queue every server and worker of a deployment shares. */
export const QUEUE_NAME = 'timeside-jobs';

/** A job on the queue: the job spec, and the extension of the item's file (ffmpeg probes by content, this only names the copy). */
export interface QueueJobData extends JobSpec {
  ext: string;
}

/** The job id of a (task, item) pair; BullMQ ids may not contain `:`, ours never contain `.`. */
export const jobId = (task: string, item: string): string => `${task}.${item}`;

/** BullMQ's connection options from `redis://[user:password@]host:port[/db]`. */
export function redisConnection(url: string): {
  host: string;
  port: number;
  username?: string;
  password?: string;
  db?: number;
  maxRetriesPerRequest: null;
} {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw usageError(`--redis ${url}: give a redis://HOST:PORT URL`);
  }
  if (u.protocol !== 'redis:') throw usageError(`--redis ${url}: give a redis://HOST:PORT URL`);
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : undefined;
  return {
    host: u.hostname || '127.0.0.1',
    port: u.port ? Number(u.port) : 6379,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(db !== undefined && Number.isInteger(db) ? { db } : {}),
    // BullMQ's workers block on Redis; it asks for this setting.
    maxRetriesPerRequest: null,
  };
}

/**
 * Checks that Redis answers at `url`, once, before BullMQ connects (BullMQ's clients would retry
 * a dead address forever): an ioredis client without retries, a PING, then QUIT; fails naming
 * the URL.
 */
export async function probeRedis(url: string, timeoutMs = 5000): Promise<void> {
  const client = new Redis({
    ...redisConnection(url),
    lazyConnect: true,
    connectTimeout: timeoutMs,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.ping();
    await client.quit();
  } catch (error) {
    client.disconnect();
    throw ioError(
      url,
      `cannot reach Redis at ${url}: ${(error as Error).message}; is redis-server running there?`,
      error,
    );
  }
}

/** How often a job is tried (the first run and two retries), and the first backoff. */
const ATTEMPTS = 3;
const BACKOFF_MS = 1000;

/** The queue's state for `GET /api/queue`. */
export interface QueueState {
  waiting: number;
  active: number;
  delayed: number;
  completed: number;
  failed: number;
  workers: { name: string; addr: string; age: number }[];
}

/** The server's side of the queue: the same `recover`/`enqueue`/`close` as the embedded runner. */
export class QueueRunner {
  readonly queue: Queue<QueueJobData>;
  readonly events: QueueEvents;
  #closed = false;

  constructor(
    readonly store: Store,
    readonly redisUrl: string,
  ) {
    const connection = redisConnection(redisUrl);
    this.queue = new Queue<QueueJobData>(QUEUE_NAME, { connection });
    this.events = new QueueEvents(QUEUE_NAME, { connection });
    // A Redis outage is retried by ioredis; log nothing here, GET /api/queue shows it.
    this.queue.on('error', () => {});
    this.events.on('error', () => {});
    this.events.on('active', ({ jobId: id }) =>
      this.#guard(id, (task, item, status) => {
        if (status === 'done') return;
        this.store.markTaskRunning(task);
        this.store.setTaskItem(task, item, { status: 'running', progress: 0, error: null });
      }),
    );
    this.events.on('progress', ({ jobId: id, data }) =>
      this.#guard(id, (task, item, status) => {
        if (status === 'running' && typeof data === 'number')
          this.store.setTaskItem(task, item, { progress: data });
      }),
    );
    this.events.on('failed', ({ jobId: id, failedReason }) => {
      void this.#finalFailure(id, failedReason);
    });
  }

  /** Opens the queue after checking that Redis answers (a bad URL fails here, not at the first task). */
  static async open(store: Store, redisUrl: string): Promise<QueueRunner> {
    await probeRedis(redisUrl);
    const runner = new QueueRunner(store, redisUrl);
    await Promise.all([runner.queue.waitUntilReady(), runner.events.waitUntilReady()]);
    return runner;
  }

  /** Puts the pending work of the store on the queue again (ids make it idempotent); returns 0 (nothing is failed: workers hold what runs). */
  async recover(): Promise<number> {
    for (const w of this.store.pendingWork()) await this.#add(w.task, w.item);
    return 0;
  }

  /** Puts every pending item of a task on the queue. */
  async enqueue(task: string): Promise<void> {
    for (const t of this.store.task(task).items) {
      if (t.status === 'pending') await this.#add(task, t.item);
    }
  }

  /** Counts and live workers. */
  async state(): Promise<QueueState> {
    const counts = await this.queue.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed');
    const workers = await this.queue.getWorkers();
    return {
      waiting: counts.waiting ?? 0,
      active: counts.active ?? 0,
      delayed: counts.delayed ?? 0,
      completed: counts.completed ?? 0,
      failed: counts.failed ?? 0,
      workers: workers.map((w) => ({
        // BullMQ names the connection `bull:<queue, base64>:w:<worker name>`.
        name: String(w.rawname ?? w.name ?? '').replace(/^.*?:w:/, ''),
        addr: String(w.addr ?? ''),
        age: Number(w.age ?? 0),
      })),
    };
  }

  /** Closes the connections; jobs stay on the queue for the workers. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.events.close();
    await this.queue.close();
  }

  async #add(task: string, item: string): Promise<void> {
    const spec = jobSpec(this.store, task, item);
    const ext = extname(this.store.item(item).path);
    await this.queue.add(
      'item',
      { ...spec, ext },
      {
        jobId: jobId(task, item),
        attempts: ATTEMPTS,
        backoff: { type: 'exponential', delay: BACKOFF_MS },
        removeOnComplete: { count: 10_000 },
        removeOnFail: { count: 10_000 },
      },
    );
  }

  async #finalFailure(id: string, reason: string): Promise<void> {
    try {
      // An attempt that will be retried is not the item's failure.
      const job = await this.queue.getJob(id);
      if (job && (await job.getState()) !== 'failed') return;
    } catch {
      return;
    }
    this.#guard(id, (task, item, status) => {
      if (status === 'done') return;
      this.store.setTaskItem(task, item, { status: 'failed', error: reason });
      this.store.settleTask(task);
    });
  }

  #guard(id: string, f: (task: string, item: string, status: Status) => void): void {
    const dot = id.indexOf('.');
    if (dot < 0 || this.#closed) return;
    const task = id.slice(0, dot);
    const item = id.slice(dot + 1);
    try {
      const row = this.store.task(task).items.find((t) => t.item === item);
      if (row) f(task, item, row.status);
    } catch {
      // A task deleted meanwhile, or the store closed under a late event.
    }
  }
}
