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

export default defineConfig([
  {
    entry: ['src/index.ts'],
    format: ['esm'],
    dts: true,
    clean: true,
    target: 'node20',
    onSuccess: async () => copyPluginTemplate(),
  },
  {
    entry: ['src/cli.ts'],
    format: ['esm'],
    dts: false,
    clean: false,
    target: 'node20',
    banner: { js: '#!/usr/bin/env node' },
  },
]);
