// biome-ignore-all lint/suspicious/noExplicitAny: the tests read the API's JSON bodies field by field
/**
 * The routes a queue worker posts to, through `app.inject()` (no Redis needed): an upload
 * repeated by a retried job replaces the first, `done` repeated after a lost reply changes
 * nothing, a file the preset does not make or a preset not in the experience is refused, and
 * no temporary file remains.
 */
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApp } from '../src/index.js';
import { registerPlugins, sine, tempDir, writeWav } from './helpers.js';

const tmp = tempDir('timeside-queue-routes-');
const media = join(tmp.dir, 'media');
afterAll(() => tmp.remove());
beforeAll(() => {
  registerPlugins();
  mkdirSync(media, { recursive: true });
  writeWav(join(media, 'a.wav'), { sampleRate: 22050, channels: 1, frames: 22050 }, sine(440, 22050, 0.5));
});

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

it('a retried job replaces its upload and its result row, never adds a second; files and presets the job does not make are refused', async () => {
  const dataDir = join(tmp.dir, 'data');
  const app = await createApp({ dataDir, token: 't', mediaRoot: media });
  const headers = { authorization: 'Bearer t' };
  const call = async (method: 'GET' | 'POST', url: string, payload?: object) => {
    const res = await app.inject({ method, url, payload, headers });
    return { status: res.statusCode, json: res.body ? (res.json() as any) : undefined };
  };
  const item = (await call('POST', '/api/items/register', { path: 'a.wav' })).json.id;
  const preset = (await call('POST', '/api/presets', { processor: 'level' })).json.id;
  const experience = (await call('POST', '/api/experiences', { presets: [preset] })).json.id;
  const selection = (await call('POST', '/api/selections', { items: [item] })).json.id;
  const task = (await call('POST', '/api/tasks', { experience, selection })).json.id;
  for (;;) {
    if ((await call('GET', `/api/tasks/${task}`)).json.status === 'done') break;
    await new Promise((r) => setTimeout(r, 10));
  }
  const put = (name: string, body: string) =>
    app.inject({
      method: 'PUT',
      url: `/api/tasks/${task}/items/${item}/results/${preset}/files/${name}`,
      headers: { ...headers, 'content-type': 'application/octet-stream' },
      payload: Buffer.from(body),
    });
  const first = JSON.stringify([{ id: 'level.max', attempt: 1 }]);
  const second = JSON.stringify([{ id: 'level.max', attempt: 2 }]);
  expect((await put('results.json', first)).statusCode).toBe(204);
  expect((await put('results.json', second)).statusCode).toBe(204);
  const bad = await put('evil.png', 'x');
  expect(bad.statusCode).toBe(400);
  expect(bad.json().message).toContain('makes no file named evil.png');
  const unauthenticated = await app.inject({
    method: 'PUT',
    url: `/api/tasks/${task}/items/${item}/results/${preset}/files/results.json`,
    headers: { 'content-type': 'application/octet-stream' },
    payload: Buffer.from('x'),
  });
  expect(unauthenticated.statusCode).toBe(401);

  const done = { outputs: [{ preset, resultIds: ['level.max'], files: [] }] };
  expect((await call('POST', `/api/tasks/${task}/items/${item}/done`, done)).status).toBe(204);
  const stored = join(dataDir, 'results', item, preset, 'results.json');
  expect(readFileSync(stored, 'utf8')).toBe(second);
  // The reply was lost, the worker posts `done` again: still one row, the same file.
  expect((await call('POST', `/api/tasks/${task}/items/${item}/done`, done)).status).toBe(204);
  expect(app.timeside.store.db.prepare('SELECT COUNT(*) AS n FROM results').get()).toEqual({ n: 1 });
  expect(app.timeside.store.result(item, preset)).toMatchObject({
    task,
    resultIds: ['level.max'],
    files: [],
  });
  expect(readFileSync(stored, 'utf8')).toBe(second);
  expect(
    walk(dataDir).filter((f) => f.endsWith('.part') || f.includes(`${join(dataDir, 'incoming')}/`)),
  ).toEqual([]);

  // The outputs must be the experience's presets.
  const other = (await call('POST', '/api/tasks', { experience, selection })).json.id;
  for (;;) {
    if ((await call('GET', `/api/tasks/${other}`)).json.status === 'done') break;
    await new Promise((r) => setTimeout(r, 10));
  }
  const wrongPreset = await call('POST', `/api/tasks/${other}/items/${item}/done`, {
    outputs: [{ preset: 'nope', resultIds: [], files: [] }],
  });
  expect(wrongPreset.status).toBe(400);
  expect((await call('GET', '/api/queue')).json).toEqual({ mode: 'in-process' });
  await app.close();
});
