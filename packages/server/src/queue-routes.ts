/**
 * The routes of the queue mode: `GET /api/queue` (counts and live workers), and what a worker
 * posts back. A worker uploads each file of a job with `PUT …/files/:name` (streamed to a
 * temporary name, renamed when complete), then `POST …/done` installs them in the result
 * directories and records the results. Both are idempotent, keyed by task × item × preset: a
 * retried job replaces its files and its result rows, never adds a second.
 */
import { createWriteStream, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { FastifyInstance } from 'fastify';
import { badRequest, HttpError } from './http-error.js';
import { commitJob, installFile, resultDir } from './job.js';
import { checkPreset, outputName, writesFile } from './presets.js';
import type { QueueRunner } from './queue.js';
import type { Store } from './store.js';

const ID = { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' } as const;
const NAME = { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}\\.[A-Za-z0-9]{1,8}$' } as const;

/** Where a job's uploads wait for its `done`. */
export function incomingDir(dataDir: string, task: string, item: string, preset: string): string {
  return join(dataDir, 'incoming', `${task}.${item}`, preset);
}

/** Registers the queue routes; `queue` is undefined when the server runs tasks in-process. */
export async function queueRoutes(
  app: FastifyInstance,
  { store, dataDir, queue }: { store: Store; dataDir: string; queue?: QueueRunner },
): Promise<void> {
  // Raw bodies for uploads, in this plugin's scope only.
  app.addContentTypeParser('application/octet-stream', (_request, payload, done) => done(null, payload));

  /** The names the server accepts for a preset's files: results.json and the name it gives the output. */
  const expectedFiles = async (task: string, item: string, preset: string): Promise<Set<string>> => {
    const t = store.task(task);
    if (!t.items.some((i) => i.item === item)) throw badRequest(`item ${item} is not in task ${task}`);
    if (!store.experience(t.experience).presets.includes(preset))
      throw badRequest(`preset ${preset} is not in the experience of task ${task}`);
    const p = store.preset(preset);
    const cls = await checkPreset(p.processor, p.params);
    const names = new Set(['results.json']);
    if (writesFile(cls)) names.add(outputName(cls, p.params));
    return names;
  };

  app.get(
    '/api/queue',
    {
      schema: {
        summary: 'The job queue: waiting, active, delayed, completed and failed counts, and the live workers',
      },
    },
    async () => {
      if (!queue) return { mode: 'in-process' };
      return { mode: 'queue', ...(await queue.state()) };
    },
  );

  app.put(
    '/api/tasks/:task/items/:item/results/:preset/files/:name',
    {
      schema: {
        summary: 'A worker uploads one file of a job (replaces an earlier upload of the same name)',
        params: {
          type: 'object',
          required: ['task', 'item', 'preset', 'name'],
          properties: { task: ID, item: ID, preset: ID, name: NAME },
        },
      },
    },
    async (request, reply) => {
      const { task, item, preset, name } = request.params as Record<string, string>;
      if (!(await expectedFiles(task, item, preset)).has(name))
        throw badRequest(`preset ${preset} makes no file named ${name}`, { file: name });
      if (!request.headers['content-type']?.startsWith('application/octet-stream'))
        throw new HttpError(415, 'E_NOT_OCTET_STREAM', 'send the file as application/octet-stream');
      const dir = incomingDir(dataDir, task, item, preset);
      mkdirSync(dir, { recursive: true });
      const tmp = join(dir, `.${name}.${request.id}.part`);
      try {
        await pipeline(request.body as NodeJS.ReadableStream, createWriteStream(tmp));
        renameSync(tmp, join(dir, name));
      } catch (error) {
        // A cut upload (the worker died) leaves nothing behind.
        rmSync(tmp, { force: true });
        throw error;
      }
      return reply.code(204).send();
    },
  );

  app.post(
    '/api/tasks/:task/items/:item/done',
    {
      schema: {
        summary: 'A worker finished a job: its uploaded files are installed and its results recorded',
        params: { type: 'object', required: ['task', 'item'], properties: { task: ID, item: ID } },
        body: {
          type: 'object',
          required: ['outputs'],
          additionalProperties: false,
          properties: {
            outputs: {
              type: 'array',
              maxItems: 256,
              items: {
                type: 'object',
                required: ['preset', 'resultIds', 'files'],
                additionalProperties: false,
                properties: {
                  preset: ID,
                  resultIds: { type: 'array', items: { type: 'string', maxLength: 256 }, maxItems: 10_000 },
                  files: { type: 'array', items: NAME, maxItems: 8 },
                },
              },
            },
          },
        },
      },
    },
    async (request, reply) => {
      const { task, item } = request.params as { task: string; item: string };
      const { outputs } = request.body as {
        outputs: { preset: string; resultIds: string[]; files: string[] }[];
      };
      const presets = store.experience(store.task(task).experience).presets;
      if (outputs.length !== presets.length || outputs.some((o, i) => o.preset !== presets[i]))
        throw badRequest(
          `the outputs must be those of the presets of task ${task}, in order: ${presets.join(', ')}`,
        );
      // Check first, install after: a job missing a file changes nothing.
      for (const o of outputs) {
        const allowed = await expectedFiles(task, item, o.preset);
        for (const name of ['results.json', ...o.files]) {
          if (!allowed.has(name)) throw badRequest(`preset ${o.preset} makes no file named ${name}`);
          const incoming = join(incomingDir(dataDir, task, item, o.preset), name);
          // A `done` repeated after its reply was lost finds the files installed already, by this task.
          const installed =
            store.results(item).some((r) => r.preset === o.preset && r.task === task) &&
            existsSync(join(resultDir(dataDir, item, o.preset), name));
          if (!existsSync(incoming) && !installed)
            throw badRequest(`upload ${name} of preset ${o.preset} first`, { file: name });
        }
      }
      for (const o of outputs) {
        const from = incomingDir(dataDir, task, item, o.preset);
        const dir = resultDir(dataDir, item, o.preset);
        for (const name of ['results.json', ...o.files]) {
          if (existsSync(join(from, name))) {
            // Files exported in other formats from an earlier run are stale now.
            if (name === 'results.json') rmSync(join(dir, 'export'), { recursive: true, force: true });
            installFile(join(from, name), dir, name);
          }
        }
      }
      rmSync(join(dataDir, 'incoming', `${task}.${item}`), { recursive: true, force: true });
      commitJob(store, dataDir, task, item, outputs);
      store.settleTask(task);
      return reply.code(204).send();
    },
  );
}
