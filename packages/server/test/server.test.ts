// biome-ignore-all lint/suspicious/noExplicitAny: the tests read the API's JSON bodies field by field
/**
 * The server over real HTTP on 127.0.0.1 (port chosen by the system): upload, presets, a task,
 * results checked against the library run directly and against the signals' known levels and
 * pitch, the PNG decoded, a streamed ogg decoded by ffmpeg, Range on the cached file, a restart
 * on the same data dir, and the bad inputs.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { ffmpegDecode, fileDecoder, getProcessor, pipe, ResultContainer } from '@timeside/core';
import type { FastifyInstance } from 'fastify';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, openDb } from '../src/index.js';
import { registerPlugins, sine, tempDir, writeWav } from './helpers.js';

const TOKEN = 'test-token-123';
const tmp = tempDir('timeside-server-');
const dataDir = join(tmp.dir, 'data');
const mediaRoot = join(tmp.dir, 'media');
const SR = 44100;

/** The three inputs: known frequency and peak amplitude each. */
const inputs = [
  { name: 'sine-440hz-2s.wav', freqHz: 440, amplitude: 0.5, channels: 1, seconds: 2 },
  { name: 'sine-220hz-1.5s-stereo.wav', freqHz: 220, amplitude: 0.25, channels: 2, seconds: 1.5 },
  { name: 'sine-880hz-1s.wav', freqHz: 880, amplitude: 0.8, channels: 1, seconds: 1 },
];

let app: FastifyInstance;
let base: string;

async function start(): Promise<void> {
  app = await createApp({ dataDir, token: TOKEN, mediaRoot, maxUploadBytes: 1024 * 1024 });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address() as { port: number };
  base = `http://127.0.0.1:${address.port}`;
}

const auth = { authorization: `Bearer ${TOKEN}` };

async function api(method: string, path: string, body?: unknown, headers: Record<string, string> = auth) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text, headers: res.headers };
}

async function upload(path: string, name: string, headers: Record<string, string> = auth) {
  const form = new FormData();
  form.append('file', new Blob([readFileSync(path)]), name);
  const res = await fetch(`${base}/api/items`, { method: 'POST', headers, body: form });
  return { status: res.status, json: (await res.json()) as any };
}

/** GET over a raw socket; resolves with status, headers and the body. */
function get(path: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }>(
    (resolve, reject) => {
      const req = httpRequest(`${base}${path}`, { headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    },
  );
}

async function pollTask(id: string) {
  for (;;) {
    const { json } = await api('GET', `/api/tasks/${id}`);
    if (json.status === 'done' || json.status === 'failed') return json;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Seconds of audio in a file as ffmpeg decodes it (mono float32 samples counted). */
async function decodedSeconds(path: string, sampleRate: number): Promise<number> {
  let bytes = 0;
  for await (const chunk of ffmpegDecode(path, { channels: 1, sampleRate })) bytes += chunk.length;
  return bytes / 4 / sampleRate;
}

const items: { id: string; path: string; input: (typeof inputs)[number] }[] = [];
const presets: Record<string, string> = {};
let taskId = '';

beforeAll(async () => {
  registerPlugins();
  mkdirSync(mediaRoot, { recursive: true });
  for (const input of inputs) {
    const frames = Math.round(input.seconds * SR);
    writeWav(
      join(tmp.dir, input.name),
      { sampleRate: SR, channels: input.channels, frames },
      sine(input.freqHz, SR, input.amplitude),
    );
  }
  await start();
});

afterAll(async () => {
  await app?.close();
  tmp.remove();
});

describe('items, presets, a task and its results', () => {
  it('uploads three generated files and reads their metadata at ingest', async () => {
    for (const input of inputs) {
      const { status, json } = await upload(join(tmp.dir, input.name), input.name);
      expect(status).toBe(201);
      expect(json).toMatchObject({
        title: input.name,
        sampleRate: SR,
        channels: input.channels,
        codec: 'pcm_s16le',
      });
      expect(json.durationS).toBeCloseTo(input.seconds, 3);
      expect(json.path).toBeUndefined();
      items.push({ id: json.id, path: join(dataDir, 'media', json.id, input.name), input });
    }
    expect((await api('GET', '/api/items')).json).toHaveLength(3);
  });

  it('lists installed processors with their parameter schemas', async () => {
    const { status, json } = await api('GET', '/api/processors');
    expect(status).toBe(200);
    const level = json.find((p: any) => p.id === 'level');
    expect(level.kind).toBe('analyzer');
    expect(json.find((p: any) => p.id === 'waveform_simple').params.width.type).toBe('integer');
    expect(json.some((p: any) => p.kind === 'adapter' || p.kind === 'decoder')).toBe(false);
  });

  it('creates presets (level, pitch, waveform PNG), an experience and a selection, and runs a task', async () => {
    for (const [key, processor, params] of [
      ['level', 'level', {}],
      ['pitch', 'pitch', {}],
      ['waveform', 'waveform_simple', { width: 320, height: 80 }],
    ] as const) {
      const { status, json } = await api('POST', '/api/presets', { processor, params });
      expect(status, JSON.stringify(json)).toBe(201);
      presets[key] = json.id;
    }
    const experience = await api('POST', '/api/experiences', {
      name: 'basic',
      presets: Object.values(presets),
    });
    const selection = await api('POST', '/api/selections', { name: 'all', items: items.map((i) => i.id) });
    expect([experience.status, selection.status]).toEqual([201, 201]);
    const task = await api('POST', '/api/tasks', {
      experience: experience.json.id,
      selection: selection.json.id,
    });
    expect(task.status).toBe(202);
    taskId = task.json.id;
    const done = await pollTask(taskId);
    expect(done.status, JSON.stringify(done.items)).toBe('done');
    expect(done.items.map((i: any) => [i.status, i.progress, i.error])).toEqual(
      items.map(() => ['done', 1, null]),
    );
  });

  it('serves results equal to the library run directly, and to the signals’ known levels and pitch', async () => {
    const Level = await getProcessor('level');
    const Pitch = await getProcessor('pitch');
    for (const { id, path, input } of items) {
      const { json } = await api('GET', `/api/items/${id}/results`);
      const byPreset = new Map<string, any>(json.map((r: any) => [r.preset, r]));
      const level = ResultContainer.fromJSON(byPreset.get(presets.level).results);
      const pitch = ResultContainer.fromJSON(byPreset.get(presets.pitch).results);
      const direct = await pipe(fileDecoder(path), new Level(), new Pitch()).run();
      for (const rid of ['level.max', 'level.rms'])
        expect(level.require(rid).value).toEqual(direct.require(rid).value);
      expect(Array.from(pitch.require('pitch.f0').value as Float32Array)).toEqual(
        Array.from(direct.require('pitch.f0').value as Float32Array),
      );
      // A sine of peak A: max 20·log10(A) dBFS, RMS 20·log10(A/√2) dBFS (16-bit quantisation aside).
      expect(Number(level.require('level.max').value)).toBeCloseTo(20 * Math.log10(input.amplitude), 2);
      expect(Number(level.require('level.rms').value)).toBeCloseTo(
        20 * Math.log10(input.amplitude / Math.SQRT2),
        2,
      );
      const median = Number(pitch.require('pitch.median').value);
      expect(Math.abs(1200 * Math.log2(median / input.freqHz))).toBeLessThan(10);
    }
  });

  it('serves the waveform as a PNG that decodes, with the asked size and a drawn waveform', async () => {
    const { id } = items[0];
    const { json } = await api('GET', `/api/items/${id}/results`);
    const files = json.find((r: any) => r.preset === presets.waveform).files;
    expect(files.map((f: any) => f.name)).toEqual(['waveform_simple.png']);
    const res = await get(files[0].url);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('image/png');
    const png = PNG.sync.read(res.body);
    expect([png.width, png.height]).toEqual([320, 80]);
    // A sine at half scale: its envelope covers the middle half of each column, the background
    // the rest, so the top row and the middle row of a column differ.
    const at = (x: number, y: number) => png.data.readUInt32BE((y * png.width + x) * 4);
    const x = png.width >> 1;
    expect(at(x, png.height >> 1)).not.toBe(at(x, 1));
    expect(at(x, 1)).toBe(at(x, png.height - 2));
  });

  it('serves results in every serializer’s format', async () => {
    const { id } = items[0];
    const yaml = await api('GET', `/api/items/${id}/results/${presets.level}?format=yaml`);
    expect(yaml.status).toBe(200);
    expect(yaml.text).toContain('level.max');
    const jams = await api('GET', `/api/items/${id}/results/${presets.pitch}?format=jams`);
    expect(jams.json.annotations.length).toBeGreaterThan(0);
    const eaf = await api('GET', `/api/items/${id}/results/${presets.pitch}?format=eaf`);
    expect(eaf.text).toContain('ANNOTATION_DOCUMENT');
    const hdf5 = await get(`/api/items/${id}/results/${presets.level}?format=hdf5`);
    // HDF5 signature (HDF5 File Format Specification, superblock).
    expect(hdf5.body.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]));
    const csvMany = await api('GET', `/api/items/${id}/results/${presets.level}?format=csv`);
    expect(csvMany.status).toBe(400);
    expect(csvMany.json.message).toContain('?result=');
    const csv = await api('GET', `/api/items/${id}/results/${presets.pitch}?format=csv&result=pitch.f0`);
    expect(csv.status).toBe(200);
    expect(csv.text).toContain('pitch.f0');
  });
});

describe('streaming', () => {
  it('serves the item’s own file, with Range', async () => {
    const { id, path } = items[0];
    const bytes = readFileSync(path);
    const whole = await get(`/api/items/${id}/audio`);
    expect([whole.status, whole.headers['content-type']]).toEqual([200, 'audio/wav']);
    expect(whole.body.equals(bytes)).toBe(true);
    const part = await get(`/api/items/${id}/audio`, { range: 'bytes=44-143' });
    expect(part.status).toBe(206);
    expect(part.body.equals(bytes.subarray(44, 144))).toBe(true);
  });

  it('streams an ogg that ffmpeg decodes to the right duration, then serves the cached file with Range', async () => {
    const { id, input } = items[0];
    const cached = new Promise((resolve) => app.timeside.streamer.once('cached', resolve));
    const first = await get(`/api/items/${id}/stream.ogg`);
    expect(first.status).toBe(200);
    expect(first.headers['content-type']).toBe('audio/ogg');
    expect(first.body.subarray(0, 4).toString('ascii')).toBe('OggS');
    await cached;
    const oggPath = join(tmp.dir, 'streamed.ogg');
    writeFileSync(oggPath, first.body);
    expect(Math.abs((await decodedSeconds(oggPath, SR)) - input.seconds)).toBeLessThanOrEqual(0.03);

    const whole = await get(`/api/items/${id}/stream.ogg`);
    expect(whole.status).toBe(200);
    expect(whole.headers['accept-ranges']).toBe('bytes');
    expect(whole.body.equals(first.body)).toBe(true);
    const range = await get(`/api/items/${id}/stream.ogg`, { range: 'bytes=100-1099' });
    expect(range.status).toBe(206);
    expect(range.headers['content-range']).toBe(`bytes 100-1099/${first.body.length}`);
    expect(range.body.equals(first.body.subarray(100, 1100))).toBe(true);
    const tail = await get(`/api/items/${id}/stream.ogg`, { range: 'bytes=-64' });
    expect(tail.status).toBe(206);
    expect(tail.body.equals(first.body.subarray(first.body.length - 64))).toBe(true);
    const beyond = await get(`/api/items/${id}/stream.ogg`, { range: `bytes=${first.body.length + 10}-` });
    expect(beyond.status).toBe(416);
  });

  it('sends the first bytes of a 10-minute file before its transcode has finished', async () => {
    const rate = 22050;
    writeWav(
      join(mediaRoot, 'sine-440hz-10min.wav'),
      { sampleRate: rate, channels: 1, frames: 600 * rate },
      sine(440, rate, 0.5),
    );
    const reg = await api('POST', '/api/items/register', { path: 'sine-440hz-10min.wav' });
    expect(reg.status).toBe(201);
    expect(reg.json.durationS).toBeCloseTo(600, 3);
    const id = reg.json.id;
    const order: string[] = [];
    const onCached = () => order.push('transcode finished');
    app.timeside.streamer.on('cached', onCached);
    const cache = app.timeside.streamer.cachePath(id, 'ogg');
    await new Promise<void>((resolve, reject) => {
      const req = httpRequest(`${base}/api/items/${id}/stream.ogg`, (res) => {
        res.once('data', (chunk: Buffer) => {
          order.push('first bytes');
          expect(chunk.subarray(0, 4).toString('ascii')).toBe('OggS');
          expect(existsSync(cache)).toBe(false);
          // Leave: the server stops the transcode and removes its partial file.
          req.destroy();
          resolve();
        });
      });
      req.on('error', (e) => ((e as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(e)));
      req.end();
    });
    expect(order).toEqual(['first bytes']);
    for (let i = 0; i < 200 && readdirSync(join(dataDir, 'cache')).some((f) => f.endsWith('.part')); i++) {
      await new Promise((r) => setTimeout(r, 25));
    }
    app.timeside.streamer.off('cached', onCached);
    expect(order).toEqual(['first bytes']);
    expect(readdirSync(join(dataDir, 'cache')).filter((f) => f.startsWith(id))).toEqual([]);
  });
});

describe('bad input', () => {
  const count = async () => (await api('GET', '/api/items')).json.length;
  const mediaDirs = () =>
    existsSync(join(dataDir, 'media')) ? readdirSync(join(dataDir, 'media')).length : 0;

  it('refuses a non-audio upload with 415 naming the file and the reason, and stores nothing', async () => {
    const before = [await count(), mediaDirs()];
    const text = join(tmp.dir, 'notes.txt');
    writeFileSync(text, 'these are field notes, not audio\n'.repeat(100));
    const { status, json } = await upload(text, 'notes.txt');
    expect(status).toBe(415);
    expect(json.error).toBe('E_NOT_AUDIO');
    expect(json.message).toContain('notes.txt');
    // An image is a media file ffprobe reads, but it holds no audio.
    const image = new PNG({ width: 4, height: 4 });
    image.data.fill(200);
    const png = join(tmp.dir, 'picture.png');
    writeFileSync(png, PNG.sync.write(image));
    const picture = await upload(png, 'picture.png');
    expect(picture.status).toBe(415);
    expect(picture.json.message).toContain('picture.png');
    const notForm = await api('POST', '/api/items', { path: 'x.wav' });
    expect(notForm.status).toBe(415);
    expect(notForm.json.error).toBe('E_NOT_MULTIPART');
    expect([await count(), mediaDirs()]).toEqual(before);
    expect(readdirSync(join(dataDir, 'tmp'))).toEqual([]);
  });

  it('refuses an oversized upload with 413, and stores nothing', async () => {
    const before = [await count(), mediaDirs()];
    const big = join(tmp.dir, 'big.wav');
    writeWav(big, { sampleRate: SR, channels: 2, frames: SR * 6 }, sine(440, SR, 0.5));
    const { status } = await upload(big, 'big.wav');
    expect(status).toBe(413);
    expect([await count(), mediaDirs()]).toEqual(before);
    expect(readdirSync(join(dataDir, 'tmp'))).toEqual([]);
  });

  it('answers 400 naming an unknown processor or parameter', async () => {
    const unknown = await api('POST', '/api/presets', { processor: 'levle' });
    expect(unknown.status).toBe(400);
    expect(unknown.json.message).toContain('levle');
    const param = await api('POST', '/api/presets', {
      processor: 'level',
      params: { frameSize: 1024, bogus: 1 },
    });
    expect(param.status).toBe(400);
    expect(param.json).toMatchObject({ error: 'E_PARAM', processor: 'level', param: 'bogus' });
    const range = await api('POST', '/api/presets', { processor: 'waveform_simple', params: { width: -5 } });
    expect(range.status).toBe(400);
    expect(range.json.param).toBe('width');
    const output = await api('POST', '/api/presets', {
      processor: 'waveform_simple',
      params: { output: '/etc/x.png' },
    });
    expect(output.status).toBe(400);
    expect(output.json.param).toBe('output');
  });

  it('keeps an uploaded file named ../../x inside the data dir, under a safe name', async () => {
    const { status, json } = await upload(join(tmp.dir, inputs[2].name), '../../escape.wav');
    expect(status).toBe(201);
    expect(readdirSync(join(dataDir, 'media', json.id))).toEqual(['escape.wav']);
    expect(existsSync(join(tmp.dir, 'escape.wav'))).toBe(false);
    expect((await api('DELETE', `/api/items/${json.id}`)).status).toBe(204);
    expect(existsSync(join(dataDir, 'media', json.id))).toBe(false);
  });

  it('refuses ../ in paths and ids with a 4xx', async () => {
    for (const path of ['../secret.wav', '../../etc/passwd', '/etc/passwd', 'a/../../b.wav']) {
      const res = await api('POST', '/api/items/register', { path });
      expect(res.status, path).toBe(400);
      expect(res.json.error).toBe('E_OUTSIDE_MEDIA_ROOT');
    }
    for (const url of [
      '/api/items/..%2F..%2Fetc%2Fpasswd',
      `/api/items/${items[0].id}/results/..%2F..%2Ftoken`,
      `/api/items/${items[0].id}/results/${presets.waveform}/files/..%2F..%2F..%2Ftoken`,
      `/api/items/${items[0].id}/results/${presets.waveform}/files/..`,
    ]) {
      const res = await get(url);
      expect(res.status, url).toBeGreaterThanOrEqual(400);
      expect(res.status, url).toBeLessThan(500);
      expect(res.body.toString()).not.toContain(app.timeside.token);
    }
  });

  it('answers 401 to a write without the token (or with a wrong one), and changes nothing', async () => {
    const before = (await api('GET', '/api/presets')).json.length;
    expect((await api('POST', '/api/presets', { processor: 'level' }, {})).status).toBe(401);
    expect(
      (await api('POST', '/api/presets', { processor: 'level' }, { authorization: 'Bearer nope' })).status,
    ).toBe(401);
    expect((await api('DELETE', `/api/items/${items[0].id}`, undefined, {})).status).toBe(401);
    const text = join(tmp.dir, 'x.wav');
    writeWav(text, { sampleRate: SR, channels: 1, frames: 100 }, () => 0);
    expect((await upload(text, 'x.wav', {})).status).toBe(401);
    expect((await api('GET', '/api/presets')).json.length).toBe(before);
  });
});

describe('annotations', () => {
  it('keeps annotation tracks and annotations (time, duration, label, author) on an item', async () => {
    const { id } = items[0];
    const track = await api('POST', `/api/items/${id}/tracks`, { name: 'voices', author: 'ana' });
    expect(track.status).toBe(201);
    const a = await api('POST', `/api/tracks/${track.json.id}/annotations`, {
      time: 1.25,
      duration: 0.5,
      label: 'A4',
      author: 'ana',
    });
    await api('POST', `/api/tracks/${track.json.id}/annotations`, { time: 0.1, label: 'start' });
    expect(a.status).toBe(201);
    const patched = await api('PATCH', `/api/annotations/${a.json.id}`, { label: 'la' });
    expect(patched.json.label).toBe('la');
    const list = await api('GET', `/api/tracks/${track.json.id}/annotations`);
    expect(list.json.map((x: any) => [x.time, x.duration, x.label, x.author])).toEqual([
      [0.1, 0, 'start', null],
      [1.25, 0.5, 'la', 'ana'],
    ]);
    expect(
      (await api('POST', `/api/tracks/${track.json.id}/annotations`, { time: -1, label: 'x' })).status,
    ).toBe(400);
    // Exported with core's serializers: Audacity labels are start<TAB>end<TAB>text lines.
    const labels = await api('GET', `/api/tracks/${track.json.id}/export?format=audacity`);
    expect(labels.status).toBe(200);
    expect(
      labels.text
        .trim()
        .split('\n')
        .map((l) => l.split('\t').map((f, i) => (i < 2 ? Number(f) : f))),
    ).toEqual([
      [0.1, 0.1, 'start'],
      [1.25, 1.75, 'la'],
    ]);
    const eaf = await api('GET', `/api/tracks/${track.json.id}/export?format=eaf`);
    expect(eaf.text).toContain('<ANNOTATION_VALUE>la</ANNOTATION_VALUE>');
    const back = ResultContainer.fromJSON(
      (await api('GET', `/api/tracks/${track.json.id}/export?format=json`)).json,
    );
    expect(Array.from(back.require('annotations').time as Float64Array)).toEqual([0.1, 1.25]);
  });
});

describe('OpenAPI and restart', () => {
  it('describes the API at /api/openapi.json', async () => {
    const { status, json } = await api('GET', '/api/openapi.json', undefined, {});
    expect(status).toBe(200);
    expect(json.openapi).toMatch(/^3\./);
    for (const path of [
      '/api/items',
      '/api/presets',
      '/api/tasks/{id}',
      '/api/items/{id}/results/{preset}',
    ]) {
      expect(Object.keys(json.paths)).toContain(path);
    }
  });

  it('keeps items, tasks and results across a restart on the same data dir', async () => {
    const before = {
      items: (await api('GET', '/api/items')).json,
      task: (await api('GET', `/api/tasks/${taskId}`)).json,
      results: (await api('GET', `/api/items/${items[1].id}/results`)).text,
    };
    await app.close();
    await start();
    expect((await api('GET', '/api/items')).json).toEqual(before.items);
    expect((await api('GET', `/api/tasks/${taskId}`)).json).toEqual(before.task);
    expect((await api('GET', `/api/items/${items[1].id}/results`)).text).toBe(before.results);
    // The token was configured: a write still needs it.
    expect((await api('POST', '/api/presets', { processor: 'level' }, {})).status).toBe(401);
  });

  it('marks a task that was running when the server died as failed, naming why', async () => {
    await app.close();
    // What a crash leaves: a task and an item still "running" in the store.
    const db = openDb(join(dataDir, 'timeside.db'));
    const experience = (db.prepare('SELECT id FROM experiences').get() as { id: string }).id;
    const selection = (db.prepare('SELECT id FROM selections').get() as { id: string }).id;
    db.prepare(
      "INSERT INTO tasks (id, experience, selection, status, created_at) VALUES ('crashed', ?, ?, 'running', ?)",
    ).run(experience, selection, new Date().toISOString());
    db.prepare(
      "INSERT INTO task_items (task, item, status, progress) VALUES ('crashed', ?, 'running', 0.4)",
    ).run(items[0].id);
    db.close();
    await start();
    const { json } = await api('GET', '/api/tasks/crashed');
    expect(json.status).toBe('failed');
    expect(json.items[0].status).toBe('failed');
    expect(json.items[0].error).toContain('server stopped');
  });
});
