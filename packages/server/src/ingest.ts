/**
 * Items enter the store here: an upload is written to a temporary file, probed, and moved under
 * the data dir only when ffprobe finds audio in it; a registered file must lie under the media
 * root (after resolving symlinks). Metadata comes from core's `probe`.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, realpath, rename, rm, stat } from 'node:fs/promises';
import { basename, extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { isTimesideError, probe } from '@timeside/core';
import { newId } from './db.js';
import { HttpError } from './http-error.js';
import type { Item, Store } from './store.js';

/** A file name safe to keep on disk: letters, digits, `.`, `_`, `-`; never hidden, never empty. */
export function safeName(name: string): string {
  const base = basename(name.replaceAll('\\', '/'))
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^\.+/, '');
  return base.slice(-120) || 'audio';
}

async function metadataOf(path: string, label: string) {
  try {
    const info = await probe(path);
    return info;
  } catch (error) {
    const reason = isTimesideError(error) ? error.message.replace(path, label) : String(error);
    throw new HttpError(415, 'E_NOT_AUDIO', `${label} is not an audio file the server can read: ${reason}`, {
      file: label,
    });
  }
}

function itemFields(
  id: string,
  title: string,
  path: string,
  owned: boolean,
  size: number,
  info: Awaited<ReturnType<typeof probe>>,
) {
  return {
    id,
    title,
    path,
    owned,
    size,
    durationS: info.durationS ?? null,
    sampleRate: info.sampleRate,
    channels: info.channels,
    codec: info.codec,
    container: info.container,
  };
}

/**
 * Stores an uploaded file as a new item. Anything ffprobe cannot read as audio is refused (415)
 * and nothing stays on disk; an upload cut by the size limit rejects with the parser's 413.
 */
export async function ingestUpload(
  store: Store,
  dataDir: string,
  upload: { file: Readable & { truncated?: boolean }; filename: string; title?: string },
): Promise<Item> {
  const id = newId();
  const name = safeName(upload.filename);
  const tmpDir = join(dataDir, 'tmp');
  await mkdir(tmpDir, { recursive: true });
  const tmp = join(tmpDir, `${id}${extname(name)}`);
  try {
    await pipeline(upload.file, createWriteStream(tmp));
    if (upload.file.truncated)
      throw new HttpError(413, 'E_TOO_LARGE', `${name} is larger than the upload limit`);
    const info = await metadataOf(tmp, name);
    const dir = join(dataDir, 'media', id);
    await mkdir(dir, { recursive: true });
    const path = join(dir, name);
    await rename(tmp, path);
    const size = (await stat(path)).size;
    return store.insertItem(itemFields(id, upload.title || name, path, true, size, info));
  } finally {
    await rm(tmp, { force: true });
  }
}

/**
 * Registers a file under the media root as an item, in place. A path that leaves the root (`..`,
 * an absolute path elsewhere, a symlink pointing out) is refused with 400 before anything is read.
 */
export async function registerFile(
  store: Store,
  mediaRoot: string | undefined,
  given: string,
  title?: string,
): Promise<Item> {
  if (!mediaRoot) {
    throw new HttpError(
      400,
      'E_NO_MEDIA_ROOT',
      'this server has no media root: start it with mediaRoot (--media DIR) to register files in place',
    );
  }
  let root: string;
  try {
    root = await realpath(mediaRoot);
  } catch (error) {
    throw new HttpError(500, 'E_MEDIA_ROOT', `the media root cannot be read: ${(error as Error).message}`);
  }
  const outside = () =>
    new HttpError(400, 'E_OUTSIDE_MEDIA_ROOT', `path ${JSON.stringify(given)} is outside the media root`, {
      path: given,
    });
  if (given.includes('\0') || given.split(/[\\/]/).includes('..')) throw outside();
  const lexical = resolve(root, given);
  const within = (p: string) => {
    const rel = relative(root, p);
    return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
  };
  if (!within(lexical)) throw outside();
  let real: string;
  try {
    real = await realpath(lexical);
  } catch {
    throw new HttpError(404, 'E_NOT_FOUND', `no file ${JSON.stringify(given)} under the media root`, {
      path: given,
    });
  }
  if (!within(real)) throw outside();
  const s = await stat(real);
  if (!s.isFile())
    throw new HttpError(400, 'E_NOT_A_FILE', `${JSON.stringify(given)} is not a file`, { path: given });
  const info = await metadataOf(real, given);
  return store.insertItem(itemFields(newId(), title || basename(real), real, false, s.size, info));
}
