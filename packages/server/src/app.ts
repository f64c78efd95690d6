/**
 * The Fastify application: every route declares its JSON schemas (params, body, reply), so
 * validation, serialization and the OpenAPI description come from one place. Handlers stay thin:
 * they call the store, the ingest, the runner and core's own functions.
 */
import { timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import cors from '@fastify/cors';
import multipart from '@fastify/multipart';
import swagger from '@fastify/swagger';
import {
  listProcessors,
  RESULT_FORMATS,
  ResultContainer,
  type ResultFormat,
  writeResults,
} from '@timeside/core';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { exportTrack, TRACK_FORMATS, trackResult } from './annotations.js';
import { openDb } from './db.js';
import { badRequest, errorReply, HttpError, notFound } from './http-error.js';
import { ingestUpload, registerFile } from './ingest.js';
import { playerRoutes } from './player-routes.js';
import { checkPreset } from './presets.js';
import { QueueRunner } from './queue.js';
import { queueRoutes } from './queue-routes.js';
import { removeItemResults, TaskRunner } from './runner.js';
import { type Item, type ResultRow, Store } from './store.js';
import { STREAM_FORMATS, Streamer, type StreamFormat, sendFile } from './stream.js';
import { resolveToken } from './token.js';

/** Options of {@link createApp}. */
export interface ServerOptions {
  /** Directory of the database, the uploads, the results and the stream cache (created if needed). */
  dataDir: string;
  /** Token that writes need; default: `TIMESIDE_TOKEN`, else the one in `<dataDir>/token`, else a new one saved there. */
  token?: string;
  /** Reads need the token too (default: false: reads are public). */
  protectReads?: boolean;
  /** Directory under which `POST /api/items/register` may register files in place (default: none). */
  mediaRoot?: string;
  /** Largest upload, in bytes (default: 1 GiB); beyond it the upload gets 413 and nothing is kept. */
  maxUploadBytes?: number;
  /** How many items are processed at once (default: 1). */
  concurrency?: number;
  /** A Redis URL (`redis://HOST:PORT`): tasks go on its BullMQ queue for `timeside worker` processes instead of running in-process. */
  redis?: string;
  /** Origins allowed by CORS: `true` for any, a list, or false for none (default: false). */
  cors?: boolean | string | string[];
  /** Fastify's logger (default: false). */
  logger?: boolean;
}

/** The server's parts, decorated on the Fastify instance as `timeside`. */
export interface Timeside {
  store: Store;
  runner: TaskRunner | QueueRunner;
  streamer: Streamer;
  token: string;
  /** True when the token was generated at this start (the CLI prints it). */
  tokenGenerated: boolean;
  dataDir: string;
}

declare module 'fastify' {
  interface FastifyInstance {
    timeside: Timeside;
  }
}

const ID = { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' } as const;
const idParams = (...names: string[]) => ({
  type: 'object',
  required: names,
  properties: Object.fromEntries(names.map((n) => [n, ID])),
});
const error = {
  type: 'object',
  properties: {
    error: { type: 'string' },
    message: { type: 'string' },
    processor: { type: 'string' },
    param: { type: 'string' },
    file: { type: 'string' },
    path: { type: 'string' },
  },
  additionalProperties: true,
} as const;
const itemSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    title: { type: 'string' },
    size: { type: 'integer' },
    durationS: { type: ['number', 'null'] },
    sampleRate: { type: 'integer' },
    channels: { type: 'integer' },
    codec: { type: 'string' },
    container: { type: 'string' },
    createdAt: { type: 'string' },
  },
} as const;
const presetSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    processor: { type: 'string' },
    params: { type: 'object', additionalProperties: true },
    createdAt: { type: 'string' },
  },
} as const;
const setSchema = (field: string) =>
  ({
    type: 'object',
    properties: {
      id: { type: 'string' },
      name: { type: 'string' },
      [field]: { type: 'array', items: { type: 'string' } },
      createdAt: { type: 'string' },
    },
  }) as const;
const taskSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    experience: { type: 'string' },
    selection: { type: 'string' },
    status: { type: 'string', enum: ['pending', 'running', 'done', 'failed'] },
    progress: { type: 'number' },
    items: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          item: { type: 'string' },
          status: { type: 'string' },
          progress: { type: 'number' },
          error: { type: ['string', 'null'] },
        },
      },
    },
    createdAt: { type: 'string' },
    startedAt: { type: ['string', 'null'] },
    finishedAt: { type: ['string', 'null'] },
  },
} as const;
const trackSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    item: { type: 'string' },
    name: { type: 'string' },
    author: { type: ['string', 'null'] },
    createdAt: { type: 'string' },
  },
} as const;
const annotationSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    track: { type: 'string' },
    time: { type: 'number' },
    duration: { type: 'number' },
    label: { type: 'string' },
    author: { type: ['string', 'null'] },
    createdAt: { type: 'string' },
  },
} as const;
const annotationBody = {
  time: { type: 'number', minimum: 0 },
  duration: { type: 'number', minimum: 0 },
  label: { type: 'string', maxLength: 10000 },
  author: { type: ['string', 'null'], maxLength: 200 },
} as const;

/** The public view of an item: its path on the server stays private. */
function itemView({ path: _path, owned: _owned, ...rest }: Item) {
  return rest;
}

/** Formats of `?format=` on results: every readable serializer (plus the per-result CSV). */
const RESULT_QUERY_FORMATS = ['json', 'yaml', 'csv', 'hdf5', 'eaf', 'jams'] as const;
const MEDIA_TYPES: Record<string, string> = {
  json: 'application/json',
  yaml: 'application/yaml',
  csv: 'text/csv',
  hdf5: 'application/x-hdf5',
  eaf: 'application/xml',
  jams: 'application/json',
  png: 'image/png',
  svg: 'image/svg+xml',
  ogg: 'audio/ogg',
  opus: 'audio/ogg',
  mp3: 'audio/mpeg',
  flac: 'audio/flac',
  wav: 'audio/wav',
  webm: 'audio/webm',
  m4a: 'audio/mp4',
  dat: 'application/octet-stream',
};

/** The media type of a file from ffprobe's container (demuxer) names. */
function mediaTypeOf(container: string): string {
  const names = container.split(',');
  if (names.includes('wav')) return 'audio/wav';
  if (names.includes('mp3')) return 'audio/mpeg';
  if (names.includes('flac')) return 'audio/flac';
  if (names.includes('ogg')) return 'audio/ogg';
  if (names.includes('mp4') || names.includes('m4a')) return 'audio/mp4';
  if (names.includes('matroska') || names.includes('webm')) return 'audio/webm';
  return 'application/octet-stream';
}

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The token a request carries: `Authorization: Bearer <token>` or `X-Timeside-Token`. */
function tokenOf(request: FastifyRequest): string | undefined {
  const auth = request.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim();
  const header = request.headers['x-timeside-token'];
  return typeof header === 'string' ? header : undefined;
}

/**
 * Builds the application on `options.dataDir` (opening or creating its database, recovering the
 * tasks a previous run left) without listening; `app.listen()` or `app.inject()` it.
 */
export async function createApp(options: ServerOptions): Promise<FastifyInstance> {
  const { dataDir } = options;
  mkdirSync(dataDir, { recursive: true });
  const { token, generated } = resolveToken(dataDir, options.token);
  const store = new Store(openDb(join(dataDir, 'timeside.db')));
  let runner: TaskRunner | QueueRunner;
  try {
    runner = options.redis
      ? await QueueRunner.open(store, options.redis)
      : new TaskRunner(store, dataDir, options.concurrency ?? 1);
  } catch (error) {
    store.db.close();
    throw error;
  }
  const streamer = new Streamer(join(dataDir, 'cache'));

  // forceCloseConnections: a stop ends live streams too (their transcodes are aborted and cleaned up).
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: 1024 * 1024,
    forceCloseConnections: true,
  });
  app.decorate('timeside', { store, runner, streamer, token, tokenGenerated: generated, dataDir });

  app.setErrorHandler((err, _request, reply) => {
    const { status, body } = errorReply(err);
    reply.code(status).send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({ error: 'E_NOT_FOUND', message: `no route ${request.method} ${request.url}` });
  });

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'TimeSide-TS REST API',
        version: '1',
        description: 'Items, presets, experiences, selections, tasks, results, annotations and streaming.',
      },
      components: { securitySchemes: { token: { type: 'http', scheme: 'bearer' } } },
      security: [{ token: [] }],
    },
  });
  if (options.cors) await app.register(cors, { origin: options.cors });
  await app.register(multipart, {
    limits: { fileSize: options.maxUploadBytes ?? 1024 ** 3, files: 1, fields: 10 },
  });

  app.addHook('onRequest', async (request) => {
    const write = !['GET', 'HEAD', 'OPTIONS'].includes(request.method);
    if (!write && !options.protectReads) return;
    if (request.url === '/api/openapi.json') return;
    const given = tokenOf(request);
    if (given === undefined || !sameToken(given, token)) {
      throw new HttpError(
        401,
        'E_TOKEN',
        given === undefined
          ? `${write ? 'writes' : 'reads'} need the server's token: send "Authorization: Bearer <token>"`
          : 'the token is not this server’s',
      );
    }
  });

  app.addHook('onClose', async () => {
    await runner.close();
    store.db.close();
  });

  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  // Processors.
  app.get(
    '/api/processors',
    {
      schema: {
        summary: 'Installed processors with their parameter schemas',
        querystring: {
          type: 'object',
          properties: { kind: { type: 'string', enum: ['fx', 'analyzer', 'grapher', 'encoder'] } },
        },
      },
    },
    async (request) => {
      const { kind } = request.query as { kind?: 'fx' | 'analyzer' | 'grapher' | 'encoder' };
      const list = await listProcessors({ kind: kind ?? ['fx', 'analyzer', 'grapher', 'encoder'] });
      return list.map((p) => ({
        id: p.id,
        kind: p.kind,
        name: p.name,
        version: p.version,
        description: p.description,
        package: p.source.package,
        params: p.processor.meta.params,
        results: p.processor.meta.results ?? [],
      }));
    },
  );

  // Items.
  app.get(
    '/api/items',
    { schema: { summary: 'Items', response: { 200: { type: 'array', items: itemSchema } } } },
    async () => store.items().map(itemView),
  );
  app.get(
    '/api/items/:id',
    { schema: { params: idParams('id'), response: { 200: itemSchema, 404: error } } },
    async (request) => itemView(store.item((request.params as { id: string }).id)),
  );
  app.post(
    '/api/items',
    {
      schema: {
        summary: 'Upload a media file (multipart/form-data, field "file"; optional field "title" before it)',
        consumes: ['multipart/form-data'],
        response: { 201: itemSchema, 413: error, 415: error },
      },
    },
    async (request, reply) => {
      if (!request.isMultipart()) {
        throw new HttpError(
          415,
          'E_NOT_MULTIPART',
          'upload the file as multipart/form-data (field "file"), or POST /api/items/register with a path under the media root',
        );
      }
      const part = await request.file();
      if (!part) throw badRequest('the form has no file: send it in the field "file"');
      const titleField = part.fields.title as { value?: unknown } | undefined;
      const title = typeof titleField?.value === 'string' ? titleField.value : undefined;
      const item = await ingestUpload(store, dataDir, { file: part.file, filename: part.filename, title });
      return reply.code(201).send(itemView(item));
    },
  );
  app.post(
    '/api/items/register',
    {
      schema: {
        summary: 'Register a file under the media root, in place',
        body: {
          type: 'object',
          required: ['path'],
          properties: { path: { type: 'string', minLength: 1, maxLength: 4096 }, title: { type: 'string' } },
          additionalProperties: false,
        },
        response: { 201: itemSchema, 400: error },
      },
    },
    async (request, reply) => {
      const { path, title } = request.body as { path: string; title?: string };
      return reply.code(201).send(itemView(await registerFile(store, options.mediaRoot, path, title)));
    },
  );
  app.delete('/api/items/:id', { schema: { params: idParams('id') } }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const item = store.item(id);
    store.deleteItem(id);
    removeItemResults(dataDir, id);
    for (const f of Object.keys(STREAM_FORMATS))
      await rm(streamer.cachePath(id, f as StreamFormat), { force: true });
    if (item.owned) await rm(join(dataDir, 'media', id), { recursive: true, force: true });
    return reply.code(204).send();
  });
  app.get(
    '/api/items/:id/audio',
    { schema: { summary: 'The item’s own file, as stored (Range supported)', params: idParams('id') } },
    async (request, reply) => {
      const item = store.item((request.params as { id: string }).id);
      return sendFile(request, reply, item.path, mediaTypeOf(item.container));
    },
  );
  app.get(
    '/api/items/:id/stream.:format',
    {
      schema: {
        summary: 'The item transcoded on the fly (cached once finished; Range on the cached file)',
        params: {
          type: 'object',
          required: ['id', 'format'],
          properties: { id: ID, format: { type: 'string', enum: Object.keys(STREAM_FORMATS) } },
        },
      },
    },
    async (request, reply) => {
      const { id, format } = request.params as { id: string; format: StreamFormat };
      return streamer.send(request, reply, store.item(id), format);
    },
  );

  // Presets.
  app.get(
    '/api/presets',
    { schema: { response: { 200: { type: 'array', items: presetSchema } } } },
    async () => store.presets(),
  );
  app.get(
    '/api/presets/:id',
    { schema: { params: idParams('id'), response: { 200: presetSchema } } },
    async (request) => store.preset((request.params as { id: string }).id),
  );
  app.post(
    '/api/presets',
    {
      schema: {
        summary: 'A processor with parameters, validated against its schema',
        body: {
          type: 'object',
          required: ['processor'],
          properties: {
            processor: { type: 'string', pattern: '^[a-z][a-z0-9_]*$' },
            name: { type: 'string' },
            params: { type: 'object', additionalProperties: true },
          },
          additionalProperties: false,
        },
        response: { 201: presetSchema, 400: error },
      },
    },
    async (request, reply) => {
      const body = request.body as { processor: string; name?: string; params?: Record<string, unknown> };
      const params = body.params ?? {};
      await checkPreset(body.processor, params);
      const preset = store.insertPreset({
        name: body.name ?? body.processor,
        processor: body.processor,
        params,
      });
      return reply.code(201).send(preset);
    },
  );

  // Experiences and selections.
  app.get(
    '/api/experiences',
    { schema: { response: { 200: { type: 'array', items: setSchema('presets') } } } },
    async () => store.experiences(),
  );
  app.get(
    '/api/experiences/:id',
    { schema: { params: idParams('id'), response: { 200: setSchema('presets') } } },
    async (request) => store.experience((request.params as { id: string }).id),
  );
  app.post(
    '/api/experiences',
    {
      schema: {
        body: {
          type: 'object',
          required: ['presets'],
          properties: { name: { type: 'string' }, presets: { type: 'array', minItems: 1, items: ID } },
          additionalProperties: false,
        },
        response: { 201: setSchema('presets') },
      },
    },
    async (request, reply) => {
      const { name, presets } = request.body as { name?: string; presets: string[] };
      return reply.code(201).send(store.insertExperience(name ?? 'experience', presets));
    },
  );
  app.get(
    '/api/selections',
    { schema: { response: { 200: { type: 'array', items: setSchema('items') } } } },
    async () => store.selections(),
  );
  app.get(
    '/api/selections/:id',
    { schema: { params: idParams('id'), response: { 200: setSchema('items') } } },
    async (request) => store.selection((request.params as { id: string }).id),
  );
  app.post(
    '/api/selections',
    {
      schema: {
        body: {
          type: 'object',
          required: ['items'],
          properties: { name: { type: 'string' }, items: { type: 'array', minItems: 1, items: ID } },
          additionalProperties: false,
        },
        response: { 201: setSchema('items') },
      },
    },
    async (request, reply) => {
      const { name, items } = request.body as { name?: string; items: string[] };
      return reply.code(201).send(store.insertSelection(name ?? 'selection', items));
    },
  );

  // Tasks.
  app.get('/api/tasks', { schema: { response: { 200: { type: 'array', items: taskSchema } } } }, async () =>
    store.tasks(),
  );
  app.get(
    '/api/tasks/:id',
    { schema: { params: idParams('id'), response: { 200: taskSchema } } },
    async (request) => store.task((request.params as { id: string }).id),
  );
  app.post(
    '/api/tasks',
    {
      schema: {
        summary: 'Run an experience on a selection (202; poll GET /api/tasks/:id)',
        body: {
          type: 'object',
          required: ['experience', 'selection'],
          properties: { experience: ID, selection: ID },
          additionalProperties: false,
        },
        response: { 202: taskSchema },
      },
    },
    async (request, reply) => {
      const { experience, selection } = request.body as { experience: string; selection: string };
      const task = store.insertTask(experience, selection);
      await runner.enqueue(task.id);
      return reply.code(202).send(store.task(task.id));
    },
  );

  // Results.
  const resultBodies = new Map<string, { key: string; body: string }>();
  const resultView = (r: ResultRow) => ({
    preset: r.preset,
    task: r.task,
    createdAt: r.createdAt,
    resultIds: r.resultIds,
    files: r.files.map((name) => ({ name, url: `/api/items/${r.item}/results/${r.preset}/files/${name}` })),
  });
  app.get(
    '/api/items/:id/results',
    {
      schema: {
        summary: 'Every stored result of the item, per preset (results as core’s JSON)',
        params: idParams('id'),
      },
    },
    async (request, reply) => {
      const id = (request.params as { id: string }).id;
      const rows = store.results(id);
      const key = rows.map((r) => `${r.preset}@${r.createdAt}`).join(',');
      const hit = resultBodies.get(id);
      if (hit?.key === key) return reply.type('application/json').send(hit.body);
      // The stored JSON documents are spliced in as they are: no parse and re-serialization.
      const parts = await Promise.all(
        rows.map(async (r) => {
          const doc = await readFile(join(r.dir, 'results.json'), 'utf8');
          const head = JSON.stringify(resultView(r));
          return `${head.slice(0, -1)},"results":${doc}}`;
        }),
      );
      const body = `[${parts.join(',')}]`;
      // A few recent bodies kept, keyed by what the store says they hold (a new run changes the key).
      resultBodies.delete(id);
      resultBodies.set(id, { key, body });
      if (resultBodies.size > 64) resultBodies.delete(resultBodies.keys().next().value as string);
      return reply.type('application/json').send(body);
    },
  );
  app.get(
    '/api/items/:id/results/:preset',
    {
      schema: {
        summary: 'The results of one preset on the item, in a serializer’s format',
        params: idParams('id', 'preset'),
        querystring: {
          type: 'object',
          properties: {
            format: { type: 'string', enum: [...RESULT_QUERY_FORMATS] },
            result: { type: 'string', pattern: '^[A-Za-z0-9_.#-]{1,128}$' },
          },
          additionalProperties: false,
        },
      },
    },
    async (request, reply) => {
      const { id, preset } = request.params as { id: string; preset: string };
      const { format = 'json', result } = request.query as { format?: string; result?: string };
      const row = store.result(id, preset);
      const json = join(row.dir, 'results.json');
      if (format === 'json' && !result) return sendFile(request, reply, json, MEDIA_TYPES.json);
      let results = [...(await ResultContainer.fromFile(json, 'json'))];
      if (result) {
        results = results.filter((r) => r.id === result);
        if (!results.length) throw notFound('result', result);
      }
      if (format === 'csv' && results.length !== 1) {
        throw badRequest(`csv holds one result: add ?result=<id> (results: ${row.resultIds.join(', ')})`);
      }
      if (!results.length)
        throw badRequest(
          `preset ${preset} produced no results on this item; its files are listed in GET /api/items/${id}/results`,
        );
      const ext = RESULT_FORMATS.find((f) => f.id === format)?.extensions[0] ?? `.${format}`;
      const exportDir = join(row.dir, 'export');
      mkdirSync(exportDir, { recursive: true });
      const target = join(exportDir, `${result ? result.replace(/[^A-Za-z0-9_.-]/g, '_') : 'results'}${ext}`);
      if (!existsSync(target)) {
        const written = await writeResults(results, target, format);
        // A per-result format names its file after the result: keep it under the target's name.
        if (written[0] !== target) writeFileSync(target, readFileSync(written[0]));
      }
      reply.header('content-disposition', `attachment; filename="${preset}${ext}"`);
      return sendFile(request, reply, target, MEDIA_TYPES[format] ?? 'application/octet-stream');
    },
  );
  app.get(
    '/api/items/:id/results/:preset/files/:name',
    {
      schema: {
        summary: 'A file a preset wrote (an image, encoded audio); Range supported',
        params: {
          type: 'object',
          required: ['id', 'preset', 'name'],
          properties: {
            id: ID,
            preset: ID,
            name: { type: 'string', pattern: '^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}$' },
          },
        },
      },
    },
    async (request, reply) => {
      const { id, preset, name } = request.params as { id: string; preset: string; name: string };
      const row = store.result(id, preset);
      if (!row.files.includes(name)) throw notFound('file', name);
      const ext = name.slice(name.lastIndexOf('.') + 1);
      return sendFile(request, reply, join(row.dir, name), MEDIA_TYPES[ext] ?? 'application/octet-stream');
    },
  );

  // Annotation tracks and annotations.
  app.get(
    '/api/items/:id/tracks',
    { schema: { params: idParams('id'), response: { 200: { type: 'array', items: trackSchema } } } },
    async (request) => store.tracks((request.params as { id: string }).id),
  );
  app.post(
    '/api/items/:id/tracks',
    {
      schema: {
        params: idParams('id'),
        body: {
          type: 'object',
          required: ['name'],
          properties: {
            name: { type: 'string', minLength: 1, maxLength: 200 },
            author: { type: ['string', 'null'], maxLength: 200 },
          },
          additionalProperties: false,
        },
        response: { 201: trackSchema },
      },
    },
    async (request, reply) => {
      const { name, author } = request.body as { name: string; author?: string | null };
      return reply
        .code(201)
        .send(store.insertTrack((request.params as { id: string }).id, name, author ?? null));
    },
  );
  app.get(
    '/api/tracks/:id/export',
    {
      schema: {
        summary: 'The track written by a results serializer (ELAN, JAMS, Audacity labels, CSV, YAML, JSON)',
        params: idParams('id'),
        querystring: {
          type: 'object',
          properties: { format: { type: 'string', enum: [...TRACK_FORMATS] } },
          additionalProperties: false,
        },
      },
    },
    async (request, reply) => {
      const track = store.track((request.params as { id: string }).id);
      const { format = 'json' } = request.query as { format?: ResultFormat };
      const result = trackResult(track, store.item(track.item), store.annotations(track.id));
      mkdirSync(join(dataDir, 'tmp'), { recursive: true });
      const { bytes, ext } = await exportTrack(result, format, join(dataDir, 'tmp'));
      return reply
        .type(format === 'audacity' ? 'text/plain' : (MEDIA_TYPES[format] ?? 'application/octet-stream'))
        .header('content-disposition', `attachment; filename="${track.id}${ext}"`)
        .send(bytes);
    },
  );
  app.delete('/api/tracks/:id', { schema: { params: idParams('id') } }, async (request, reply) => {
    store.deleteTrack((request.params as { id: string }).id);
    return reply.code(204).send();
  });
  app.get(
    '/api/tracks/:id/annotations',
    { schema: { params: idParams('id'), response: { 200: { type: 'array', items: annotationSchema } } } },
    async (request) => store.annotations((request.params as { id: string }).id),
  );
  app.post(
    '/api/tracks/:id/annotations',
    {
      schema: {
        params: idParams('id'),
        body: {
          type: 'object',
          required: ['time', 'label'],
          properties: annotationBody,
          additionalProperties: false,
        },
        response: { 201: annotationSchema },
      },
    },
    async (request, reply) => {
      const b = request.body as { time: number; duration?: number; label: string; author?: string | null };
      const track = (request.params as { id: string }).id;
      const a = store.insertAnnotation({
        track,
        time: b.time,
        duration: b.duration ?? 0,
        label: b.label,
        author: b.author ?? null,
      });
      return reply.code(201).send(a);
    },
  );
  app.patch(
    '/api/annotations/:id',
    {
      schema: {
        params: idParams('id'),
        body: { type: 'object', properties: annotationBody, additionalProperties: false, minProperties: 1 },
        response: { 200: annotationSchema },
      },
    },
    async (request) => store.updateAnnotation((request.params as { id: string }).id, request.body as object),
  );
  app.delete('/api/annotations/:id', { schema: { params: idParams('id') } }, async (request, reply) => {
    store.deleteAnnotation((request.params as { id: string }).id);
    return reply.code(204).send();
  });

  await playerRoutes(app);
  await app.register(queueRoutes, {
    store,
    dataDir,
    queue: runner instanceof QueueRunner ? runner : undefined,
  });

  await app.ready();
  await runner.recover();
  return app;
}
