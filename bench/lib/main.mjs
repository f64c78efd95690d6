// `pnpm bench` (bench/run.mjs): runs the rows of suite.mjs, prints one table and the targets, and
// writes them to bench/results/latest.md when every row ran (no BENCH_ONLY / BENCH_SKIP).
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fftBackend, locateFfmpeg } from '@timeside/core';
import { root } from './inputs.mjs';
import { table, targets } from './report.mjs';
import { benchOptions, defineRows, runRows } from './suite.mjs';

export async function main() {
  const options = benchOptions();
  const started = new Date();
  const load = loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
  const fft = fftBackend();
  const header = [
    `node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}), load average ${load} at start`,
    `ffmpeg: ${locateFfmpeg().path}; FFT: ${fft.backend}${fft.simd ? ' (SIMD)' : ''}`,
    `input: a generated ${options.minutes}-minute stereo 44.1 kHz 16-bit music-like WAV (mp3 and flac made from it); ` +
      `memory rows on ${options.shortMinutes}- and ${options.longMinutes}-minute files` +
      (options.repeat > 1 ? `; best of ${options.repeat} runs per row` : ''),
    'wall: the task after modules are loaded (child rows) or spawn to exit (external tools); ' +
      'CPU: user + system time of the row’s process during the task, its threads included; ' +
      'peak RSS: the row’s own Node process (maxRSS); neither counts the ffmpeg children of decoders and encoders; ' +
      '≈: sampled from /proc every 5 ms (external tools)',
  ];
  console.log(header.join('\n'));
  console.log('');
  const rows = await defineRows(options);
  const measured = await runRows(rows, options, (row) => {
    const figures =
      row.skipped ??
      (!Number.isFinite(row.wallS) ? 'no figure' : undefined) ??
      `${row.wallS.toFixed(2)} s, ${(row.audioS / row.wallS).toFixed(0)}× realtime`;
    console.log(`  ${row.id.padEnd(36)} ${figures}`);
  });
  const ended = `load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')} at the end`;
  const text = [
    `# pnpm bench — ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    '',
    ...header.map((l) => `${l}  `),
    ended,
    '',
    table(measured),
    '',
    '## Targets (issue 19), ratios of rows of this run',
    '',
    targets(measured),
    '',
  ].join('\n');
  console.log(`\n${table(measured)}\n\n${targets(measured)}`);
  // A full run writes bench/results/latest.md; BENCH_OUT=path writes any run's table there.
  const full = options.only === undefined && options.skip.length === 0;
  const target = process.env.BENCH_OUT || (full ? join(root, 'bench', 'results', 'latest.md') : undefined);
  if (target) {
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, text);
    console.log(`\nwritten to ${target.startsWith(root) ? relative(root, target) : target}`);
  }
  return measured;
}
