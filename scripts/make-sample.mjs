#!/usr/bin/env node
/**
 * Writes samples/sweep.wav, the one bundled sample: a logarithmic sine sweep from 20 Hz to 20 kHz
 * (after TimeSide's own sample, a log chirp from 20 Hz to Nyquist), mono, 44.1 kHz, 16-bit PCM,
 * 3 s, amplitude 0.9, with 10 ms raised-cosine fades so it starts and ends without a click.
 *
 * Pure Node, deterministic: running it again writes the same bytes.
 *   node scripts/make-sample.mjs [out.wav]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SAMPLE_RATE = 44100;
const DURATION_S = 3;
const F_START_HZ = 20;
const F_END_HZ = 20000;
const AMPLITUDE = 0.9;
const FADE_S = 0.01;

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outPath = resolve(process.argv[2] ?? resolve(root, 'samples/sweep.wav'));

const frames = Math.round(SAMPLE_RATE * DURATION_S);
const fadeFrames = Math.round(SAMPLE_RATE * FADE_S);
// Exponential sweep (Farina 2000): f(t) = f0·e^(t·k/T) with k = ln(f1/f0), so the phase is
// φ(t) = 2π·f0·T/k · (e^(t·k/T) − 1).
const k = Math.log(F_END_HZ / F_START_HZ);
const phaseScale = (2 * Math.PI * F_START_HZ * DURATION_S) / k;

const dataBytes = frames * 2;
const wav = Buffer.alloc(44 + dataBytes);
wav.write('RIFF', 0, 'ascii');
wav.writeUInt32LE(36 + dataBytes, 4);
wav.write('WAVE', 8, 'ascii');
wav.write('fmt ', 12, 'ascii');
wav.writeUInt32LE(16, 16);
wav.writeUInt16LE(1, 20); // WAVE_FORMAT_PCM
wav.writeUInt16LE(1, 22); // mono
wav.writeUInt32LE(SAMPLE_RATE, 24);
wav.writeUInt32LE(SAMPLE_RATE * 2, 28);
wav.writeUInt16LE(2, 32);
wav.writeUInt16LE(16, 34);
wav.write('data', 36, 'ascii');
wav.writeUInt32LE(dataBytes, 40);

for (let i = 0; i < frames; i++) {
  const t = i / SAMPLE_RATE;
  let gain = AMPLITUDE;
  const edge = Math.min(i, frames - 1 - i);
  if (edge < fadeFrames) gain *= 0.5 - 0.5 * Math.cos((Math.PI * edge) / fadeFrames);
  const x = gain * Math.sin(phaseScale * (Math.exp((t * k) / DURATION_S) - 1));
  wav.writeInt16LE(Math.round(x * 32767), 44 + i * 2);
}

mkdirSync(dirname(outPath), { recursive: true });
writeFileSync(outPath, wav);
console.log(`wrote ${outPath} (${wav.length} bytes, ${DURATION_S} s, ${F_START_HZ} Hz → ${F_END_HZ} Hz)`);
