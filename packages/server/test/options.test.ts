// biome-ignore-all lint/suspicious/noExplicitAny: the tests read the API's JSON bodies field by field
/**
 * Configuration and the task runner through `app.inject()`: CORS, token-protected reads, the
 * generated token kept across starts, an item that fails while the others succeed, and a
 * graceful stop in the middle of a task (the running item failed, the pending one resumed).
 */
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/index.js';
import { registerPlugins, sine, tempDir, writeWav } from './helpers.js';

const tmp = tempDir('timeside-server-options-');
const media = join(tmp.dir, 'media');
afterAll(() => tmp.remove());
beforeAll(() => {
  registerPlugins();
  mkdirSync(media, { recursive: true });
  writeWav(
    join(media, 'sine-440hz-1s.wav'),
    { sampleRate: 22050, channels: 1, frames: 22050 },
    sine(440, 22050, 0.5),
  );
  writeWav(
    join(media, 'sine-440hz-1s-b.wav'),
    { sampleRate: 22050, channels: 1, frames: 22050 },
    sine(440, 22050, 0.5),
  );
  writeWav(
    join(media, 'sine-440hz-3min.wav'),
    { sampleRate: 22050, channels: 1, frames: 180 * 22050 },
    sine(440, 22050, 0.5),
  );
});

function client(app: FastifyInstance, token: string) {
  return async (method: 'GET' | 'POST', url: string, payload?: object) => {
    const res = await app.inject({ method, url, payload, headers: { authorization: `Bearer ${token}` } });
    return { status: res.statusCode, json: res.json() as any };
  };
}

async function waitFor(app: FastifyInstance, token: string, task: string, until: (t: any) => boolean) {
  const call = client(app, token);
  for (;;) {
    const { json } = await call('GET', `/api/tasks/${task}`);
    if (until(json)) return json;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('options', () => {
  it('answers CORS preflights for the configured origin only', async () => {
    const app = await createApp({ dataDir: join(tmp.dir, 'cors'), token: 't', cors: ['http://player.test'] });
    const preflight = (origin: string) =>
      app.inject({
        method: 'OPTIONS',
        url: '/api/items',
        headers: { origin, 'access-control-request-method': 'GET' },
      });
    expect((await preflight('http://player.test')).headers['access-control-allow-origin']).toBe(
      'http://player.test',
    );
    expect((await preflight('http://elsewhere.test')).headers['access-control-allow-origin']).toBeUndefined();
    await app.close();
    const closed = await createApp({ dataDir: join(tmp.dir, 'cors'), token: 't' });
    expect(
      (await closed.inject({ method: 'GET', url: '/api/items', headers: { origin: 'http://player.test' } }))
        .headers['access-control-allow-origin'],
    ).toBeUndefined();
    await closed.close();
  });

  it('protects reads too when asked, except the OpenAPI description', async () => {
    const app = await createApp({ dataDir: join(tmp.dir, 'reads'), token: 'secret', protectReads: true });
    expect((await app.inject({ url: '/api/items' })).statusCode).toBe(401);
    expect(
      (await app.inject({ url: '/api/items', headers: { 'x-timeside-token': 'secret' } })).statusCode,
    ).toBe(200);
    expect((await app.inject({ url: '/api/openapi.json' })).statusCode).toBe(200);
    await app.close();
  });

  it('generates a token at the first start, saves it, and keeps it at the next', async () => {
    const dataDir = join(tmp.dir, 'token');
    const saved = process.env.TIMESIDE_TOKEN;
    delete process.env.TIMESIDE_TOKEN;
    try {
      const first = await createApp({ dataDir });
      const token = first.timeside.token;
      expect(first.timeside.tokenGenerated).toBe(true);
      expect(token.length).toBeGreaterThanOrEqual(32);
      expect(readFileSync(join(dataDir, 'token'), 'utf8').trim()).toBe(token);
      await first.close();
      const second = await createApp({ dataDir });
      expect([second.timeside.token, second.timeside.tokenGenerated]).toEqual([token, false]);
      await second.close();
    } finally {
      if (saved !== undefined) process.env.TIMESIDE_TOKEN = saved;
    }
  });
});

describe('the task runner', () => {
  it('fails one item with its error while the others succeed; the task is failed', async () => {
    const dataDir = join(tmp.dir, 'partial');
    const app = await createApp({ dataDir, token: 't', mediaRoot: media });
    const call = client(app, 't');
    const a = await call('POST', '/api/items/register', { path: 'sine-440hz-1s.wav' });
    const b = await call('POST', '/api/items/register', { path: 'sine-440hz-1s-b.wav' });
    expect([a.status, b.status]).toEqual([201, 201]);
    const preset = await call('POST', '/api/presets', { processor: 'level' });
    const experience = await call('POST', '/api/experiences', { presets: [preset.json.id] });
    const selection = await call('POST', '/api/selections', { items: [a.json.id, b.json.id] });
    // The second file disappears from the media root after it was registered.
    rmSync(join(media, 'sine-440hz-1s-b.wav'));
    const task = await call('POST', '/api/tasks', {
      experience: experience.json.id,
      selection: selection.json.id,
    });
    const done = await waitFor(app, 't', task.json.id, (t) => t.status === 'done' || t.status === 'failed');
    expect(done.status).toBe('failed');
    expect(done.items[0]).toMatchObject({ status: 'done', error: null });
    expect(done.items[1].status).toBe('failed');
    expect(done.items[1].error).toContain('sine-440hz-1s-b.wav');
    expect((await call('GET', `/api/items/${a.json.id}/results/${preset.json.id}`)).status).toBe(200);
    expect((await call('GET', `/api/items/${b.json.id}/results/${preset.json.id}`)).status).toBe(404);
    // Streaming it answers with the error as JSON (not a 200 cut short) and leaves no partial file.
    const stream = await app.inject({ url: `/api/items/${b.json.id}/stream.ogg` });
    expect(stream.statusCode).toBeGreaterThanOrEqual(400);
    expect(stream.json().message).toContain('sine-440hz-1s-b.wav');
    expect(readdirSync(join(dataDir, 'cache'))).toEqual([]);
    await app.close();
  });

  it('on a stop mid-task marks the running item failed and resumes the pending one at the next start', async () => {
    const dataDir = join(tmp.dir, 'stop');
    let app = await createApp({ dataDir, token: 't', mediaRoot: media, concurrency: 1 });
    let call = client(app, 't');
    const long = await call('POST', '/api/items/register', { path: 'sine-440hz-3min.wav' });
    const short = await call('POST', '/api/items/register', { path: 'sine-440hz-1s.wav' });
    const preset = await call('POST', '/api/presets', { processor: 'pitch' });
    const experience = await call('POST', '/api/experiences', { presets: [preset.json.id] });
    const selection = await call('POST', '/api/selections', { items: [long.json.id, short.json.id] });
    const task = await call('POST', '/api/tasks', {
      experience: experience.json.id,
      selection: selection.json.id,
    });
    await waitFor(app, 't', task.json.id, (t) => t.items[0].status === 'running');
    await app.close();

    app = await createApp({ dataDir, token: 't', mediaRoot: media, concurrency: 1 });
    call = client(app, 't');
    const after = await waitFor(app, 't', task.json.id, (t) => t.status === 'done' || t.status === 'failed');
    expect(after.status).toBe('failed');
    expect(after.items[0].status).toBe('failed');
    expect(after.items[0].error).toContain('server stopped');
    expect(after.items[1]).toMatchObject({ status: 'done', progress: 1, error: null });
    expect((await call('GET', `/api/items/${short.json.id}/results/${preset.json.id}`)).status).toBe(200);
    await app.close();
  });
});
