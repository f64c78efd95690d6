#!/usr/bin/env node
/**
 * The TimeSide-TS demo (`pnpm demo`, after `pnpm build`): decodes samples/sweep.wav once and, in
 * ONE pipeline pass, measures its level, draws its waveform and encodes it to Ogg/Vorbis:
 *
 *   out/sweep.ogg      vorbis_encoder
 *   out/waveform.png   waveform_simple
 *   out/results.json   every result (ResultContainer.toJSON)
 *
 * Only the public API of the built packages is used; the processors are found by plugin discovery
 * (the root package depends on the first-party plugins) and fetched by id with getProcessor.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fileDecoder, getProcessor, listProcessors, pipe } from '@timeside/core';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const input = join(root, 'samples', 'sweep.wav');
const outDir = join(root, 'out');
const paths = {
  ogg: join(outDir, 'sweep.ogg'),
  png: join(outDir, 'waveform.png'),
  json: join(outDir, 'results.json'),
};
const show = (path) => relative(process.cwd(), path) || path;

const { processors: found, errors } = await listProcessors({ withErrors: true });
for (const e of errors) console.warn(`warning: plugin ${e.package} could not be loaded: ${e.reason}`);
const available = new Set(found.map((p) => p.id));
for (const id of ['waveform_simple', 'vorbis_encoder']) {
  if (!available.has(id)) {
    console.error(`demo: no processor "${id}" was found. Build the packages first: pnpm build`);
    process.exit(1);
  }
}

const stages = [];
const hasLevel = available.has('level');
if (hasLevel) {
  const Level = await getProcessor('level');
  stages.push(new Level());
} else {
  console.log(
    'note: no "level" analyzer is installed (it comes with @timeside/plugin-aubio-like): skipping it.\n',
  );
}
const Waveform = await getProcessor('waveform_simple');
const Vorbis = await getProcessor('vorbis_encoder');
stages.push(
  new Waveform({ output: paths.png, width: 1024, height: 256 }),
  new Vorbis({ output: paths.ogg, quality: 5 }),
);

mkdirSync(outDir, { recursive: true });
const started = performance.now();
const pipeline = pipe(fileDecoder(input), ...stages);
let framesDone = 0;
pipeline.on('progress', (event) => {
  framesDone = event.framesDone;
});
const results = await pipeline.run();
const elapsedMs = performance.now() - started;

// Written beside its final name, then renamed: never a half-written results.json.
const temp = join(outDir, `.results.json.${randomBytes(4).toString('hex')}.part`);
writeFileSync(temp, `${JSON.stringify(results.toJSON(), null, 1)}\n`);
renameSync(temp, paths.json);

console.log(
  `${show(input)}: ${framesDone} frames decoded once for ${stages.length} processors in ${elapsedMs.toFixed(0)} ms`,
);

if (hasLevel) {
  const rows = [...results]
    .filter((r) => r.processor.id === 'level')
    .map((r) => [r.id, r.name, formatValue(r.value), r.unit]);
  console.log('\nLevel');
  printTable(['RESULT', 'NAME', 'VALUE', 'UNIT'], rows);
  // The sample is a sine sweep at amplitude 0.9 with 10 ms fades: peak 20·log10(0.9) = −0.92 dBFS,
  // RMS close to 0.9/√2 → −3.93 dBFS (ffmpeg's astats reads −3.94 dBFS).
  console.log('  expected for samples/sweep.wav: max −0.92 dBFS, RMS −3.94 dBFS');
}

console.log('\nWritten');
printTable(
  ['FILE', 'SIZE', 'BY'],
  [
    [show(paths.ogg), formatSize(statSync(paths.ogg).size), 'vorbis_encoder'],
    [show(paths.png), formatSize(statSync(paths.png).size), 'waveform_simple'],
    [show(paths.json), formatSize(statSync(paths.json).size), `${results.size} results`],
  ],
);

function formatValue(value) {
  if (typeof value === 'number') return value.toFixed(3);
  if (value && typeof value.length === 'number') {
    const values = Array.from(value, Number).filter(Number.isFinite);
    if (values.length === 0) return `${value.length} values`;
    return `${value.length} values, ${Math.min(...values).toFixed(2)} … ${Math.max(...values).toFixed(2)}`;
  }
  return String(value);
}

function formatSize(bytes) {
  return bytes < 1000 ? `${bytes} B` : `${(bytes / 1000).toFixed(1)} KB`;
}

function printTable(header, rows) {
  const all = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...all.map((r) => String(r[c]).length)));
  for (const r of all)
    console.log(
      `  ${r
        .map((cell, c) => String(cell).padEnd(widths[c]))
        .join('  ')
        .trimEnd()}`,
    );
}
