// biome-ignore-all lint/suspicious/noExplicitAny: the tests read the API's JSON bodies field by field
/**
 * The queue mode on a real Redis (`TIMESIDE_TEST_REDIS_URL`, started by `.ci/run`): a server that
 * enqueues to BullMQ, and workers as their own processes (test/fixtures/queue-worker.mjs, over
 * the built package) that fetch media and post results over HTTP. One worker is SIGKILLed mid-job
 * and its job is taken over; a run through the queue gives the same results as one in-process;
 * a broken file fails its own item and the worker goes on.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../core/src/cli/main.js';
import { createApp, type RunningServer, serve } from '../src/index.js';
import { registerPlugins, sine, tempDir, writeWav } from './helpers.js';

const REDIS = process.env.TIMESIDE_TEST_REDIS_URL;
const WORKER = join(import.meta.dirname, 'fixtures', 'queue-worker.mjs');
const tmp = tempDir('timeside-queue-');
const media = join(tmp.dir, 'media');
const children = new Set<ChildProcess>();

afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  tmp.remove();
});

/** A Redis database of its own per test, emptied first (BullMQ keeps completed jobs). */
async function redisDb(db: number): Promise<string> {
  const url = `${REDIS?.replace(/\/\d*$/, '')}/${db}`;
  const r = new Redis(url, { lazyConnect: true });
  await r.connect();
  await r.flushdb();
  await r.quit();
  return url;
}

function startWorker(redis: string, server: RunningServer, name: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [WORKER, redis, server.url, server.token, name], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  child.on('exit', () => children.delete(child));
  let err = '';
  child.stderr?.on('data', (d) => (err += d));
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (d) => {
      if (String(d).includes('ready')) resolve(child);
    });
    child.on('exit', (code) => reject(new Error(`worker ${name} exited with ${code}: ${err}`)));
  });
}

function client(server: RunningServer) {
  return async (method: 'GET' | 'POST', path: string, body?: object) => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${server.token}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, json: (await res.json()) as any };
  };
}

/** Items registered from the media root, an experience (level + a waveform picture) and a task over them. */
async function runTask(
  server: RunningServer,
  files: string[],
): Promise<{ task: string; items: string[]; presets: string[] }> {
  const call = client(server);
  const items: string[] = [];
  for (const path of files) {
    const r = await call('POST', '/api/items/register', { path });
    expect(r.status).toBe(201);
    items.push(r.json.id);
  }
  const level = await call('POST', '/api/presets', { processor: 'level' });
  const picture = await call('POST', '/api/presets', {
    processor: 'waveform_simple',
    params: { width: 64, height: 32 },
  });
  const presets = [level.json.id, picture.json.id];
  const experience = await call('POST', '/api/experiences', { presets });
  const selection = await call('POST', '/api/selections', { items });
  const task = await call('POST', '/api/tasks', {
    experience: experience.json.id,
    selection: selection.json.id,
  });
  expect(task.status).toBe(202);
  return { task: task.json.id, items, presets };
}

async function settled(server: RunningServer, task: string, timeoutMs = 30_000): Promise<any> {
  const call = client(server);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { json } = await call('GET', `/api/tasks/${task}`);
    if (json.status === 'done' || json.status === 'failed') return json;
    if (Date.now() > deadline)
      throw new Error(`task ${task} still ${json.status}: ${JSON.stringify(json.items)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Every file under `dir`, relative to it. */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

beforeAll(() => {
  registerPlugins();
  mkdirSync(media, { recursive: true });
  for (let i = 0; i < 20; i++) {
    // 20 different sines (200, 250, … Hz) at 0.5 peak, 2 s, 22.05 kHz.
    writeWav(
      join(tmp.dir, `media/sine-${i}.wav`),
      { sampleRate: 22050, channels: 1, frames: 44100 },
      sine(200 + 50 * i, 22050, 0.5),
    );
  }
  // 60 s: long enough to be signalled mid-job.
  writeWav(
    join(media, 'long.wav'),
    { sampleRate: 22050, channels: 1, frames: 60 * 22050 },
    sine(330, 22050, 0.5),
  );
});

describe.skipIf(!REDIS)(
  'the queue mode (skipped without a Redis: set TIMESIDE_TEST_REDIS_URL=redis://127.0.0.1:PORT, as .ci/run does)',
  () => {
    it('server + 2 worker processes, 20 tasks, one worker SIGKILLed mid-job: all done, each result stored once, no partial file', async () => {
      const redis = await redisDb(1);
      const dataDir = join(tmp.dir, 'kill');
      const server = await serve({ dataDir, port: 0, token: 't', mediaRoot: media, redis });
      try {
        const w1 = await startWorker(redis, server, 'w1');
        await startWorker(redis, server, 'w2');
        const queue = await client(server)('GET', '/api/queue');
        expect(queue.json).toMatchObject({ mode: 'queue', waiting: 0, active: 0 });
        expect(queue.json.workers.map((w: any) => w.name).sort()).toEqual(['w1', 'w2']);

        const files = Array.from({ length: 20 }, (_, i) => `sine-${i}.wav`);
        const { task, items, presets } = await runTask(server, files);
        // Kill w1 while it holds a job (BullMQ records the worker's name on the job it processes).
        const bull = (server.app.timeside.runner as any).queue;
        let killedOn: string | undefined;
        const deadline = Date.now() + 20_000;
        while (!killedOn && Date.now() < deadline) {
          const active = await bull.getActive();
          const held = active.find((j: any) => j.processedBy === 'w1');
          if (held) {
            w1.kill('SIGKILL');
            killedOn = held.id;
          } else await new Promise((r) => setTimeout(r, 2));
        }
        expect(killedOn).toBeDefined();

        const done = await settled(server, task);
        expect(done.status).toBe('done');
        expect(done.items.map((i: any) => i.status)).toEqual(items.map(() => 'done'));
        // The job w1 died with was finished by w2.
        const taken = await bull.getJob(killedOn);
        expect(await taken.getState()).toBe('completed');
        expect(taken.processedBy).toBe('w2');

        const db = server.app.timeside.store.db;
        expect(db.prepare('SELECT COUNT(*) AS n FROM results').get()).toEqual({ n: 40 });
        expect(db.prepare('SELECT COUNT(DISTINCT item || preset) AS n FROM results').get()).toEqual({
          n: 40,
        });
        const stored = filesUnder(join(dataDir, 'results'));
        const expected = items.flatMap((item) => [
          `${item}/${presets[0]}/results.json`,
          `${item}/${presets[1]}/results.json`,
          `${item}/${presets[1]}/waveform_simple.png`,
        ]);
        expect(stored).toEqual(expected.sort());
        expect(filesUnder(dataDir).filter((f) => f.endsWith('.part') || f.startsWith('incoming/'))).toEqual(
          [],
        );
        for (const item of items) {
          const level = JSON.parse(
            readFileSync(join(dataDir, 'results', item, presets[0], 'results.json'), 'utf8'),
          );
          expect(JSON.stringify(level)).toContain('level');
          expect(
            statSync(join(dataDir, 'results', item, presets[1], 'waveform_simple.png')).size,
          ).toBeGreaterThan(0);
        }
        const after = await client(server)('GET', '/api/queue');
        expect(after.json).toMatchObject({ waiting: 0, active: 0, failed: 0, completed: 20 });
      } finally {
        for (const c of children) c.kill('SIGTERM');
        await server.close();
      }
    }, 45_000);

    it('the same experience in-process and through the queue gives identical results', async () => {
      const files = ['sine-0.wav', 'sine-7.wav', 'sine-13.wav'];
      const local = await serve({
        dataDir: join(tmp.dir, 'same-local'),
        port: 0,
        token: 't',
        mediaRoot: media,
      });
      const redis = await redisDb(2);
      const queued = await serve({
        dataDir: join(tmp.dir, 'same-queue'),
        port: 0,
        token: 't',
        mediaRoot: media,
        redis,
      });
      try {
        await startWorker(redis, queued, 'w');
        const a = await runTask(local, files);
        const b = await runTask(queued, files);
        expect((await settled(local, a.task)).status).toBe('done');
        expect((await settled(queued, b.task)).status).toBe('done');
        for (let i = 0; i < files.length; i++) {
          for (let p = 0; p < 2; p++) {
            const ra = await client(local)('GET', `/api/items/${a.items[i]}/results/${a.presets[p]}`);
            const rb = await client(queued)('GET', `/api/items/${b.items[i]}/results/${b.presets[p]}`);
            expect(ra.status).toBe(200);
            expect(rb.json.results).toEqual(ra.json.results);
            expect(rb.json.resultIds).toEqual(ra.json.resultIds);
          }
          const pa = readFileSync(
            join(tmp.dir, 'same-local', 'results', a.items[i], a.presets[1], 'waveform_simple.png'),
          );
          const pb = readFileSync(
            join(tmp.dir, 'same-queue', 'results', b.items[i], b.presets[1], 'waveform_simple.png'),
          );
          expect(pb.equals(pa)).toBe(true);
        }
      } finally {
        for (const c of children) c.kill('SIGTERM');
        await local.close();
        await queued.close();
      }
    }, 30_000);

    it('a broken file fails its own item with a clear error; the worker goes on with the next', async () => {
      const redis = await redisDb(3);
      const dataDir = join(tmp.dir, 'broken');
      const server = await serve({ dataDir, port: 0, token: 't', mediaRoot: media, redis });
      try {
        const worker = await startWorker(redis, server, 'w');
        writeWav(
          join(media, 'broken.wav'),
          { sampleRate: 22050, channels: 1, frames: 22050 },
          sine(440, 22050, 0.5),
        );
        const call = client(server);
        const broken = await call('POST', '/api/items/register', { path: 'broken.wav' });
        expect(broken.status).toBe(201);
        // Registered while sound, then overwritten with bytes no decoder reads.
        writeFileSync(join(media, 'broken.wav'), Buffer.alloc(4096, 0x5a));
        const { task, items } = await runTask(server, ['sine-1.wav']);
        const level = await call('POST', '/api/presets', { processor: 'level' });
        const experience = await call('POST', '/api/experiences', { presets: [level.json.id] });
        const selection = await call('POST', '/api/selections', { items: [broken.json.id, items[0]] });
        const second = await call('POST', '/api/tasks', {
          experience: experience.json.id,
          selection: selection.json.id,
        });
        const failed = await settled(server, second.json.id);
        expect(failed.status).toBe('failed');
        expect(failed.items[0].status).toBe('failed');
        expect(failed.items[0].error).toContain(`item ${broken.json.id}`);
        expect(failed.items[1]).toMatchObject({ status: 'done', error: null });
        expect((await settled(server, task)).status).toBe('done');
        expect(worker.exitCode).toBeNull();
        // Not retried: bad input fails at its first attempt.
        const job = await (server.app.timeside.runner as any).queue.getJob(
          `${second.json.id}.${broken.json.id}`,
        );
        expect(job.attemptsMade).toBe(1);
        expect((await call('GET', '/api/queue')).json).toMatchObject({ failed: 1 });
      } finally {
        for (const c of children) c.kill('SIGTERM');
        await server.close();
      }
    }, 30_000);

    it('SIGTERM lets the worker finish the job in hand before it exits', async () => {
      const redis = await redisDb(4);
      const server = await serve({
        dataDir: join(tmp.dir, 'term'),
        port: 0,
        token: 't',
        mediaRoot: media,
        redis,
      });
      try {
        const worker = await startWorker(redis, server, 'w');
        let out = '';
        worker.stdout?.on('data', (d) => (out += d));
        const exited = new Promise<number | null>((r) => worker.on('exit', (code) => r(code)));
        const { task } = await runTask(server, ['long.wav']);
        const call = client(server);
        for (;;) {
          const { json } = await call('GET', `/api/tasks/${task}`);
          if (json.items[0].status === 'running') break;
          await new Promise((r) => setTimeout(r, 5));
        }
        worker.kill('SIGTERM');
        expect(await exited).toBe(0);
        expect(out).toContain('closed');
        // No other worker runs: the item is done only if the terminated one finished it.
        const { json } = await call('GET', `/api/tasks/${task}`);
        expect(json.items[0]).toMatchObject({ status: 'done', error: null });
      } finally {
        await server.close();
      }
    }, 30_000);
  },
);

describe('queue-mode input errors', () => {
  it('a Redis nobody listens on fails the start with one error naming the URL, not a hang', async () => {
    const started = Date.now();
    await expect(
      createApp({ dataDir: join(tmp.dir, 'no-redis'), token: 't', redis: 'redis://127.0.0.1:1' }),
    ).rejects.toMatchObject({
      code: 'E_IO',
      message: expect.stringContaining('cannot reach Redis at redis://127.0.0.1:1'),
    });
    expect(Date.now() - started).toBeLessThan(8000);
    await expect(
      createApp({ dataDir: join(tmp.dir, 'bad-url'), token: 't', redis: 'http://x' }),
    ).rejects.toMatchObject({
      code: 'E_USAGE',
    });
  }, 15_000);

  it('timeside worker without a token or with a bad --concurrency is a usage error (exit 2)', async () => {
    const run = async (args: string[]) => {
      let stderr = '';
      const code = await main(['node', 'timeside', 'worker', ...args], {
        stdout: { write: () => {} },
        stderr: { write: (s: string) => (stderr += s) },
        cwd: tmp.dir,
      });
      return { code, stderr };
    };
    const saved = process.env.TIMESIDE_TOKEN;
    delete process.env.TIMESIDE_TOKEN;
    try {
      const noToken = await run(['--redis', 'redis://127.0.0.1:1', '--server', 'http://127.0.0.1:1']);
      expect(noToken.code).toBe(2);
      expect(noToken.stderr).toContain('--token');
      const bad = await run([
        '--redis',
        'redis://127.0.0.1:1',
        '--server',
        'http://127.0.0.1:1',
        '--token',
        't',
        '--concurrency',
        '0',
      ]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('--concurrency 0');
    } finally {
      if (saved !== undefined) process.env.TIMESIDE_TOKEN = saved;
    }
  });
});
