/**
 * On-the-fly transcoding of an item through the encoders' `stream()`: the first request sends
 * the bytes while the pass runs and writes them to a temporary file beside the cache; when the
 * pass succeeds the file is renamed into the cache, and later requests get it with `Range`.
 */
import { EventEmitter } from 'node:events';
import { createReadStream, createWriteStream, existsSync, mkdirSync, statSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { fileDecoder, getProcessor, Pipeline } from '@timeside/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import parseRange from 'range-parser';
import { newId } from './db.js';
import { HttpError } from './http-error.js';
import type { Item } from './store.js';

/** Bytes per read of a served file: 1 MiB chunks move a media file over HTTP ≈ 1.5× as fast as 64 KiB ones. */
const READ_CHUNK = 1 << 20;
/** The formats of `/api/items/:id/stream.<ext>`, the encoder that writes each, its media type. */
export const STREAM_FORMATS = {
  ogg: { encoder: 'vorbis_encoder', type: 'audio/ogg' },
  mp3: { encoder: 'mp3_encoder', type: 'audio/mpeg' },
  opus: { encoder: 'opus_encoder', type: 'audio/ogg; codecs=opus' },
  flac: { encoder: 'flac_encoder', type: 'audio/flac' },
  wav: { encoder: 'wav_encoder', type: 'audio/wav' },
} as const;
export type StreamFormat = keyof typeof STREAM_FORMATS;

/** Events of the streams: `first-bytes` when a transcode sent its first chunk, `cached` when its file is in place. */
export interface StreamEvents {
  'first-bytes': [{ item: string; format: string }];
  cached: [{ item: string; format: string; path: string }];
}

/**
 * Sends `path` with `Range` support (one range; 206 with Content-Range, 416 when it cannot be
 * satisfied, 200 without a Range header).
 */
export function sendFile(
  request: FastifyRequest,
  reply: FastifyReply,
  path: string,
  type: string,
): FastifyReply {
  const size = statSync(path).size;
  reply.header('accept-ranges', 'bytes').type(type);
  const header = request.headers.range;
  if (header) {
    const ranges = parseRange(size, header, { combine: true });
    if (ranges === -1) {
      return reply
        .code(416)
        .type('application/json')
        .header('content-range', `bytes */${size}`)
        .send({
          error: 'E_RANGE',
          message: `range ${header} is outside the file (${size} bytes)`,
        });
    }
    if (ranges !== -2 && ranges.type === 'bytes' && ranges.length === 1) {
      const { start, end } = ranges[0];
      reply
        .code(206)
        .header('content-range', `bytes ${start}-${end}/${size}`)
        .header('content-length', end - start + 1);
      return reply.send(createReadStream(path, { start, end, highWaterMark: READ_CHUNK }));
    }
  }
  reply.header('content-length', size);
  return reply.send(createReadStream(path, { highWaterMark: READ_CHUNK }));
}

/** Streams item audio in a format: from the cache when it is there, else transcoding now. */
export class Streamer extends EventEmitter<StreamEvents> {
  constructor(readonly cacheDir: string) {
    super();
    mkdirSync(cacheDir, { recursive: true });
  }

  /** Where the finished transcode of `item` in `format` is kept. */
  cachePath(item: string, format: StreamFormat): string {
    return join(this.cacheDir, `${item}.${format}`);
  }

  async send(
    request: FastifyRequest,
    reply: FastifyReply,
    item: Item,
    format: StreamFormat,
  ): Promise<FastifyReply> {
    const { encoder, type } = STREAM_FORMATS[format];
    const cached = this.cachePath(item.id, format);
    if (existsSync(cached)) return sendFile(request, reply, cached, type);
    // A HEAD asks what a GET would send: it does not start a transcode.
    if (request.method === 'HEAD') return reply.type(type).header('cache-control', 'no-cache').send();

    let Encoder: Awaited<ReturnType<typeof getProcessor>>;
    try {
      Encoder = await getProcessor(encoder);
    } catch {
      throw new HttpError(
        501,
        'E_NO_ENCODER',
        `streaming ${format} needs the ${encoder} processor: install @timeside/plugin-encoders`,
      );
    }
    const enc = new Encoder({}) as unknown as { stream(): Readable };
    const source = enc.stream();
    const pipeline = new Pipeline(fileDecoder(item.path), [enc as never]);
    const controller = new AbortController();
    const tmp = `${cached}.${newId()}.part`;
    const file = createWriteStream(tmp);
    const body = new PassThrough();
    // Readable#pipe to two destinations waits for both to drain: the cache file never misses a
    // chunk, and a slow client slows the pass down instead of filling memory.
    source.pipe(file);
    source.pipe(body);
    // Errors are handled through the run's rejection below; these streams must not crash the process.
    body.on('error', () => {});
    file.on('error', () => controller.abort());
    let finished = false;
    // The client went away mid-transcode: stop the pass (ffmpeg is killed, the part file removed).
    reply.raw.once('close', () => {
      if (!finished && !reply.raw.writableFinished) controller.abort();
    });
    const run = pipeline.run({ signal: controller.signal });
    // Answer only once the first bytes are there: an item that cannot be decoded gets its error
    // as a JSON answer with its status, not a 200 cut short.
    let failed: (error: unknown) => void = () => {};
    const started = new Promise<void>((resolve, reject) => {
      failed = reject;
      source.once('data', () => {
        this.emit('first-bytes', { item: item.id, format });
        resolve();
      });
      run.then(
        () => resolve(),
        () => {},
      );
    });
    run
      .then(async () => {
        await new Promise<void>((resolve, reject) => {
          if (file.writableFinished) resolve();
          else file.once('finish', resolve).once('error', reject);
        });
        finished = true;
        await rename(tmp, cached);
        this.emit('cached', { item: item.id, format, path: cached });
      })
      .catch(async (error: unknown) => {
        finished = true;
        // Wait for the file to be closed (its open may still be under way) before removing it.
        await new Promise<void>((resolve) => {
          if (file.closed) resolve();
          else file.once('close', () => resolve()).destroy();
        });
        body.destroy(error instanceof Error ? error : new Error(String(error)));
        await rm(tmp, { force: true });
        // After the cleanup, so that an error answer means no partial file is left.
        failed(error);
      });
    await started;
    reply.type(type).header('cache-control', 'no-cache');
    return reply.send(body);
  }
}
