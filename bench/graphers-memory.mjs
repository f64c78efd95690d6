// Peak memory of graphing a long file in the same pass as its analyses: a 1-minute and a
// 10-minute stereo file (bench/lib/inputs.mjs's music-like WAV, the input of bench/run.mjs), each
// run in its own process with level, onsets, pitch and spectral_descriptors plus waveform_simple,
// waveform_centroid, spectrogram_log (with pitch overlaid) and audiowaveform at 1800×300. Prints
// peak RSS (the process's maxRSS) and time. Run after `pnpm build`:
//   node bench/graphers-memory.mjs [minutes…]
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileDecoder, getProcessor, pipe } from '@timeside/core';
import { cacheDir, musicLikeWav } from './lib/inputs.mjs';

if (process.argv[2] === '--child') {
  const input = process.argv[3];
  const outDir = join(cacheDir, 'graphers-out');
  mkdirSync(outDir, { recursive: true });
  const size = { width: 1800, height: 300 };
  const stages = [];
  for (const id of ['level', 'onsets', 'pitch', 'spectral_descriptors'])
    stages.push(new (await getProcessor(id))());
  const graphers = {
    waveform_simple: { ...size, overlay: ['onsets'] },
    waveform_centroid: size,
    spectrogram_log: { ...size, overlay: ['pitch.f0'] },
    audiowaveform: { width: 1800 },
  };
  for (const [id, params] of Object.entries(graphers)) {
    const Grapher = await getProcessor(id);
    stages.push(new Grapher({ ...params, output: join(outDir, `${id}.${Grapher.meta.extension}`) }));
  }
  const t0 = performance.now();
  await pipe(fileDecoder(input), ...stages).run();
  const seconds = (performance.now() - t0) / 1000;
  process.stdout.write(JSON.stringify({ seconds, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
} else {
  const minutesList = process.argv
    .slice(2)
    .map(Number)
    .filter((m) => m > 0);
  console.log('graphers at 1800×300 in one pass with level, onsets, pitch, spectral_descriptors');
  console.log('input                                   peak RSS     time   × realtime');
  for (const minutes of minutesList.length ? minutesList : [1, 10]) {
    const seconds = minutes * 60;
    const input = musicLikeWav(minutes);
    const out = execFileSync(process.execPath, [new URL(import.meta.url).pathname, '--child', input], {
      encoding: 'utf8',
    });
    const { seconds: s, maxRssMb } = JSON.parse(out);
    console.log(
      `${`${minutes} min stereo 44.1 kHz WAV`.padEnd(38)} ${maxRssMb.toFixed(0).padStart(6)} MB ${s.toFixed(1).padStart(7)} s ${(seconds / s).toFixed(0).padStart(8)}×`,
    );
  }
}
