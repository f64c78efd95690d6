/**
 * The player's routes: the `<timeside-player>` module, a page embedding it for one item, and the
 * item's view data (waveform peaks in BBC audiowaveform's JSON and the analysis layers), read from
 * the stored results so that a one-hour item is drawn without decoding audio in the browser.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { type AnalyzerResult, isMatrix, ResultContainer, rowCount } from '@timeside/core';
import type { FastifyInstance } from 'fastify';
import { HttpError } from './http-error.js';
import { sendFile } from './stream.js';

const ID = { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' } as const;
/** A curve longer than this is decimated (min and max kept per bucket) before it is sent. */
const MAX_CURVE_POINTS = 8000;

/** One analysis layer as the player draws it. */
export interface PlayerLayer {
  /** The result id (`onsets`, `silence`, `pitch.f0`). */
  id: string;
  name: string;
  unit: string;
  /** Events are markers, segments bands, curves a line on their own axis. */
  kind: 'events' | 'segments' | 'curve';
  preset: string;
  /** Event and segment start times, or curve sample times, in seconds. */
  time: number[];
  /** Segment durations in seconds (segments only). */
  duration?: number[];
  /** Curve values (curves only). */
  value?: number[];
  /** Segment or event labels, when the result has them. */
  label?: string[];
}

/** What `GET /api/items/:id/player-data` answers. */
export interface PlayerData {
  /** BBC audiowaveform JSON (version 2, 16 bits) from the newest `waveform_peaks` result, or null. */
  peaks: {
    version: 2;
    channels: number;
    sample_rate: number;
    samples_per_pixel: number;
    bits: 16;
    length: number;
    data: number[];
  } | null;
  layers: PlayerLayer[];
  /** Images graphers wrote for the item (spectrograms, waveforms). */
  images: { preset: string; name: string; url: string }[];
}

function toPeaks(r: AnalyzerResult): PlayerData['peaks'] {
  const v = r.value;
  if (!r.frame || !isMatrix(v) || v.cols % 2 !== 0) return null;
  const data = new Array<number>(v.data.length);
  // audiowaveform's 16-bit scale, as plugin-graphers' audiowaveform writes it.
  for (let i = 0; i < v.data.length; i++)
    data[i] = Math.max(-32768, Math.min(32767, Math.round(v.data[i] * 32767)));
  return {
    version: 2,
    channels: v.cols / 2,
    sample_rate: r.frame.sampleRate,
    samples_per_pixel: r.frame.hop,
    bits: 16,
    length: v.rows,
    data,
  };
}

function labelsOf(r: AnalyzerResult, n: number): string[] | undefined {
  if (r.dataMode !== 'label' || !r.label) return undefined;
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(r.labelMetadata?.[r.label[i]] ?? String(r.label[i]));
  return out;
}

/** One column of a framewise result as (time, value) points, decimated to MAX_CURVE_POINTS. */
function toCurve(r: AnalyzerResult, preset: string): PlayerLayer | null {
  const v = r.value;
  if (!r.frame || v === undefined || typeof v === 'number') return null;
  if (isMatrix(v) && v.cols !== 1) return null;
  if (Array.isArray(v) && Array.isArray(v[0])) return null;
  const values = isMatrix(v) ? v.data : (v as ArrayLike<number>);
  const n = rowCount(v);
  const { hop, size, sampleRate } = r.frame;
  const start = r.audio?.start ?? 0;
  // Frame i is centred on (i·hop + size/2) / sampleRate, as core's frameTimes places it.
  const t = (i: number) => start + (i * hop + size / 2) / sampleRate;
  const time: number[] = [];
  const value: number[] = [];
  const bucket = Math.max(1, Math.ceil(n / (MAX_CURVE_POINTS / 2)));
  for (let b = 0; b < n; b += bucket) {
    if (bucket === 1) {
      time.push(t(b));
      value.push(values[b]);
      continue;
    }
    // Each bucket keeps its lowest and highest finite values, in time order, so peaks survive.
    let lo = -1;
    let hi = -1;
    for (let i = b; i < Math.min(n, b + bucket); i++) {
      if (!Number.isFinite(values[i])) continue;
      if (lo < 0 || values[i] < values[lo]) lo = i;
      if (hi < 0 || values[i] > values[hi]) hi = i;
    }
    if (lo < 0) {
      time.push(t(b));
      value.push(Number.NaN);
      continue;
    }
    for (const i of lo === hi ? [lo] : lo < hi ? [lo, hi] : [hi, lo]) {
      time.push(t(i));
      value.push(values[i]);
    }
  }
  // JSON has no NaN: unvoiced frames and the like become null, which the player leaves as gaps.
  return { id: r.id, name: r.name, unit: r.unit, kind: 'curve', preset, time, value };
}

/** Registers the player's routes on the app (after its store is decorated). */
export async function playerRoutes(app: FastifyInstance): Promise<void> {
  const require = createRequire(import.meta.url);
  let moduleFile: string | null = null;
  try {
    moduleFile = require.resolve('@timeside/player/timeside-player.js');
  } catch {
    moduleFile = null;
  }

  app.get('/player/timeside-player.js', { schema: { hide: true } }, async (request, reply) => {
    if (!moduleFile || !existsSync(moduleFile)) {
      throw new HttpError(
        404,
        'E_NOT_FOUND',
        'the player module is not built: install @timeside/player (or run `pnpm --filter @timeside/player build`)',
      );
    }
    reply.header('cache-control', 'no-cache');
    return sendFile(request, reply, moduleFile, 'text/javascript; charset=utf-8');
  });

  app.get(
    '/player/:itemId',
    {
      schema: {
        summary: 'An HTML page playing the item in <timeside-player> (add ?token=… to edit annotations)',
        params: { type: 'object', required: ['itemId'], properties: { itemId: ID } },
      },
    },
    async (request, reply) => {
      const { itemId } = request.params as { itemId: string };
      const item = app.timeside.store.item(itemId);
      const title = item.title.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
      reply.type('text/html; charset=utf-8');
      return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} — TimeSide</title>
<style>
  body { margin: 0; padding: 24px; font: 14px/1.4 system-ui, sans-serif; background: #f4f5f7; color: #1d2330; }
  h1 { font-size: 18px; font-weight: 600; margin: 0 0 12px; }
  timeside-player { display: block; max-width: 1200px; }
</style>
<script type="module" src="/player/timeside-player.js"></script>
</head>
<body>
<h1>${title}</h1>
<timeside-player src="/api/items/${itemId}"></timeside-player>
<script type="module">
  // A token given in the page's address (never stored by the server in the page) enables editing.
  const token = new URLSearchParams(location.search).get('token');
  if (token) document.querySelector('timeside-player').setAttribute('token', token);
</script>
</body>
</html>
`;
    },
  );

  app.get(
    '/api/items/:id/player-data',
    {
      schema: {
        summary:
          'Waveform peaks (BBC audiowaveform JSON), analysis layers and images of the item, for the player',
        params: { type: 'object', required: ['id'], properties: { id: ID } },
      },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const { store } = app.timeside;
      store.item(id);
      const rows = store.results(id).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
      const out: PlayerData = { peaks: null, layers: [], images: [] };
      for (const row of rows) {
        for (const name of row.files) {
          if (/\.(png|svg|jpe?g)$/i.test(name)) {
            out.images.push({
              preset: row.preset,
              name,
              url: `/api/items/${id}/results/${row.preset}/files/${name}`,
            });
          }
        }
        const json = join(row.dir, 'results.json');
        if (!row.resultIds.length || !existsSync(json)) continue;
        for (const r of await ResultContainer.fromFile(json, 'json')) {
          if (r.id === 'waveform_peaks') {
            out.peaks = toPeaks(r) ?? out.peaks;
          } else if (r.timeMode === 'event' && r.time) {
            out.layers.push({
              id: r.id,
              name: r.name,
              unit: r.unit,
              kind: 'events',
              preset: row.preset,
              time: [...r.time],
              label: labelsOf(r, r.time.length),
            });
          } else if (r.timeMode === 'segment' && r.time && r.duration) {
            out.layers.push({
              id: r.id,
              name: r.name,
              unit: r.unit,
              kind: 'segments',
              preset: row.preset,
              time: [...r.time],
              duration: [...r.duration],
              label: labelsOf(r, r.time.length),
            });
          } else if (r.timeMode === 'framewise') {
            const curve = toCurve(r, row.preset);
            if (curve) out.layers.push(curve);
          }
        }
      }
      return out;
    },
  );
}
