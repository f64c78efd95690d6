import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ProcessorClass, registerProcessor, setDiscoverer } from '@timeside/core';
import analyzers from '../../plugin-aubio-like/src/index.js';
import encoders from '../../plugin-encoders/src/index.js';
import graphers from '../../plugin-graphers/src/index.js';

/** Registers the first-party plugins from their sources (discovery would load their dist). */
export function registerPlugins(): void {
  setDiscoverer(async () => {});
  for (const plugin of [analyzers, graphers, encoders]) {
    for (const cls of plugin.processors) registerProcessor(cls as unknown as ProcessorClass);
  }
}

/** A temporary directory, removed by the returned function. */
export function tempDir(prefix: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Writes a 16-bit PCM WAV of `channels` identical channels: `sample(i)` in [-1, 1] for frame i,
 * quantised as ffmpeg does (round, clip to [-32768, 32767]).
 */
export function writeWav(
  path: string,
  { sampleRate, channels, frames }: { sampleRate: number; channels: number; frames: number },
  sample: (i: number) => number,
): void {
  const bytes = frames * channels * 2;
  const b = Buffer.alloc(44 + bytes);
  b.write('RIFF', 0, 'ascii');
  b.writeUInt32LE(36 + bytes, 4);
  b.write('WAVEfmt ', 8, 'ascii');
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20);
  b.writeUInt16LE(channels, 22);
  b.writeUInt32LE(sampleRate, 24);
  b.writeUInt32LE(sampleRate * channels * 2, 28);
  b.writeUInt16LE(channels * 2, 32);
  b.writeUInt16LE(16, 34);
  b.write('data', 36, 'ascii');
  b.writeUInt32LE(bytes, 40);
  let o = 44;
  for (let i = 0; i < frames; i++) {
    const v = Math.max(-32768, Math.min(32767, Math.round(sample(i) * 32768)));
    for (let c = 0; c < channels; c++, o += 2) b.writeInt16LE(v, o);
  }
  writeFileSync(path, b);
}

/** A sine of `freqHz` at `amplitude` (peak, linear). */
export const sine = (freqHz: number, sampleRate: number, amplitude: number) => (i: number) =>
  amplitude * Math.sin((2 * Math.PI * freqHz * i) / sampleRate);
