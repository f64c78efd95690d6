/**
 * Atomic writes for result files: each file is written under a hidden temporary name beside it
 * and renamed on success, so a reader never sees a partial file and a failure leaves nothing
 * (DESIGN.md §10).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ioError } from '../../errors/index.js';

/**
 * The temporary name `path` is written under before it is renamed: hidden, beside it, with a
 * random part. The pipeline's `ctx.output` and the CLI's crash cleanup use the same pattern.
 */
export function tempNameFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomBytes(4).toString('hex')}.part`);
}

/** True when `name` (a directory entry) is a temporary name of `path` (see `tempNameFor`). */
export function isTempNameOf(name: string, path: string): boolean {
  const prefix = `.${basename(path)}.`;
  return name.startsWith(prefix) && /^[0-9a-f]{8}\.part$/.test(name.slice(prefix.length));
}

/** Writes `data` to a temporary name beside `path`, then renames it: no partial file on failure. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const temp = tempNameFor(path);
  try {
    writeFileSync(temp, data);
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw ioError(path, `cannot write: ${(error as Error).message}`, error);
  }
}

/**
 * Writes a set of files that belong together (one per result) all or nothing: they are written
 * into one temporary directory named after `groupPath` (so a crashed writer's leftovers are found
 * by `isTempNameOf(name, groupPath)`), then renamed into place; on any failure every file of the
 * set is removed.
 */
export function writeFilesAtomic(
  groupPath: string,
  files: readonly { path: string; data: string }[],
): string[] {
  if (files.length === 0) return [];
  const tempDir = tempNameFor(groupPath);
  const placed: string[] = [];
  let current = groupPath;
  try {
    mkdirSync(tempDir);
    const staged = files.map((f, i) => {
      current = f.path;
      const temp = join(tempDir, `${i}`);
      writeFileSync(temp, f.data);
      return temp;
    });
    files.forEach((f, i) => {
      current = f.path;
      renameSync(staged[i], f.path);
      placed.push(f.path);
    });
    return placed;
  } catch (error) {
    for (const p of placed) rmSync(p, { force: true });
    throw ioError(current, `cannot write: ${(error as Error).message}`, error);
  } finally {
    rmSync(tempDir, { recursive: true, force: true });
  }
}
