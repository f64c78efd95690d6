// Inputs of the benchmarks, generated with core's located ffmpeg into .bench/ (ignored by git) on
// first use and cached: each file is written to a temporary name and renamed when complete.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { locateFfmpeg } from '@timeside/core';

export const root = new URL('../..', import.meta.url).pathname;
export const cacheDir = join(root, '.bench');
export const SAMPLE_RATE = 44100;

export function ffmpegPath() {
  return locateFfmpeg().path;
}

function generate(path, args) {
  if (existsSync(path)) return path;
  mkdirSync(cacheDir, { recursive: true });
  const temp = `${path}.part${path.slice(path.lastIndexOf('.'))}`;
  try {
    execFileSync(ffmpegPath(), ['-v', 'error', '-y', ...args, temp]);
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
  return path;
}

/**
 * A music-like stereo 16-bit WAV of `minutes`: a 220 Hz tone with vibrato and a beep every second
 * (pitch, onsets), a 330 Hz tone with tremolo, over pink noise; the right channel a scaled copy.
 */
export function musicLikeWav(minutes) {
  const seconds = minutes * 60;
  const path = join(cacheDir, `music-like-v2-${minutes}min-stereo-44k.wav`);
  return generate(path, [
    '-f',
    'lavfi',
    '-i',
    `sine=f=220:beep_factor=4:sample_rate=${SAMPLE_RATE}:duration=${seconds}`,
    '-f',
    'lavfi',
    '-i',
    `sine=f=330:sample_rate=${SAMPLE_RATE}:duration=${seconds}`,
    '-f',
    'lavfi',
    '-i',
    `anoisesrc=color=pink:amplitude=0.05:sample_rate=${SAMPLE_RATE}:duration=${seconds}:seed=7`,
    '-filter_complex',
    '[0]vibrato=f=5:d=0.2[a];[1]tremolo=f=2:d=0.7,volume=0.5[b];[a][b][2]amix=inputs=3,pan=stereo|c0=c0|c1=0.8*c0',
    '-c:a',
    'pcm_s16le',
  ]);
}

/** The same audio as `musicLikeWav(minutes)` in another format: mp3 (192 kb/s) or flac. */
export function musicLike(minutes, format) {
  const wav = musicLikeWav(minutes);
  if (format === 'wav') return wav;
  const codec = { mp3: ['-c:a', 'libmp3lame', '-b:a', '192k'], flac: ['-c:a', 'flac'] }[format];
  if (!codec) throw new Error(`no generator for ${format}`);
  return generate(wav.replace(/\.wav$/, `.${format}`), ['-i', wav, ...codec]);
}

/** `count` distinct files (copies under their own names) of `minutes` each, for batch runs. */
export function batchFiles(count, minutes) {
  const wav = musicLikeWav(minutes);
  const dir = join(cacheDir, `batch-${count}x${minutes}min`);
  mkdirSync(dir, { recursive: true });
  const files = [];
  for (let i = 0; i < count; i++) {
    const path = join(dir, `item-${String(i + 1).padStart(2, '0')}.wav`);
    if (!existsSync(path)) generate(path, ['-i', wav, '-c:a', 'copy']);
    files.push(path);
  }
  return { dir, files };
}
