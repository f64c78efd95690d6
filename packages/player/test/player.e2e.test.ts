// biome-ignore-all lint/suspicious/noExplicitAny: the tests read the API's JSON and the page's element field by field
/**
 * The player in a real Chromium (Debian's, driven by playwright-core) against the real server on
 * 127.0.0.1 with generated items: a click track of known click times and a sequence of tones of
 * known pitch. Screenshots go to .tmp/player-screens/ (git ignores .tmp/).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clickTrack } from '../../plugin-aubio-like/src/test/click-tracks.js';
import { createApp } from '../../server/src/index.js';
import { registerPlugins, tempDir, writeWav } from '../../server/test/helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`player e2e tests skipped: ${CHROMIUM} is absent (apt-get install chromium)`);
const moduleFile = fileURLToPath(new URL('../dist/timeside-player.js', import.meta.url));
const SCREENS = fileURLToPath(new URL('../../../.tmp/player-screens/', import.meta.url));

const TOKEN = 'player-test-token';
const SR = 44100;
/** Ten noise clicks, one a second from 0.5 s, in 10.5 s of silence. */
const CLICKS = Array.from({ length: 10 }, (_, k) => 0.5 + k);
const CLICKS_S = 10.5;
/** Tones of known pitch, each 1.5 s, with 0.5 s of silence after each. */
const TONES = [220, 330, 440, 330, 262];

/** Chromium's flags: headless, no network beyond the test server, no first-run work. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--autoplay-policy=no-user-gesture-required',
];

describe.skipIf(!hasChromium)('<timeside-player> in Chromium against the server', () => {
  const tmp = tempDir('timeside-player-');
  let app: Awaited<ReturnType<typeof createApp>>;
  let base: string;
  let context: BrowserContext;
  let page: Page;
  const items: Record<'clicks' | 'tones', string> = { clicks: '', tones: '' };
  const presets: Record<string, string> = {};

  const auth = { authorization: `Bearer ${TOKEN}` };
  async function api(method: string, path: string, body?: unknown): Promise<any> {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: body === undefined ? auth : { ...auth, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return res.status === 204 ? null : res.json();
  }
  async function upload(path: string, name: string): Promise<string> {
    const form = new FormData();
    form.append('file', new Blob([readFileSync(path)]), name);
    const res = await fetch(`${base}/api/items`, { method: 'POST', headers: auth, body: form });
    return ((await res.json()) as any).id;
  }

  /** Opens the item's player page and waits until its waveform is drawn. */
  async function open(item: string): Promise<void> {
    await page.goto(`${base}/player/${item}?token=${TOKEN}`);
    await page.waitForFunction(() => {
      const p = document.querySelector('timeside-player') as any;
      return p?.item && p.rendered.waveformColumns > 0;
    });
  }
  /** Runs `fn` in the page on the <timeside-player> element. */
  const player = <T>(fn: (p: any) => T) =>
    page.locator('timeside-player').evaluate(fn as any) as Promise<Awaited<T>>;

  beforeAll(async () => {
    if (!existsSync(moduleFile))
      throw new Error(`${moduleFile} is missing: run pnpm --filter @timeside/player build`);
    mkdirSync(SCREENS, { recursive: true });
    registerPlugins();
    const clicks = clickTrack(CLICKS, CLICKS_S, { seed: 7 });
    writeWav(
      join(tmp.dir, 'clicks.wav'),
      { sampleRate: SR, channels: 1, frames: clicks.length },
      (i) => clicks[i],
    );
    const toneS = 1.5;
    const slotS = 2;
    writeWav(
      join(tmp.dir, 'tones.wav'),
      { sampleRate: SR, channels: 1, frames: TONES.length * slotS * SR },
      (i) => {
        const t = i / SR;
        const k = Math.floor(t / slotS);
        const u = t - k * slotS;
        // 10 ms raised-cosine edges keep the tone starts from clicking.
        const edge = Math.min(1, u / 0.01, (toneS - u) / 0.01);
        return u < toneS ? 0.4 * Math.max(0, edge) * Math.sin(2 * Math.PI * TONES[k] * u) : 0;
      },
    );

    app = await createApp({ dataDir: join(tmp.dir, 'data'), token: TOKEN });
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    items.clicks = await upload(join(tmp.dir, 'clicks.wav'), 'clicks.wav');
    items.tones = await upload(join(tmp.dir, 'tones.wav'), 'tones.wav');
    for (const [name, body] of Object.entries({
      peaks: { processor: 'waveform_peaks', params: { width: 2000 } },
      onsets: { processor: 'onsets' },
      silence: { processor: 'silence' },
      pitch: { processor: 'pitch' },
      spectrogram: { processor: 'spectrogram_log', params: { width: 1200, height: 256 } },
    })) {
      presets[name] = (await api('POST', '/api/presets', body)).id;
    }
    const experience = (
      await api('POST', '/api/experiences', { name: 'player', presets: Object.values(presets) })
    ).id;
    const selection = (await api('POST', '/api/selections', { name: 'player', items: Object.values(items) }))
      .id;
    const task = (await api('POST', '/api/tasks', { experience, selection })).id;
    for (;;) {
      const t = await api('GET', `/api/tasks/${task}`);
      if (t.status === 'failed') throw new Error(`task failed: ${JSON.stringify(t.items)}`);
      if (t.status === 'done') break;
      await new Promise((r) => setTimeout(r, 100));
    }

    context = await chromium.launchPersistentContext(mkdtempSync(join(tmp.dir, 'profile-')), {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1100, height: 620 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (e) => console.error('page error:', e.message));
  });

  afterAll(async () => {
    await context?.close();
    await app?.close();
    tmp.remove();
  });

  it('loads the item: duration from the server, one waveform column per pixel of the view', async () => {
    await open(items.clicks);
    const s = await player((p) => ({
      duration: p.duration,
      columns: p.rendered.waveformColumns,
      width: p.shadowRoot.querySelector('[part~=canvas]').clientWidth,
      view: p.view,
      title: document.title,
    }));
    expect(s.duration).toBeCloseTo(CLICKS_S, 2);
    expect(s.columns).toBe(s.width);
    expect(s.view).toEqual({ start: 0, end: s.duration });
    expect(s.title).toContain('clicks.wav');
    await page.screenshot({ path: join(SCREENS, '1-default.png') });
  });

  it('plays the server’s Ogg Vorbis stream: currentTime advances', async () => {
    await player((p) => p.setAttribute('format', 'ogg'));
    await page.waitForFunction(() =>
      (document.querySelector('timeside-player') as any).audio.src.endsWith('/stream.ogg'),
    );
    await player((p) => p.ready);
    await player((p) => p.play());
    await page.waitForFunction(
      () => (document.querySelector('timeside-player') as any).currentTime > 0.5,
      null,
      {
        timeout: 15_000,
      },
    );
    const label = await player((p) => p.shadowRoot.querySelector('[part~=play]').getAttribute('aria-label'));
    expect(label).toBe('Pause');
    await player((p) => p.pause());
  });

  it('seeks to 50% ± 2% of the duration on a click at 50% of the view’s width', async () => {
    const box = await page.locator('timeside-player').locator('[part~=canvas]').boundingBox();
    if (!box) throw new Error('no canvas');
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    // The stream may be asked again (with Range, from the server's cache) before the seek lands.
    await page.waitForFunction(
      () => (document.querySelector('timeside-player') as any).audio.currentTime > 4,
      null,
      {
        timeout: 15_000,
      },
    );
    const { t, d, src } = await player((p) => ({
      t: p.audio.currentTime,
      d: p.duration,
      src: p.audio.currentSrc,
    }));
    expect(src).toMatch(/\/stream\.ogg$/);
    expect(Math.abs(t / d - 0.5)).toBeLessThanOrEqual(0.02);
    // Without a format, a wav item plays from its own file (Range from the first visit).
    await player((p) => p.removeAttribute('format'));
    await page.waitForFunction(() =>
      (document.querySelector('timeside-player') as any).audio.src.endsWith('/audio'),
    );
    await player((p) => p.ready);
    await player((p) => {
      p.currentTime = p.duration / 2;
    });
    await page.waitForFunction(
      () => (document.querySelector('timeside-player') as any).audio.currentTime > 5,
    );
  });

  it('zoom ×4 (two clicks on Zoom in) shows a quarter of the previous range', async () => {
    await player((p) => p.fit());
    const before = await player((p) => p.view);
    const zoomIn = page.getByRole('button', { name: 'Zoom in' });
    await zoomIn.click();
    await zoomIn.click();
    const after = await player((p) => p.view);
    expect(after.end - after.start).toBeCloseTo((before.end - before.start) / 4, 9);
    // The playhead (at 50%) stays in view.
    expect(after.start).toBeLessThanOrEqual(CLICKS_S / 2);
    expect(after.end).toBeGreaterThanOrEqual(CLICKS_S / 2);
    await page.screenshot({ path: join(SCREENS, '2-zoomed.png') });
    // Keyboard: '-' zooms back out by 2.
    await page.locator('timeside-player').locator('[part~=view]').focus();
    await page.keyboard.press('-');
    const out = await player((p) => p.view);
    expect(out.end - out.start).toBeCloseTo((after.end - after.start) * 2, 9);
  });

  it('the onset layer of the click track draws exactly its 10 clicks, at their times', async () => {
    await player((p) => p.fit());
    await page.evaluate((clicks) => {
      (window as any).CLICKS = clicks;
    }, CLICKS);
    const { layers, rendered } = await player((p) => ({ layers: p.layers, rendered: p.rendered }));
    const onsets = layers.find((l: any) => l.id === 'onsets');
    expect(rendered.layers[onsets.key]).toBe(CLICKS.length);
    expect(onsets.time).toHaveLength(CLICKS.length);
    for (let k = 0; k < CLICKS.length; k++) expect(Math.abs(onsets.time[k] - CLICKS[k])).toBeLessThan(0.01);
    // On the canvas: the onset colour at every click's x (±1 px), near the top where only
    // markers are drawn, and nowhere halfway between two clicks.
    const seen = await player((p) => {
      const c = p.shadowRoot.querySelector('[part~=canvas]') as HTMLCanvasElement;
      const g = c.getContext('2d') as CanvasRenderingContext2D;
      const l = p.layers.find((x: any) => x.id === 'onsets');
      const rgb = [1, 3, 5].map((k) => Number.parseInt(l.color.slice(k, k + 2), 16));
      const y = Math.round(12 * (c.width / c.clientWidth));
      const near = (t: number) => {
        const x = Math.round((t / p.duration) * c.width);
        const row = g.getImageData(x - 2, y, 5, 1).data;
        for (let i = 0; i < 5; i++) {
          const d = Math.max(...rgb.map((v, k) => Math.abs(row[4 * i + k] - v)));
          if (d < 40) return true;
        }
        return false;
      };
      return {
        at: (window as any).CLICKS.map(near),
        between: (window as any).CLICKS.map((t: number) => near(t + 0.5)),
      };
    });
    expect(seen.at).toEqual(CLICKS.map(() => true));
    expect(seen.between).toEqual(CLICKS.map(() => false));
    // Hidden, none is drawn.
    await page.getByRole('checkbox', { name: /\(onsets\)/ }).uncheck();
    expect(
      await player((p) => p.rendered.layers[p.layers.find((l: any) => l.id === 'onsets').key]),
    ).toBeUndefined();
    await page.getByRole('checkbox', { name: /\(onsets\)/ }).check();
  });

  it('an annotation added in the page is returned by the API and shown after a reload', async () => {
    await player((p) => {
      p.currentTime = 3;
    });
    const added = player(
      (p) =>
        new Promise<any>((resolve) => p.on('annotationchange', (e: any) => resolve(e.detail.annotation))),
    );
    await page.getByRole('button', { name: 'Add a marker at the playhead' }).click();
    const marker = await added;
    // A region by shift-dragging from 20% to 40% of the view.
    const box = await page.locator('timeside-player').locator('[part~=canvas]').boundingBox();
    if (!box) throw new Error('no canvas');
    const region = player(
      (p) =>
        new Promise<any>((resolve) => p.on('annotationchange', (e: any) => resolve(e.detail.annotation))),
    );
    await page.keyboard.down('Shift');
    await page.mouse.move(box.x + box.width * 0.2, box.y + 40);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.4, box.y + 40, { steps: 5 });
    await page.mouse.up();
    await page.keyboard.up('Shift');
    const r = await region;
    // Label the marker from its row.
    const labelled = player(
      (p) =>
        new Promise<any>((resolve) => p.on('annotationchange', (e: any) => resolve(e.detail.annotation))),
    );
    const row = page.locator('timeside-player').locator(`[data-annotation="${marker.id}"] input`);
    await row.fill('first call');
    await row.press('Enter');
    await labelled;

    const tracks = await api('GET', `/api/items/${items.clicks}/tracks`);
    expect(tracks).toHaveLength(1);
    const stored = await api('GET', `/api/tracks/${tracks[0].id}/annotations`);
    expect(stored).toHaveLength(2);
    const m = stored.find((a: any) => a.id === marker.id);
    expect(m.time).toBeCloseTo(3, 6);
    expect(m.duration).toBe(0);
    expect(m.label).toBe('first call');
    const g = stored.find((a: any) => a.id === r.id);
    expect(g.time / CLICKS_S).toBeCloseTo(0.2, 2);
    expect((g.time + g.duration) / CLICKS_S).toBeCloseTo(0.4, 2);

    await page.reload();
    await page.waitForFunction(
      () => (document.querySelector('timeside-player') as any)?.rendered.annotations === 2,
    );
    const shown = await player((p) => p.annotations.map((a: any) => [a.id, a.label]));
    expect(shown).toEqual(stored.map((a: any) => [a.id, a.label]));
    expect(
      await page.locator('timeside-player').locator(`[data-annotation="${marker.id}"] input`).inputValue(),
    ).toBe('first call');
    await page.screenshot({ path: join(SCREENS, '3-annotations.png') });
    // Delete the region from its row: the API no longer has it.
    const deleted = player(
      (p) => new Promise<any>((resolve) => p.on('annotationchange', (e: any) => resolve(e.detail))),
    );
    await page
      .locator('timeside-player')
      .locator(`[data-annotation="${r.id}"] button`, { hasText: 'Delete' })
      .click();
    expect(await deleted).toMatchObject({ action: 'delete', annotation: { id: r.id } });
    expect((await api('GET', `/api/tracks/${tracks[0].id}/annotations`)).map((a: any) => a.id)).toEqual([
      marker.id,
    ]);
  });

  it('draws the tones with their layers (pitch curve, silence bands) and switches to the spectrogram', async () => {
    await open(items.tones);
    const s = await player((p) => ({
      ids: p.layers.map((l: any) => l.id),
      rendered: p.rendered,
      pitch: p.layers.find((l: any) => l.id === 'pitch.f0'),
      silence: p.layers.find((l: any) => l.id === 'silence'),
    }));
    expect(s.ids).toEqual(expect.arrayContaining(['onsets', 'silence', 'pitch.f0']));
    // The pitch curve holds each tone's frequency in the middle of its slot (±2%).
    TONES.forEach((f, k) => {
      const mid = k * 2 + 0.75;
      const i = s.pitch.time.findIndex((t: number) => t >= mid);
      expect(Math.abs(s.pitch.value[i] / f - 1)).toBeLessThan(0.02);
    });
    expect(s.rendered.layers[s.silence.key]).toBeGreaterThanOrEqual(TONES.length - 1);
    expect(s.rendered.layers[s.pitch.key]).toBeGreaterThan(100);
    await page.screenshot({ path: join(SCREENS, '4-layers.png') });
    await page.getByRole('combobox', { name: 'View' }).selectOption('spectrogram');
    expect(await player((p) => [p.mode, p.rendered.waveformColumns])).toEqual(['spectrogram', 0]);
    await page.screenshot({ path: join(SCREENS, '5-spectrogram.png') });
  });

  it('player-data: peaks in audiowaveform JSON equal the min/max of the generated samples per column', async () => {
    const data = await api('GET', `/api/items/${items.clicks}/player-data`);
    const clicks = clickTrack(CLICKS, CLICKS_S, { seed: 7 });
    // The samples as the WAV holds them (16-bit, rounded and clipped as writeWav does).
    const q = (v: number) => Math.max(-32768, Math.min(32767, Math.round(v * 32768))) / 32768;
    const spp = Math.ceil(clicks.length / 2000);
    expect(data.peaks).toMatchObject({
      version: 2,
      channels: 1,
      sample_rate: SR,
      samples_per_pixel: spp,
      bits: 16,
    });
    expect(data.peaks.length).toBe(Math.ceil(clicks.length / spp));
    let worst = 0;
    for (let i = 0; i < data.peaks.length; i++) {
      let lo = Number.POSITIVE_INFINITY;
      let hi = Number.NEGATIVE_INFINITY;
      for (let j = i * spp; j < Math.min(clicks.length, (i + 1) * spp); j++) {
        lo = Math.min(lo, q(clicks[j]));
        hi = Math.max(hi, q(clicks[j]));
      }
      worst = Math.max(
        worst,
        Math.abs(data.peaks.data[2 * i] - lo * 32767),
        Math.abs(data.peaks.data[2 * i + 1] - hi * 32767),
      );
    }
    // Within the rounding to audiowaveform's integers.
    expect(worst).toBeLessThanOrEqual(1);
    const kinds = Object.fromEntries(data.layers.map((l: any) => [l.id, l.kind]));
    expect(kinds).toMatchObject({ onsets: 'events', silence: 'segments', 'pitch.f0': 'curve' });
    expect(data.images.map((i: any) => i.name)).toEqual([expect.stringMatching(/spectrogram_log\.png$/)]);
  });

  it('serves the module and says so when an item is unknown', async () => {
    const js = await fetch(`${base}/player/timeside-player.js`);
    expect(js.headers.get('content-type')).toMatch(/javascript/);
    expect(await js.text()).toBe(readFileSync(moduleFile, 'utf8'));
    const page404 = await fetch(`${base}/player/nope`);
    expect(page404.status).toBe(404);
    expect(((await page404.json()) as any).error).toBe('E_NOT_FOUND');
  });
});

// Resolvable from the server as its dependency (what the /player/timeside-player.js route uses).
it('the server resolves @timeside/player/timeside-player.js to this package’s dist', () => {
  const require = createRequire(fileURLToPath(new URL('../../server/src/player-routes.ts', import.meta.url)));
  expect(require.resolve('@timeside/player/timeside-player.js')).toBe(moduleFile);
});
