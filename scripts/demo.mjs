#!/usr/bin/env node
/**
 * The TimeSide-TS demo (`pnpm demo`, after `pnpm build`). Two one-pass pipelines:
 *
 * 1. samples/sweep.wav, decoded once for the `level` analyzer, the `waveform_simple` grapher and
 *    the `vorbis_encoder`: out/sweep.ogg, out/waveform.png, out/results.json. The measured levels
 *    are compared with the figures that follow from how scripts/make-sample.mjs makes the sample.
 * 2. A music-like signal made here (out/music.wav: 8 s of plucked harmonic notes, a bass line and
 *    a noise hi-hat on the beat), decoded once for onsets, pitch, spectral descriptors and
 *    waveform peaks, and drawn by every grapher found: out/music.<grapher id>.png (and .svg for the
 *    waveform and the log spectrogram), out/music.audiowaveform.json.
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

writeAtomic(paths.json, `${JSON.stringify(results.toJSON(), null, 1)}\n`);

console.log(
  `${show(input)}: ${framesDone} frames decoded once for ${stages.length} processors in ${elapsedMs.toFixed(0)} ms`,
);

let mismatches = 0;
if (hasLevel) {
  const rows = [...results]
    .filter((r) => r.processor.id === 'level')
    .map((r) => [r.id, r.name, formatValue(r.value), r.unit]);
  console.log('\nLevel');
  printTable(['RESULT', 'NAME', 'VALUE', 'UNIT'], rows);
  console.log('\n  expected for samples/sweep.wav, from how scripts/make-sample.mjs makes it:');
  for (const check of sweepExpectations()) {
    const measured = results.get(check.id)?.value;
    const ok = typeof measured === 'number' && Math.abs(measured - check.expected) <= check.tolerance;
    if (!ok) mismatches++;
    console.log(
      `  ${ok ? '✓' : '✗'} ${check.id.padEnd(10)} ${typeof measured === 'number' ? measured.toFixed(3) : String(measured)} dBFS, ` +
        `expected ${check.expected.toFixed(3)} ± ${check.tolerance} (${check.why})`,
    );
  }
}

const written = [
  [show(paths.ogg), formatSize(statSync(paths.ogg).size), 'vorbis_encoder'],
  [show(paths.png), formatSize(statSync(paths.png).size), 'waveform_simple'],
  [show(paths.json), formatSize(statSync(paths.json).size), `${results.size} results`],
];

// 2. Pictures of a music-like signal: every grapher, fed in the same pass as the analyses.
const graphers = found.filter((p) => p.kind === 'grapher').map((p) => p.id);
if (graphers.length > 0) {
  const music = join(outDir, 'music.wav');
  writeAtomic(music, musicLikeWav());
  const analyzers = ['onsets', 'pitch', 'spectral_descriptors', 'waveform_peaks'].filter((id) =>
    available.has(id),
  );
  const processors = [];
  for (const id of analyzers) processors.push(new (await getProcessor(id))());
  const images = [];
  const size = { width: 1200, height: 240, axes: true };
  const paramsOf = {
    waveform_simple: { ...size, overlay: available.has('onsets') ? ['onsets'] : [] },
    waveform_centroid: size,
    waveform_contour_black: size,
    waveform_contour_white: size,
    waveform_transparent: size,
    spectrogram_lin: { ...size, maxFreq: 8000 },
    spectrogram_log: { ...size, height: 300, overlay: available.has('pitch') ? ['pitch.f0'] : [] },
    spectrogram_mel: { ...size, height: 300 },
    result_plot: { ...size, height: 300, results: ['pitch.f0', 'spectral_descriptors', 'onsets'] },
    audiowaveform: { samplesPerPixel: 256 },
  };
  const svgToo = new Set(['waveform_simple', 'spectrogram_log']);
  for (const id of graphers) {
    const Grapher = await getProcessor(id);
    const extension = Grapher.meta.extension ?? 'png';
    const params = paramsOf[id] ?? size;
    if (id === 'result_plot' && !params.results.every((r) => available.has(r.split('.')[0]))) continue;
    const output = join(outDir, `music.${id}.${extension}`);
    processors.push(new Grapher({ ...params, output }));
    images.push([output, id]);
    if (svgToo.has(id)) {
      const svg = join(outDir, `music.${id}.svg`);
      processors.push(new Grapher({ ...params, output: svg }));
      images.push([svg, id]);
    }
  }
  const t0 = performance.now();
  await pipe(fileDecoder(music), ...processors).run();
  console.log(
    `\n${show(music)}: decoded once for ${analyzers.length} analyzers and ${images.length} images in ` +
      `${(performance.now() - t0).toFixed(0)} ms`,
  );
  written.push([show(music), formatSize(statSync(music).size), 'the demo (music-like test signal)']);
  for (const [path, id] of images) written.push([show(path), formatSize(statSync(path).size), id]);
}

console.log('\nWritten');
printTable(['FILE', 'SIZE', 'BY'], written);
if (mismatches > 0) {
  console.error(`\ndemo: ${mismatches} measured value(s) differ from the expected ones (✗ above)`);
  process.exitCode = 1;
}

/**
 * What `level` should read on samples/sweep.wav, from scripts/make-sample.mjs: a sine sweep of
 * amplitude A = 0.9 lasting T = 3 s, with raised-cosine fades of F = 10 ms at both ends, stored as
 * 16-bit PCM (round(x·32767), read back as n/32768).
 * - max: the sweep reaches its amplitude: 20·log10(round(0.9·32767)/32768).
 * - RMS: a sine's mean square is A²/2; over a fade the gain g = ½ − ½·cos has mean square 3/8, so
 *   the fades remove a share 2·(F/T)·(1 − 3/8) of the energy: 10·log10(A²/2 · (1 − 1.25·F/T)).
 */
function sweepExpectations() {
  const amplitude = 0.9;
  const durationS = 3;
  const fadeS = 0.01;
  const peak = Math.round(amplitude * 32767) / 32768;
  const meanSquare = ((amplitude * amplitude) / 2) * (1 - 2 * (fadeS / durationS) * (1 - 3 / 8));
  return [
    { id: 'level.max', expected: 20 * Math.log10(peak), tolerance: 0.01, why: 'peak of the sweep' },
    { id: 'level.rms', expected: 10 * Math.log10(meanSquare), tolerance: 0.01, why: 'A²/2 less the fades' },
  ];
}

/**
 * 8 s of a music-like signal, 44.1 kHz stereo 16-bit: plucked notes (six harmonics, decaying) on
 * an A-minor arpeggio, a bass note per bar, a noise hi-hat on every beat (120 BPM), the melody a
 * little to the left and the bass a little to the right. Deterministic (a fixed-seed generator).
 */
function musicLikeWav() {
  const sampleRate = 44100;
  const seconds = 8;
  const frames = sampleRate * seconds;
  const melody = [
    220, 261.63, 329.63, 440, 392, 329.63, 293.66, 246.94, 261.63, 329.63, 392, 523.25, 493.88, 392, 329.63,
    293.66,
  ];
  const bass = [110, 87.31, 130.81, 98];
  const noteS = 0.5;
  let seed = 20240601;
  const random = () => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed / 2 ** 32 - 0.5;
  };
  const wav = Buffer.alloc(44 + frames * 4);
  wav.write('RIFF', 0, 'ascii');
  wav.writeUInt32LE(36 + frames * 4, 4);
  wav.write('WAVEfmt ', 8, 'ascii');
  wav.writeUInt32LE(16, 16);
  wav.writeUInt16LE(1, 20);
  wav.writeUInt16LE(2, 22);
  wav.writeUInt32LE(sampleRate, 24);
  wav.writeUInt32LE(sampleRate * 4, 28);
  wav.writeUInt16LE(4, 32);
  wav.writeUInt16LE(16, 34);
  wav.write('data', 36, 'ascii');
  wav.writeUInt32LE(frames * 4, 40);
  let hat = 0;
  for (let i = 0; i < frames; i++) {
    const t = i / sampleRate;
    const note = Math.floor(t / noteS);
    const tn = t - note * noteS;
    const f = melody[note % melody.length];
    const pluck = Math.min(1, tn / 0.005) * Math.exp(-tn * 5);
    let lead = 0;
    for (let h = 1; h <= 6; h++) lead += Math.sin(2 * Math.PI * f * h * t) / (h * h);
    const bar = Math.floor(t / 2);
    const tb = t - bar * 2;
    const low =
      Math.sin(2 * Math.PI * bass[bar % bass.length] * t) * Math.min(1, tb / 0.02) * Math.exp(-tb * 1.2);
    const beat = t % noteS;
    hat = 0.6 * hat + 0.4 * random();
    const hiss = beat < 0.06 ? (random() - hat) * Math.exp(-beat * 80) : 0;
    const left = 0.42 * lead * pluck + 0.25 * low + 0.35 * hiss;
    const right = 0.3 * lead * pluck + 0.35 * low + 0.35 * hiss;
    wav.writeInt16LE(Math.round(Math.max(-1, Math.min(1, left)) * 32767), 44 + i * 4);
    wav.writeInt16LE(Math.round(Math.max(-1, Math.min(1, right)) * 32767), 46 + i * 4);
  }
  return wav;
}

/** Written beside its final name, then renamed: never a half-written file. */
function writeAtomic(path, data) {
  const temp = join(
    dirname(path),
    `.${relative(dirname(path), path)}.${randomBytes(4).toString('hex')}.part`,
  );
  writeFileSync(temp, data);
  renameSync(temp, path);
}

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
