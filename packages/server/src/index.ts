/**
 * @timeside/server — the REST API of TimeSide-TS (DESIGN.md §8): items, presets, experiences,
 * selections, tasks, results and annotation tracks over an SQLite store, an in-process task
 * runner, and on-the-fly streaming through the encoders. `timeside serve` starts it.
 */
import type { FastifyInstance } from 'fastify';
import { createApp, type ServerOptions } from './app.js';

export { createApp, type ServerOptions, type Timeside } from './app.js';
export { openDb } from './db.js';
export { HttpError } from './http-error.js';
export { safeName } from './ingest.js';
export { commitJob, type JobOutput, type JobSpec, runJob } from './job.js';
export { jobId, QUEUE_NAME, type QueueJobData, QueueRunner, type QueueState } from './queue.js';
export { resultDir, resultsOf, TaskRunner } from './runner.js';
export type {
  Annotation,
  Experience,
  Item,
  Preset,
  ResultRow,
  Selection,
  Status,
  Task,
  TaskItem,
  Track,
} from './store.js';
export { Store } from './store.js';
export { STREAM_FORMATS, Streamer, type StreamFormat } from './stream.js';
export { type RunningWorker, startWorker, type WorkerOptions } from './worker.js';

/** Options of {@link serve}: the app's, and where to listen. */
export interface ServeOptions extends ServerOptions {
  /** Port (default: 8000; 0 lets the system choose). */
  port?: number;
  /** Address to bind (default: 127.0.0.1). */
  host?: string;
}

/** A running server. */
export interface RunningServer {
  app: FastifyInstance;
  /** `http://host:port` as bound. */
  url: string;
  token: string;
  /** True when the token was generated at this start (show it to the user once). */
  tokenGenerated: boolean;
  /** Stops listening, aborts running work (marked failed at the next start) and closes the store. */
  close(): Promise<void>;
}

/** Creates the app on `options.dataDir` and listens (127.0.0.1:8000 unless told otherwise). */
export async function serve(options: ServeOptions): Promise<RunningServer> {
  const app = await createApp(options);
  const host = options.host ?? '127.0.0.1';
  try {
    await app.listen({ port: options.port ?? 8000, host });
  } catch (error) {
    await app.close();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    app,
    url: `http://${shown}:${port}`,
    token: app.timeside.token,
    tokenGenerated: app.timeside.tokenGenerated,
    close: () => app.close(),
  };
}
