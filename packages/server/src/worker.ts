/**
 * A queue worker (`timeside worker`): takes jobs from the BullMQ queue, fetches the item's file
 * from the server over HTTP (no shared filesystem), runs the same {@link runJob} as the embedded
 * runner, uploads the files and posts the job done. Bad input (a TimesideError: a file ffmpeg
 * cannot decode, a bad parameter) fails its job at once, without retries; anything else (the
 * server or the network away) is retried with backoff. A worker that dies mid-job loses its
 * lock, and BullMQ's stalled-job check gives the job to another.
 */
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { isTimesideError, listProcessors } from '@timeside/core';
import { type Job, UnrecoverableError, Worker } from 'bullmq';
import { runJob } from './job.js';
import { probeRedis, QUEUE_NAME, type QueueJobData, redisConnection } from './queue.js';

/** Shortest time between two progress updates of a job (ms): a shorter job sends none. */
const PROGRESS_INTERVAL_MS = 1000;

/** Options of {@link startWorker}. */
export interface WorkerOptions {
  /** `redis://HOST:PORT` of the deployment's Redis. */
  redis: string;
  /** The server's base URL (`http://host:port`). */
  server: string;
  /** The server's token (the worker posts results). */
  token: string;
  /** Jobs run at once (default: the number of cores). */
  concurrency?: number;
  /** How long a job's lock lives without renewal, in ms (BullMQ's default 30 s); a dead worker's job is taken over after about this. */
  lockDuration?: number;
  /** How often stalled jobs are looked for, in ms (default 30 s). */
  stalledInterval?: number;
  /** Name shown in `GET /api/queue` (default: host and pid). */
  name?: string;
  /** Scratch directory (default: the system's). */
  tmpDir?: string;
}

/** A running worker. */
export interface RunningWorker {
  worker: Worker<QueueJobData>;
  /** Takes no more jobs, lets the jobs in hand finish, then disconnects. */
  close(): Promise<void>;
}

/** A failure of the server's HTTP API: 4xx are the job's own fault (not retried), others are retried. */
class ServerError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Starts a worker on the queue; resolves once it is connected. */
export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  const base = options.server.replace(/\/+$/, '');
  const auth = { authorization: `Bearer ${options.token}` };

  const call = async (
    method: string,
    path: string,
    body?: RequestInit['body'],
    type?: string,
  ): Promise<Response> => {
    let response: Response;
    try {
      response = await fetch(`${base}${path}`, {
        method,
        headers: { ...auth, ...(type ? { 'content-type': type } : {}) },
        body,
      });
    } catch (error) {
      throw new Error(`server ${base} unreachable: ${(error as Error).message}`);
    }
    if (!response.ok) {
      const text = await response.text().catch(() => '');
      let message = text;
      try {
        message = (JSON.parse(text) as { message?: string }).message ?? text;
      } catch {}
      throw new ServerError(response.status, `${method} ${path}: ${response.status} ${message}`);
    }
    return response;
  };

  await probeRedis(options.redis);
  // Discover the plugins now, not in the first job (its time, and a broken plugin, show at start).
  await listProcessors();

  const processJob = async (job: Job<QueueJobData>): Promise<void> => {
    const spec = job.data;
    const dir = mkdtempSync(join(options.tmpDir ?? tmpdir(), 'timeside-job-'));
    const input = join(dir, `input${spec.ext}`);
    try {
      const media = await call('GET', `/api/items/${spec.item}/audio`);
      if (!media.body) throw new ServerError(502, `GET /api/items/${spec.item}/audio: no body`);
      await pipeline(Readable.fromWeb(media.body as WebReadableStream), createWriteStream(input));
      let lastUpdate = performance.now();
      const outputs = await runJob(spec, input, join(dir, 'out'), {
        // Every 10 %, and at most once per PROGRESS_INTERVAL_MS: each update is a Redis round trip
        // and a write on the server, which a job of a second needs none of.
        step: 0.1,
        onProgress: (p) => {
          const now = performance.now();
          if (now - lastUpdate < PROGRESS_INTERVAL_MS) return;
          lastUpdate = now;
          void job.updateProgress(p).catch(() => {});
        },
      });
      const prefix = `/api/tasks/${spec.task}/items/${spec.item}/results`;
      for (const o of outputs) {
        for (const [name, path] of [
          ['results.json', o.resultsPath],
          ...(o.file ? [[o.file.name, o.file.path]] : []),
        ]) {
          // Whole in memory: results and pictures are small, an encoder's file is as big as a stream of the item.
          await call(
            'PUT',
            `${prefix}/${o.preset}/files/${name}`,
            readFileSync(path),
            'application/octet-stream',
          );
        }
      }
      await call(
        'POST',
        `/api/tasks/${spec.task}/items/${spec.item}/done`,
        JSON.stringify({
          outputs: outputs.map((o) => ({
            preset: o.preset,
            resultIds: o.resultIds,
            files: o.file ? [o.file.name] : [],
          })),
        }),
        'application/json',
      );
    } catch (error) {
      if (isTimesideError(error)) {
        // Name the item, not this worker's scratch copy of it.
        throw new UnrecoverableError(error.message.split(input).join(`item ${spec.item}`));
      }
      if (error instanceof ServerError && error.status >= 400 && error.status < 500) {
        throw new UnrecoverableError(error.message);
      }
      throw error;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  const worker = new Worker<QueueJobData>(QUEUE_NAME, processJob, {
    connection: redisConnection(options.redis),
    concurrency: options.concurrency ?? cpus().length,
    name: options.name ?? `${hostname()}-${process.pid}`,
    ...(options.lockDuration ? { lockDuration: options.lockDuration } : {}),
    ...(options.stalledInterval ? { stalledInterval: options.stalledInterval } : {}),
    autorun: true,
  });
  worker.on('error', () => {});
  await worker.waitUntilReady();
  return { worker, close: () => worker.close() };
}
