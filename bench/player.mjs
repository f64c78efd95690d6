// `node bench/player.mjs` (after `pnpm build`, and with Debian's chromium at /usr/bin/chromium):
// the player on a 60-minute item. A child process runs `@timeside/server` on 127.0.0.1 with a
// temporary data dir; this process generates 60 minutes of audio with ffmpeg (lavfi: a 220 Hz
// tone under a 0.5 Hz tremolo, mono 22.05 kHz), uploads it, runs waveform_peaks at 100 000
// columns (36 ms each) plus onsets, then opens `/player/:id` in headless Chromium and measures
// the time from navigation start to the first drawn waveform (the element's `rendered.
// waveformColumns` > 0), over BENCH_PLAYER_RUNS page loads (default 5). Prints one row: median,
// min and max in ms, and the size of the view data the page fetched.
// BENCH_SERVER_MODULE: import the server from this file instead of `@timeside/server`.
import { execFileSync, fork } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const TOKEN = 'bench-token';
const MINUTES = Number(process.env.BENCH_PLAYER_MINUTES ?? 60);

if (process.argv[2] === '--child') {
  const mod = process.env.BENCH_SERVER_MODULE;
  const { serve } = await import(mod ? pathToFileURL(mod).href : '@timeside/server');
  const server = await serve({ dataDir: process.argv[3], port: 0, host: '127.0.0.1', token: TOKEN });
  process.send?.({ url: server.url });
  process.on('message', async () => {
    await server.close();
    process.exit(0);
  });
} else if (!existsSync('/usr/bin/chromium')) {
  console.log('player row skipped: no /usr/bin/chromium (apt-get install chromium)');
} else {
  const require = createRequire(join(process.cwd(), 'packages', 'player', 'package.json'));
  const { chromium } = require('playwright-core');
  const { locateFfmpeg } = await import('@timeside/core');
  const runs = Number(process.env.BENCH_PLAYER_RUNS ?? 5);
  const dataDir = mkdtempSync(join(tmpdir(), 'timeside-bench-player-'));
  const wav = join(dataDir, `tone-${MINUTES}min.wav`);
  execFileSync(locateFfmpeg().path, [
    '-hide_banner',
    '-loglevel',
    'error',
    '-f',
    'lavfi',
    '-i',
    `sine=frequency=220:sample_rate=22050:duration=${MINUTES * 60}`,
    '-af',
    'tremolo=f=0.5:d=0.8,volume=0.5',
    '-ac',
    '1',
    '-c:a',
    'pcm_s16le',
    wav,
  ]);
  const child = fork(new URL(import.meta.url).pathname, ['--child', join(dataDir, 'data')], {
    stdio: 'inherit',
  });
  let context;
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
    const form = new FormData();
    form.append('file', new Blob([readFileSync(wav)]), `tone-${MINUTES}min.wav`);
    const item = await (
      await fetch(`${url}/api/items`, { method: 'POST', headers: auth, body: form })
    ).json();
    const presets = [
      await post('/api/presets', { processor: 'waveform_peaks', params: { width: 100000 } }),
      await post('/api/presets', { processor: 'onsets' }),
    ];
    const experience = await post('/api/experiences', { presets: presets.map((p) => p.id) });
    const selection = await post('/api/selections', { items: [item.id] });
    let task = await post('/api/tasks', { experience: experience.id, selection: selection.id });
    while (task.status === 'pending' || task.status === 'running') {
      await new Promise((r) => setTimeout(r, 250));
      task = await (await fetch(`${url}/api/tasks/${task.id}`)).json();
    }
    if (task.status !== 'done') throw new Error(`the task failed: ${JSON.stringify(task.items)}`);
    const dataBytes = (await (await fetch(`${url}/api/items/${item.id}/player-data`)).arrayBuffer())
      .byteLength;

    context = await chromium.launchPersistentContext(mkdtempSync(join(dataDir, 'profile-')), {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport: { width: 1200, height: 600 },
    });
    const page = context.pages()[0] ?? (await context.newPage());
    const times = [];
    for (let i = 0; i < runs; i++) {
      await page.goto(`${url}/player/${item.id}`);
      // performance.now() counts from the navigation's start; polled every frame, so at most
      // one frame (~16 ms) late.
      const at = await page.waitForFunction(
        () => document.querySelector('timeside-player')?.rendered.waveformColumns > 0 && performance.now(),
        null,
        { polling: 'raf', timeout: 60_000 },
      );
      times.push(await at.jsonValue());
    }
    times.sort((a, b) => a - b);
    const row = {
      bench: `player: page load → first waveform, ${MINUTES}-min item (100 000 peak columns)`,
      median_ms: +times[Math.floor(times.length / 2)].toFixed(1),
      min_ms: +times[0].toFixed(1),
      max_ms: +times[times.length - 1].toFixed(1),
      runs,
      player_data_bytes: dataBytes,
    };
    console.log(JSON.stringify(row));
  } finally {
    await context?.close();
    child.send('stop');
    await new Promise((r) => child.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
  }
}
