/**
 * A worker thread of `timeside run --jobs N` (built to dist/batch-worker.js; started by
 * batch-pool.ts). It discovers the plugins itself (one core and one registry per thread), resolves
 * the plan it was started with, then runs the inputs it is sent one at a time, writing their
 * outputs and posting back only their outcomes.
 */
import { parentPort, threadId, workerData } from 'node:worker_threads';
import { abortError } from '../errors/index.js';
import type { FromWorker, ToWorker, WorkerInit } from './batch-pool.js';
import { toWire } from './batch-pool.js';
import { type InputOutcome, resolveSpecs, runInput } from './run-input.js';
// Registers core's own processors and installs plugin discovery, as the CLI's main thread does.
import '../registry/builtins.js';
import '../registry/discovery.js';

const port = parentPort;
if (!port) throw new Error('batch-worker.js runs in a worker thread started by `timeside run --jobs N`');

const init = workerData as WorkerInit;
const plan = resolveSpecs(init.plan);
// A plan that cannot be resolved here fails each input with the reason (see run below).
plan.catch(() => {});
let running: AbortController | undefined;

async function run(task: Extract<ToWorker, { type: 'run' }>): Promise<void> {
  const controller = new AbortController();
  running = controller;
  let percent = Number.NaN;
  let outcome: InputOutcome;
  try {
    outcome = await runInput(task.file, await plan, {
      outDir: task.outDir,
      resultFormats: task.resultFormats,
      signal: controller.signal,
      onProgress: (event) => {
        // One message per percent (one in all without a known total): the display shows no more.
        const now = event.fraction === undefined ? -1 : Math.floor(event.fraction * 100);
        if (now === percent) return;
        percent = now;
        port?.postMessage({ type: 'progress', ...event } satisfies FromWorker);
      },
    });
  } catch (error) {
    outcome = {
      label: task.file.label,
      status: controller.signal.aborted ? 'skipped' : 'failed',
      error,
      written: [],
      thread: threadId,
    };
  }
  running = undefined;
  port?.postMessage({ type: 'outcome', outcome: toWire(outcome) } satisfies FromWorker);
}

port.on('message', (message: ToWorker) => {
  if (message.type === 'abort') running?.abort(abortError(undefined, 'stopped by the main thread'));
  else void run(message);
});
