import { execFile } from 'node:child_process';
import type ffmpeg from 'fluent-ffmpeg';
import { ffmpegError } from '../errors/index.js';
import { type FfmpegSource, type FfprobeSource, locateFfmpeg, locateFfprobe } from './locate.js';
import { newCommand } from './run.js';

/** One binary as `timeside doctor` reports it. */
export interface BinaryInfo<S extends string> {
  /** Absolute path of the executable. */
  path: string;
  /** Which lookup step found it. */
  source: S;
  /** Its version string, e.g. '4.1' or 'N-92722-g0e8eb07980-static'. */
  version: string;
  /** Lookup steps that were skipped and why. */
  notes: string[];
}

/** The ffmpeg installation in use and what it can do. */
export interface FfmpegInfo {
  ffmpeg: BinaryInfo<FfmpegSource>;
  ffprobe: BinaryInfo<FfprobeSource>;
  /** Audio encoders, as given to `-c:a` (e.g. 'libvorbis', 'libopus', 'libmp3lame', 'flac', 'aac'), sorted. */
  encoders: string[];
  /** Audio codecs ffmpeg can decode (e.g. 'mp3', 'flac', 'vorbis', 'opus', 'aac'), sorted. */
  decoders: string[];
}

function version(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(path, ['-hide_banner', '-version'], { timeout: 15_000 }, (error, stdout) => {
      if (error) return reject(ffmpegError(`${path} -version failed: ${error.message}`, error));
      // "ffmpeg version 4.1-static https://… Copyright (c) …"
      resolve(/version\s+(\S+)/.exec(stdout)?.[1] ?? 'unknown');
    });
  });
}

function capabilities(): Promise<{ encoders: string[]; decoders: string[] }> {
  const command = newCommand();
  const audioNames = (table: Record<string, { type?: string }>, keep: (entry: never) => boolean) =>
    Object.keys(table)
      .filter((name) => table[name].type === 'audio' && keep(table[name] as never))
      .sort();
  return new Promise((resolve, reject) => {
    command.getAvailableEncoders((error: Error | null, encoders: ffmpeg.Encoders) => {
      if (error) return reject(ffmpegError(`cannot list ffmpeg's encoders: ${error.message}`, error));
      command.getAvailableCodecs((error2: Error | null, codecs: ffmpeg.Codecs) => {
        if (error2) return reject(ffmpegError(`cannot list ffmpeg's codecs: ${error2.message}`, error2));
        resolve({
          encoders: audioNames(encoders, () => true),
          decoders: audioNames(codecs, (c: { canDecode?: boolean }) => c.canDecode === true),
        });
      });
    });
  });
}

const cache = new Map<string, Promise<FfmpegInfo>>();

/**
 * Which ffmpeg and ffprobe are used (path, lookup source, version) and the audio encoders and
 * decoders ffmpeg has, for `timeside doctor` and for plugins that check a codec before a run.
 * Cached per pair of binaries. Throws a TimesideError (`E_FFMPEG`) when a binary is missing or
 * does not run.
 */
export function ffmpegInfo(): Promise<FfmpegInfo> {
  let ffmpegBin: ReturnType<typeof locateFfmpeg>;
  let ffprobeBin: ReturnType<typeof locateFfprobe>;
  try {
    ffmpegBin = locateFfmpeg();
    ffprobeBin = locateFfprobe();
  } catch (error) {
    return Promise.reject(error);
  }
  const key = `${ffmpegBin.path}\0${ffprobeBin.path}`;
  let info = cache.get(key);
  if (!info) {
    info = Promise.all([version(ffmpegBin.path), version(ffprobeBin.path), capabilities()]).then(
      ([ffmpegVersion, ffprobeVersion, caps]) => ({
        ffmpeg: { ...ffmpegBin, notes: [...ffmpegBin.notes], version: ffmpegVersion },
        ffprobe: { ...ffprobeBin, notes: [...ffprobeBin.notes], version: ffprobeVersion },
        ...caps,
      }),
    );
    cache.set(key, info);
    info.catch(() => cache.delete(key));
  }
  return info;
}
