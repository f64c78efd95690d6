// `pnpm bench`: the rows of bench/lib/suite.mjs, each in a child process of its own, with their
// ffmpeg and aubio baselines measured in the same run; one table, printed and written to
// bench/results/latest.md, then the targets of issue 19 and the plugin-discovery benchmark.
// Inputs are generated into .bench/ (ignored by git). Run after `pnpm build`; see bench/README.md
// for the rows and the BENCH_* variables.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { root } from './lib/inputs.mjs';
import { main } from './lib/main.mjs';
import { benchOptions } from './lib/suite.mjs';

const { only, skip } = benchOptions();
if (!(only?.length === 1 && only[0] === 'discovery')) await main();

if ((only === undefined && skip.length === 0) || only?.includes('discovery')) {
  console.log('');
  spawnSync(process.execPath, [join(root, 'bench', 'discovery.mjs')], { stdio: 'inherit' });
}
