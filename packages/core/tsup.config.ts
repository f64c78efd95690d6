import { cpSync, rmSync } from 'node:fs';
import { basename } from 'node:path';
import { defineConfig } from 'tsup';

/** Ships templates/plugin inside core (dist/template) for scaffoldPlugin / `timeside new plugin`. */
function copyPluginTemplate(): void {
  const skip = new Set(['node_modules', 'dist', 'package-lock.json', 'pnpm-lock.yaml', 'yarn.lock']);
  rmSync('dist/template', { recursive: true, force: true });
  cpSync('../../templates/plugin', 'dist/template', {
    recursive: true,
    filter: (src) => !skip.has(basename(src)),
  });
}

// One build with code splitting: the CLI and the library entry share their chunks, so a process
// that runs the CLI and imports plugins loads one copy of core (one registry), and so does each
// worker thread of `timeside run --jobs N` (dist/batch-worker.js, beside the chunk that starts it).
export default defineConfig({
  entry: { index: 'src/index.ts', cli: 'src/cli.ts', 'batch-worker': 'src/cli/batch-worker.ts' },
  format: ['esm'],
  splitting: true,
  dts: { entry: { index: 'src/index.ts' } },
  clean: true,
  target: 'node20',
  // Node accepts a hashbang at the top of any module; only dist/cli.js needs it.
  banner: { js: '#!/usr/bin/env node' },
  onSuccess: async () => copyPluginTemplate(),
});
