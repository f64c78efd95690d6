import { accessSync, constants, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, join } from 'node:path';
import { ffmpegError } from '../errors/index.js';

/** Where a binary was found, in lookup order. */
export type FfmpegSource = 'FFMPEG_PATH' | 'PATH' | '@ffmpeg-installer/ffmpeg';
/** Where ffprobe was found, in lookup order. */
export type FfprobeSource = 'FFPROBE_PATH' | 'PATH' | '@ffprobe-installer/ffprobe';

/** A located binary. */
export interface LocatedBinary<S extends string = string> {
  /** Absolute path of the executable. */
  path: string;
  /** Which step of the lookup found it. */
  source: S;
  /** Lookup steps that were skipped and why (e.g. `FFMPEG_PATH` set to a missing file). */
  notes: string[];
}

const require = createRequire(import.meta.url);

function isExecutable(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    if (process.platform !== 'win32') accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Finds `name` on PATH as a shell would (PATHEXT on Windows). */
function which(name: string): string | undefined {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  const exts =
    process.platform === 'win32'
      ? (process.env.PATHEXT ?? '.EXE;.CMD;.BAT;.COM').split(';').concat('')
      : [''];
  for (const dir of dirs) {
    for (const ext of exts) {
      const candidate = join(dir, name + ext.toLowerCase());
      if (isExecutable(candidate)) return candidate;
    }
  }
  return undefined;
}

function fromInstaller(pkg: string): string | undefined {
  try {
    const path = (require(pkg) as { path?: unknown }).path;
    return typeof path === 'string' && isExecutable(path) ? path : undefined;
  } catch {
    // The installer package has no binary for this platform, or is not installed.
    return undefined;
  }
}

const cache = new Map<string, LocatedBinary>();

function locate<S extends string>(tool: 'ffmpeg' | 'ffprobe', envVar: S, installer: S): LocatedBinary<S> {
  const fromEnv = process.env[envVar];
  const key = `${tool}\0${fromEnv ?? ''}\0${process.env.PATH ?? ''}`;
  const hit = cache.get(key);
  if (hit) return hit as LocatedBinary<S>;
  const notes: string[] = [];
  let found: LocatedBinary<S> | undefined;
  if (fromEnv) {
    if (isExecutable(fromEnv)) found = { path: fromEnv, source: envVar, notes };
    else notes.push(`${envVar}=${fromEnv} is not an executable file; ignored`);
  }
  if (!found) {
    const onPath = which(tool);
    if (onPath) found = { path: onPath, source: 'PATH' as S, notes };
  }
  if (!found) {
    const bundled = fromInstaller(installer);
    if (bundled) found = { path: bundled, source: installer, notes };
  }
  if (!found) {
    throw ffmpegError(
      `${tool} was not found: set ${envVar} to its path, put \`${tool}\` on PATH, or install ${installer}` +
        (notes.length ? ` (${notes.join('; ')})` : ''),
    );
  }
  cache.set(key, found);
  return found;
}

/**
 * Locates ffmpeg: `FFMPEG_PATH` → `ffmpeg` on PATH → the binary of `@ffmpeg-installer/ffmpeg`.
 * Cached per value of FFMPEG_PATH and PATH. Throws a TimesideError (`E_FFMPEG`) when none exists.
 */
export function locateFfmpeg(): LocatedBinary<FfmpegSource> {
  return locate('ffmpeg', 'FFMPEG_PATH', '@ffmpeg-installer/ffmpeg');
}

/**
 * Locates ffprobe: `FFPROBE_PATH` → `ffprobe` on PATH → the binary of `@ffprobe-installer/ffprobe`.
 * Cached per value of FFPROBE_PATH and PATH. Throws a TimesideError (`E_FFMPEG`) when none exists.
 */
export function locateFfprobe(): LocatedBinary<FfprobeSource> {
  return locate('ffprobe', 'FFPROBE_PATH', '@ffprobe-installer/ffprobe');
}
