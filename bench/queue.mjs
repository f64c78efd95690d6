// `node bench/queue.mjs` (after `pnpm build`): the queue mode (issue 23) against the in-process
// runner on 8 generated 2-minute stereo files, experience level + pitch. Rows: in-process
// (concurrency 1 and 2), then BullMQ with 1 and 2 worker processes (concurrency 1 each); the
// speed-up of 2 workers over 1, the queue overhead per job (1 worker against in-process, both
// one at a time), and the Redis commands per job (INFO commandstats, whole deployment). Each
// row times a task over the 8 files after a warm-up task over the same 8 on the same processes,
// best of BENCH_REPEAT (default 3) tasks.
// Redis: TIMESIDE_TEST_REDIS_URL if set, else a redis-server started here on a free port; no
// redis-server: the queue rows are skipped, saying so.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { batchFiles } from './lib/inputs.mjs';

const TOKEN = 'bench-token';
// ioredis is the server package's dependency, not the root's.
const requireServer = createRequire(new URL('../packages/server/package.json', import.meta.url));
const FILES = 8;
const MINUTES = 2;
/** Timed tasks per row, the best one kept (BENCH_REPEAT, default 3). */
const REPEAT = Math.max(1, Number(process.env.BENCH_REPEAT ?? 3));

if (process.argv[2] === '--worker') {
  const [redis, server] = process.argv.slice(3);
  const { startWorker } = await import('@timeside/server');
  const worker = await startWorker({ redis, server, token: TOKEN, concurrency: 1 });
  process.stdout.write('ready\n');
  process.once('SIGTERM', () => worker.close().then(() => process.exit(0)));
} else {
  await bench();
}

async function freePort() {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** A Redis URL and how to stop it: the test one, or our own redis-server. */
async function redis() {
  if (process.env.TIMESIDE_TEST_REDIS_URL) return { url: process.env.TIMESIDE_TEST_REDIS_URL, stop() {} };
  if (spawnSync('redis-server', ['--version']).status !== 0) return undefined;
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  await new Promise((r) => setTimeout(r, 300));
  return { url: `redis://127.0.0.1:${port}`, stop: () => child.kill('SIGTERM') };
}

async function redisCalls(url) {
  const { Redis } = requireServer('ioredis');
  const r = new Redis(url);
  const info = await r.info('commandstats');
  await r.quit();
  let calls = 0;
  for (const m of info.matchAll(/calls=(\d+)/g)) calls += Number(m[1]);
  return calls;
}

async function flush(url) {
  const { Redis } = requireServer('ioredis');
  const r = new Redis(url);
  await r.flushdb();
  await r.quit();
}

/** Runs the experience over the files on a fresh server; seconds from the POST to the task's end. */
async function run(options, files, before = async () => []) {
  const { serve } = await import('@timeside/server');
  const dataDir = mkdtempSync(join(tmpdir(), 'timeside-bench-queue-'));
  const server = await serve({ dataDir, port: 0, token: TOKEN, mediaRoot: dirname(files[0]), ...options });
  const call = async (method, path, body) => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return res.json();
  };
  const stop = [];
  try {
    const items = [];
    for (const f of files) items.push((await call('POST', '/api/items/register', { path: basename(f) })).id);
    const presets = [
      (await call('POST', '/api/presets', { processor: 'level' })).id,
      (await call('POST', '/api/presets', { processor: 'pitch' })).id,
    ];
    const experience = (await call('POST', '/api/experiences', { presets })).id;
    const selection = (await call('POST', '/api/selections', { items })).id;
    stop.push(...(await before(server)));
    const runTask = async (selection) => {
      const task = (await call('POST', '/api/tasks', { experience, selection })).id;
      for (;;) {
        const t = await call('GET', `/api/tasks/${task}`);
        if (t.status === 'failed') throw new Error(`task failed: ${JSON.stringify(t.items)}`);
        if (t.status === 'done') return;
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    // Warm up first (each process's JIT, the plugins' first load): workers are long-lived.
    await runTask((await call('POST', '/api/selections', { items })).id);
    const calls0 = options.redis ? await redisCalls(options.redis) : 0;
    let t0 = performance.now();
    await runTask(selection);
    let seconds = (performance.now() - t0) / 1000;
    const calls = options.redis ? (await redisCalls(options.redis)) - calls0 - 1 : 0;
    // A task lasts a few seconds: the best of REPEAT tasks, as pnpm bench's rows.
    for (let i = 1; i < REPEAT; i++) {
      const again = (await call('POST', '/api/selections', { items })).id;
      t0 = performance.now();
      await runTask(again);
      seconds = Math.min(seconds, (performance.now() - t0) / 1000);
    }
    return { seconds, calls };
  } finally {
    for (const s of stop) await s();
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function workers(n, url) {
  return async (server) => {
    const children = await Promise.all(
      Array.from({ length: n }, () => {
        const child = spawn(
          process.execPath,
          [new URL(import.meta.url).pathname, '--worker', url, server.url],
          {
            stdio: ['ignore', 'pipe', 'inherit'],
          },
        );
        return new Promise((resolve, reject) => {
          child.stdout.on('data', (d) => String(d).includes('ready') && resolve(child));
          child.once('exit', (code) => reject(new Error(`a worker exited (${code})`)));
        });
      }),
    );
    return children.map(
      (c) => () =>
        new Promise((r) => {
          c.once('exit', r);
          c.kill('SIGTERM');
        }),
    );
  };
}

async function bench() {
  const { files } = batchFiles(FILES, MINUTES);
  const mib = files.reduce((s, f) => s + statSync(f).size, 0) / 2 ** 20;
  console.log(
    `queue bench: ${FILES} files of ${MINUTES * 60} s (stereo 44.1 kHz WAV, ${mib.toFixed(1)} MiB), level + pitch; best of ${REPEAT} tasks per row`,
  );
  const rows = [];
  const row = (name, s) => {
    rows.push([name, s]);
    console.log(
      `| ${name.padEnd(34)} | ${s.toFixed(2).padStart(7)} s | ${(FILES / s).toFixed(2).padStart(6)} files/s |`,
    );
  };
  row('in-process, concurrency 1', (await run({ concurrency: 1 }, files)).seconds);
  row('in-process, concurrency 2', (await run({ concurrency: 2 }, files)).seconds);
  const r = await redis();
  if (!r) {
    console.log(
      'queue rows skipped: no redis-server on PATH (apt-get install redis-server) and no TIMESIDE_TEST_REDIS_URL',
    );
    return;
  }
  try {
    await flush(r.url);
    const { seconds: one, calls } = await run({ redis: r.url }, files, workers(1, r.url));
    row('queue, 1 worker process', one);
    await flush(r.url);
    const { seconds: two } = await run({ redis: r.url }, files, workers(2, r.url));
    row('queue, 2 worker processes', two);
    const inProcess = rows[0][1];
    console.log(`speed-up, 2 workers over 1: ${(one / two).toFixed(2)}× (target ≥ 1.7× on 2 cores)`);
    console.log(
      `queue overhead per job (1 worker against in-process, one at a time): ${(((one - inProcess) / FILES) * 1000).toFixed(0)} ms`,
    );
    console.log(
      `Redis commands per job (timed 1-worker run, server + worker + this bench's polling-free count): ${(calls / FILES).toFixed(0)}`,
    );
    console.log(`media sent to workers per job: ${(mib / FILES).toFixed(1)} MiB`);
  } finally {
    r.stop();
  }
}
