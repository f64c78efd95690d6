// `node bench/server.mjs` (after `pnpm build`): a bounded load of the REST server. A child
// process runs `@timeside/server` on 127.0.0.1 with a temporary data dir; this process uploads
// a generated 10 s sine, runs a task (level + pitch presets) and then loads
// `GET /api/items/:id/results` with autocannon for 10 s (BENCH_SERVER_SECONDS), 10 connections.
// Prints one row: requests/s, p50/p99 latency, errors, non-2xx.
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const TOKEN = 'bench-token';

if (process.argv[2] === '--child') {
  const { serve } = await import('@timeside/server');
  const server = await serve({ dataDir: process.argv[3], port: 0, host: '127.0.0.1', token: TOKEN });
  process.send?.({ url: server.url });
  process.on('message', async () => {
    await server.close();
    process.exit(0);
  });
} else {
  const require = createRequire(join(process.cwd(), 'packages', 'server', 'package.json'));
  const autocannon = require('autocannon');
  const seconds = Number(process.env.BENCH_SERVER_SECONDS ?? 10);
  const dataDir = mkdtempSync(join(tmpdir(), 'timeside-bench-server-'));
  const child = fork(new URL(import.meta.url).pathname, ['--child', dataDir], { stdio: 'inherit' });
  try {
    const { url } = await new Promise((resolve, reject) => {
      child.once('message', resolve);
      child.once('exit', (code) => reject(new Error(`the server exited (${code})`)));
    });
    const auth = { authorization: `Bearer ${TOKEN}` };
    const post = async (path, body) => {
      const res = await fetch(`${url}${path}`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
      return res.json();
    };
    // 10 s of a 440 Hz sine at half scale, 16-bit mono 44.1 kHz.
    const rate = 44100;
    const frames = rate * 10;
    const wav = Buffer.alloc(44 + frames * 2);
    wav.write('RIFF', 0, 'ascii');
    wav.writeUInt32LE(36 + frames * 2, 4);
    wav.write('WAVEfmt ', 8, 'ascii');
    wav.writeUInt32LE(16, 16);
    wav.writeUInt16LE(1, 20);
    wav.writeUInt16LE(1, 22);
    wav.writeUInt32LE(rate, 24);
    wav.writeUInt32LE(rate * 2, 28);
    wav.writeUInt16LE(2, 32);
    wav.writeUInt16LE(16, 34);
    wav.write('data', 36, 'ascii');
    wav.writeUInt32LE(frames * 2, 40);
    for (let i = 0; i < frames; i++)
      wav.writeInt16LE(Math.round(16384 * Math.sin((2 * Math.PI * 440 * i) / rate)), 44 + 2 * i);
    const form = new FormData();
    form.append('file', new Blob([wav]), 'sine-440hz-10s.wav');
    const upload = await fetch(`${url}/api/items`, { method: 'POST', headers: auth, body: form });
    const item = await upload.json();
    const presets = [
      await post('/api/presets', { processor: 'level' }),
      await post('/api/presets', { processor: 'pitch' }),
    ];
    const experience = await post('/api/experiences', { presets: presets.map((p) => p.id) });
    const selection = await post('/api/selections', { items: [item.id] });
    let task = await post('/api/tasks', { experience: experience.id, selection: selection.id });
    while (task.status === 'pending' || task.status === 'running') {
      await new Promise((r) => setTimeout(r, 100));
      task = await (await fetch(`${url}/api/tasks/${task.id}`)).json();
    }
    if (task.status !== 'done') throw new Error(`the task failed: ${JSON.stringify(task.items)}`);
    const target = `${url}/api/items/${item.id}/results`;
    const size = (await (await fetch(target)).text()).length;
    const result = await autocannon({ url: target, duration: seconds, connections: 10 });
    const row = {
      row: 'server GET /api/items/:id/results',
      'body bytes': size,
      'requests/s': Math.round(result.requests.average),
      'p50 ms': result.latency.p50,
      'p99 ms': result.latency.p99,
      errors: result.errors,
      timeouts: result.timeouts,
      'non-2xx': result.non2xx,
      seconds,
    };
    console.table([row]);
    if (result.errors || result.non2xx || result.timeouts) process.exitCode = 1;
  } finally {
    child.send('stop');
    await new Promise((r) => child.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
  }
}
