import { defineConfig } from 'tsup';

// One self-contained ES module for browsers: the server serves it as /player/timeside-player.js.
export default defineConfig({
  entry: { 'timeside-player': 'src/index.ts' },
  format: ['esm'],
  platform: 'browser',
  target: 'es2022',
  dts: true,
  // No clean: the server's tests serve this file; a rebuild overwrites it in place.
  clean: false,
  noExternal: [/.*/],
});
