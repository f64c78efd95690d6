import { defineConfig } from 'tsup';

// One ES module with its type declarations: dist/index.js is the manifest's `entry`.
export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  dts: true,
  clean: true,
  target: 'node20',
});
