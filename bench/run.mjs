// `pnpm bench`: speed of every analyzer (× realtime) on a generated 10-minute stereo file, the
// decode-only baseline, all analyzers together in one pass, the encoders against plain ffmpeg
// (bench/encoders.mjs; BENCH_ONLY=encoders runs them alone) and plugin discovery.
// Inputs are generated into .bench/ (ignored by git). Run after `pnpm build`.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileDecoder, listProcessors, locateFfmpeg, pipe } from '@timeside/core';

const root = new URL('..', import.meta.url).pathname;
const dir = join(root, '.bench');
mkdirSync(dir, { recursive: true });
const minutes = Number(process.env.BENCH_MINUTES ?? 10);
const seconds = minutes * 60;
const input = join(dir, `music-like-${minutes}min-stereo-44k.wav`);

if (!existsSync(input)) {
  const ffmpeg = locateFfmpeg().path;
  // A vibrato tone with beeps (onsets, pitch) over pink noise, different in each channel.
  execFileSync(ffmpeg, [
    '-v',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    `sine=f=220:beep_factor=4:sample_rate=44100:duration=${seconds}`,
    '-f',
    'lavfi',
    '-i',
    `anoisesrc=color=pink:amplitude=0.05:sample_rate=44100:duration=${seconds}:seed=7`,
    '-filter_complex',
    '[0][1]amix=inputs=2,pan=stereo|c0=c0|c1=0.8*c0',
    '-c:a',
    'pcm_s16le',
    input,
  ]);
}

async function timed(label, processors) {
  const t0 = performance.now();
  await pipe(fileDecoder(input), ...processors).run();
  const s = (performance.now() - t0) / 1000;
  const line = `${label.padEnd(28)} ${s.toFixed(2).padStart(7)} s  ${(seconds / s).toFixed(0).padStart(6)}× realtime`;
  console.log(line);
  return s;
}

console.log(`input: ${minutes} min stereo 44.1 kHz 16-bit WAV (${input})`);
console.log(`node ${process.version}\n`);
await timed('decode only', []);
const analyzers = await listProcessors({ kind: 'analyzer' });
const only = process.env.BENCH_ONLY?.split(',');
for (const entry of analyzers) {
  if (only && !only.includes(entry.id)) continue;
  await timed(entry.id, [new entry.processor()]);
}
// The fx, each alone in the chain with no sink after it: the fx's own cost on top of decoding.
const FX_PARAMS = {
  normalize: { measured: -3 },
  remix: { map: ['1', '0'] },
  resample: { sampleRate: 48000 },
};
for (const entry of await listProcessors({ kind: 'fx' })) {
  if (only && !only.includes(entry.id)) continue;
  await timed(`fx ${entry.id}`, [new entry.processor(FX_PARAMS[entry.id] ?? {})]);
}
if (!only)
  await timed(
    'all analyzers, one pass',
    analyzers.map((e) => new e.processor()),
  );

// BENCH_ONLY=encoders runs these rows alone (after the decode-only baseline).
if (!only || only.includes('encoders')) {
  console.log('');
  spawnSync(process.execPath, [join(root, 'bench', 'encoders.mjs'), input], { stdio: 'inherit' });
}

if (existsSync(join(root, 'bench', 'discovery.mjs')) && !only) {
  console.log('');
  spawnSync(process.execPath, [join(root, 'bench', 'discovery.mjs')], { stdio: 'inherit' });
}
