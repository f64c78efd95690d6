import { arrayDecoder, type Matrix, matrixRow, pipe, Stft } from '@timeside/core';
import { describe, expect, it } from 'vitest';
import { Chroma } from './chroma.js';
import { Key } from './key.js';

const SR = 44100;

/** Equal-tempered frequency of MIDI note m with A4 = 440 Hz. */
const midiHz = (m: number) => 440 * 2 ** ((m - 69) / 12);

/** Sum of sines at MIDI notes, `seconds` long. */
function chord(notes: readonly number[], seconds = 1): Float32Array {
  const out = new Float32Array(Math.round(seconds * SR));
  for (const m of notes) {
    const f = midiHz(m);
    for (let i = 0; i < out.length; i++) out[i] += 0.2 * Math.sin((2 * Math.PI * f * i) / SR);
  }
  return out;
}

/** Krumhansl–Kessler probe-tone ratings (Krumhansl 1990), tonic first. */
const KK = {
  major: [6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88],
  minor: [6.33, 2.68, 3.52, 5.38, 2.6, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17],
};

/** Pearson correlation of two 12-vectors. */
function pearson(x: readonly number[], y: readonly number[]): number {
  const mean = (v: readonly number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  const mx = mean(x);
  const my = mean(y);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < 12; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}

/** Mean chroma over the frames that lie wholly inside the signal. */
function meanChroma(value: Matrix, frames: number): number[] {
  const sum = new Array(12).fill(0);
  const whole = Math.floor((frames - 8192) / 2048) + 1;
  for (let r = 0; r < whole; r++) {
    const row = matrixRow(value, r);
    for (let j = 0; j < 12; j++) sum[j] += row[j] / whole;
  }
  return sum;
}

describe('chroma and key', () => {
  it.each([
    {
      name: 'C-major triad C4 E4 G4',
      notes: [60, 64, 67],
      lit: [0, 4, 7],
      key: 'C major',
      tonic: 0,
      mode: 'major',
    },
    {
      name: 'C-major triad C5 E5 G5',
      notes: [72, 76, 79],
      lit: [0, 4, 7],
      key: 'C major',
      tonic: 0,
      mode: 'major',
    },
    {
      name: 'A-minor triad A3 C4 E4',
      notes: [57, 60, 64],
      lit: [9, 0, 4],
      key: 'A minor',
      tonic: 9,
      mode: 'minor',
    },
  ] as const)('$name lights its pitch classes and reads $key', async ({ notes, lit, key, tonic, mode }) => {
    const signal = chord(notes);
    const before = Stft.transforms;
    const results = await pipe(arrayDecoder(signal, SR), new Chroma(), new Key()).run();
    const mean = meanChroma(results.require('chroma').value as Matrix, signal.length);
    for (let j = 0; j < 12; j++) {
      if ((lit as readonly number[]).includes(j)) expect(mean[j], `class ${j}`).toBeGreaterThan(0.5);
      else expect(mean[j], `class ${j}`).toBeLessThan(0.1);
    }
    const keyResult = results.require('key');
    expect(keyResult.labelMetadata?.[keyResult.label?.[0] as number]).toBe(key);
    // The confidence is the correlation of the ideal triad (three equal classes) with the key's
    // profile, rotated to its tonic: the measured chroma is that triad up to small leakage.
    const ideal = Array.from({ length: 12 }, (_, j) => ((lit as readonly number[]).includes(j) ? 1 : 0));
    const profile = Array.from({ length: 12 }, (_, j) => KK[mode][(j - tonic + 12) % 12]);
    expect(results.require('key.confidence').value as number).toBeCloseTo(pearson(ideal, profile), 1);
    // key reads the chroma node the user asked for: one STFT, one FFT per frame.
    const frames = Math.ceil(signal.length / 2048);
    expect(Stft.transforms - before).toBeLessThanOrEqual(frames + 1);
  });

  it('silence: every key correlates 0', async () => {
    const results = await pipe(arrayDecoder(new Float32Array(SR / 2), SR), new Key()).run();
    expect(results.require('key.confidence').value).toBe(0);
  });
});
