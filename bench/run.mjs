// `pnpm bench`: the rows of bench/lib/suite.mjs, each in a child process of its own, with their
// ffmpeg and aubio baselines measured in the same run; one table, printed and written to
// bench/results/latest.md, then the targets of issue 19 and the benchmarks with scripts of their own.
// Inputs are generated into .bench/ (ignored by git). Run after `pnpm build`; see bench/README.md
// for the rows and the BENCH_* variables.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { root } from './lib/inputs.mjs';
import { main } from './lib/main.mjs';
import { benchOptions } from './lib/suite.mjs';

const { only, skip } = benchOptions();
const scripts = ['discovery', 'server', 'player', 'queue'];
if (!only?.every((name) => scripts.includes(name))) await main();

// The benchmarks of their own scripts: plugin discovery, the REST server under load, the player's
// first drawn waveform of a 60-minute item (needs /usr/bin/chromium) and the queue's workers (needs
// redis-server; each script says so and skips when its tool is absent). Run in a full run, or
// one at a time with BENCH_ONLY=discovery|server|player|queue.
for (const name of scripts) {
  if (!((only === undefined && skip.length === 0) || only?.includes(name))) continue;
  console.log(`\n== bench/${name}.mjs`);
  spawnSync(process.execPath, [join(root, 'bench', `${name}.mjs`)], { stdio: 'inherit', cwd: root });
}
