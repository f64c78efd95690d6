#!/usr/bin/env node
/**
 * Plugin discovery benchmark: a temp project with ~1,000 installed packages (a few dozen of them
 * plugins), in an npm (hoisted) and a pnpm (symlinked store) layout. Measures, as medians:
 *   cold        a new process, no manifest cache: every package.json is read
 *   warm-file   a new process, the cache persisted in node_modules/.cache/timeside/ by a previous run
 *   warm-memory a later discovery in the same process (the in-memory cache)
 * The total includes importing the plugins' entries; "scan" is the walk of node_modules and the
 * reading (or cache lookup) of every package.json.
 * Needs core's dist: `pnpm build`, then `node bench/discovery.mjs [--packages 1000] [--plugins 40] [--runs 5]`.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const coreEntry = fileURLToPath(new URL('../packages/core/dist/index.js', import.meta.url));

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
}

/** In a child process: one or two discoveries from `cwd`; prints their reports' figures as JSON. */
async function child(cwd, twice) {
  const core = await import(coreEntry);
  core.setDiscoverer(undefined);
  const measure = async () => {
    const started = performance.now();
    const report = await core.discoverPlugins({ cwd, host: false });
    return {
      ms: performance.now() - started,
      scanMs: report.phases.scan,
      importMs: report.phases.import,
      plugins: report.plugins.filter((p) => p.status === 'loaded').length,
      problems: report.problems.length,
      packagesSeen: report.packagesSeen,
      reads: report.cache.reads,
      hits: report.cache.hits,
    };
  };
  const first = await measure();
  let second;
  if (twice) {
    // The median of 15 further runs in this process (the in-memory cache).
    const runs = [];
    for (let i = 0; i < 15; i++) {
      core.resetDiscovery();
      runs.push(await measure());
    }
    runs.sort((a, b) => a.ms - b.ms);
    second = runs[Math.floor(runs.length / 2)];
  }
  console.log(JSON.stringify({ first, second }));
}

function writePackage(dir, name, isPlugin, index) {
  mkdirSync(dir, { recursive: true });
  const pkg = {
    name,
    version: '1.0.0',
    type: 'module',
    description: `fake package ${index}`,
    main: 'index.js',
  };
  if (isPlugin) pkg['timeside-plugin'] = { apiVersion: 1, entry: './index.js' };
  writeFileSync(join(dir, 'package.json'), JSON.stringify(pkg, null, 2));
  const id = `bench_${index}`;
  writeFileSync(
    join(dir, 'index.js'),
    isPlugin
      ? `class P { static meta = ${JSON.stringify({ id, kind: 'analyzer', name: id, version: '1.0.0', description: 'bench', params: {} })}; }\n` +
          `export default { name: ${JSON.stringify(name)}, processors: [P] };\n`
      : 'export default {};\n',
  );
}

/** ~`count` packages, every (count / plugins)-th a plugin, a tenth of them scoped. */
function buildProject(root, layout, count, plugins) {
  const project = join(root, layout);
  const nm = join(project, 'node_modules');
  mkdirSync(nm, { recursive: true });
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: `bench-${layout}`, private: true }));
  const every = Math.max(1, Math.floor(count / plugins));
  for (let i = 0; i < count; i++) {
    const isPlugin = i % every === 0 && i / every < plugins;
    const name = i % 10 === 0 ? `@scope${i % 7}/pkg-${i}` : `pkg-${i}`;
    if (layout === 'npm') {
      writePackage(join(nm, name), name, isPlugin, i);
    } else {
      const storeName = `${name.replace('/', '+')}@1.0.0`;
      const real = join(nm, '.pnpm', storeName, 'node_modules', name);
      writePackage(real, name, isPlugin, i);
      const link = join(nm, name);
      mkdirSync(join(link, '..'), { recursive: true });
      symlinkSync(real, link);
    }
  }
  return project;
}

function runChild(cwd, twice) {
  const out = execFileSync(
    process.execPath,
    [fileURLToPath(import.meta.url), '--child', cwd, twice ? 'twice' : 'once'],
    {
      encoding: 'utf8',
    },
  );
  return JSON.parse(out.trim().split('\n').pop());
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function main() {
  const count = option('packages', 1000);
  const plugins = option('plugins', 40);
  const runs = option('runs', 5);
  const root = mkdtempSync(join(tmpdir(), 'timeside-bench-discovery-'));
  try {
    console.log(
      `discovery: ${count} packages, ${plugins} plugins, median of ${runs} runs (node ${process.version})`,
    );
    for (const layout of ['npm', 'pnpm']) {
      const project = buildProject(root, layout, count, plugins);
      const cacheDir = join(project, 'node_modules', '.cache');
      const cold = [];
      const warmFile = [];
      const warmMemory = [];
      const scan = { cold: [], warmFile: [], warmMemory: [] };
      let last;
      for (let r = 0; r < runs; r++) {
        rmSync(cacheDir, { recursive: true, force: true });
        const c = runChild(project, true);
        cold.push(c.first.ms);
        warmMemory.push(c.second.ms);
        const w = runChild(project, false);
        warmFile.push(w.first.ms);
        scan.cold.push(c.first.scanMs);
        scan.warmMemory.push(c.second.scanMs);
        scan.warmFile.push(w.first.scanMs);
        last = { cold: c.first, warmFile: w.first, warmMemory: c.second };
      }
      const f = (ms) => `${median(ms).toFixed(1)} ms`;
      console.log(
        `  ${layout.padEnd(4)}  cold ${f(cold)} (scan ${f(scan.cold)}; ${last.cold.reads} package.json read, ${last.cold.plugins} plugins imported)\n` +
          `        warm-file ${f(warmFile)} (scan ${f(scan.warmFile)}; ${last.warmFile.reads} read, ${last.warmFile.hits} cached)\n` +
          `        warm-memory ${f(warmMemory)} (scan ${f(scan.warmMemory)}; ${last.warmMemory.reads} read)`,
      );
      if (last.cold.problems || last.cold.plugins !== plugins)
        throw new Error(`unexpected report: ${JSON.stringify(last)}`);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') await child(process.argv[3], process.argv[4] === 'twice');
else await main();
