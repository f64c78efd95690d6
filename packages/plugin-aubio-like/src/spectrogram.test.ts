import { arrayDecoder, pipe, resultRows, Stft } from '@timeside/core';
import { describe, expect, it } from 'vitest';
import { Pitch } from './pitch.js';
import { Spectrogram } from './spectrogram.js';

const SR = 44100;
const BIN_HZ = SR / 2048;

function sine(freqHz: number, seconds: number, amplitude: number): Float32Array {
  const out = new Float32Array(Math.round(seconds * SR));
  for (let i = 0; i < out.length; i++) out[i] = amplitude * Math.sin((2 * Math.PI * freqHz * i) / SR);
  return out;
}

async function spectrogram(signal: Float32Array, params: Record<string, unknown> = {}) {
  const results = await pipe(arrayDecoder(signal, SR), new Spectrogram(params)).run();
  return { rows: resultRows(results.require('spectrogram').value), results };
}

function argmax(row: number[]): number {
  let best = 0;
  for (let k = 1; k < row.length; k++) if (row[k] > row[best]) best = k;
  return best;
}

describe('spectrogram', () => {
  it('peaks at the 1 kHz bin in every frame of a 1 kHz sine', async () => {
    // 87 hops long, so that even the last, zero-padded frame holds 512 samples of the tone: a frame
    // holding a handful of samples has no meaningful spectral peak.
    const signal = sine(1000, (87 * 512) / SR, 0.5);
    const { rows, results } = await spectrogram(signal);
    expect(rows.length).toBe(Math.ceil(signal.length / 512));
    expect(rows[0].length).toBe(1025);
    const bin = Math.round(1000 / BIN_HZ); // 46 → 990.5 Hz
    for (const row of rows) expect(argmax(row)).toBe(bin);
    const frequencies = results.require('spectrogram.frequencies').value as Float32Array;
    expect(frequencies[bin]).toBeCloseTo(bin * BIN_HZ, 3);
    expect(results.require('spectrogram').frame).toEqual({ sampleRate: SR, size: 2048, hop: 512 });
  });

  it('reads the amplitude of a bin-centred sine: 0.5, or −6.02 dB', async () => {
    const signal = sine(50 * BIN_HZ, 0.5, 0.5);
    const linear = (await spectrogram(signal)).rows;
    const db = (await spectrogram(signal, { scale: 'db' })).rows;
    // Frames 0..(length − 2048)/512 lie wholly inside the signal.
    for (let f = 0; f <= (signal.length - 2048) / 512; f++) {
      expect(linear[f][50]).toBeCloseTo(0.5, 3);
      expect(db[f][50]).toBeCloseTo(-6.02, 2);
    }
  });

  // A tone half-way between bins shows the window: a bin-centred one reads its amplitude under any
  // window (so the test above cannot tell an unwindowed spectrogram). At half a bin the periodic
  // Hann window's response is 8/(3π) = 0.8488 of its peak (sinc(½)/(1 − ¼)), the rectangular
  // one's 2/π = 0.6366; 20 bins away Hann has fallen below −80 dB where a rectangular window still
  // leaks 1/(20.5·π) ≈ −36 dB (and its leakage from the tone's negative frequency, ≈ 0.3 %, is
  // what the looser tolerance allows for).
  it.each([
    { window: 'hann', ratio: 8 / (3 * Math.PI), name: '8/(3π)', tolerance: 1e-3, farBelow: 1e-4 },
    { window: 'rectangular', ratio: 2 / Math.PI, name: '2/π', tolerance: 0.01, farBelow: 0.01 },
  ])('reads a tone between two bins through the $window window at $name of its amplitude', async (c) => {
    const signal = sine(50.5 * BIN_HZ, 0.5, 0.5);
    const { rows } = await spectrogram(signal, { window: c.window });
    for (let f = 0; f <= (signal.length - 2048) / 512; f++) {
      expect(Math.abs(rows[f][50] / (0.5 * c.ratio) - 1)).toBeLessThan(c.tolerance);
      expect(Math.abs(rows[f][51] / (0.5 * c.ratio) - 1)).toBeLessThan(c.tolerance);
      expect(rows[f][71]).toBeLessThan(c.farBelow);
    }
    if (c.window === 'rectangular') expect(rows[3][71]).toBeGreaterThan(0.5 / (21 * Math.PI));
  });

  it('floors dB at −200 for silence', async () => {
    const { rows } = await spectrogram(new Float32Array(4096), { scale: 'db' });
    expect(rows.every((row) => row.every((v) => v === -200))).toBe(true);
  });

  it('bounds its size with maxFreq and maxBins, the peak kept in the merged bin', async () => {
    const signal = sine(1000, 0.3, 0.5);
    const low = await spectrogram(signal, { maxFreq: 5000 });
    expect(low.rows[0].length).toBe(Math.floor(5000 / BIN_HZ) + 1);
    const lowFrequencies = low.results.require('spectrogram.frequencies').value as Float32Array;
    expect(lowFrequencies[lowFrequencies.length - 1]).toBeLessThanOrEqual(5000);

    const few = await spectrogram(signal, { maxBins: 100 });
    const group = Math.ceil(1025 / 100); // 11 bins per column → 94 columns
    expect(few.rows[0].length).toBe(Math.ceil(1025 / group));
    expect(few.rows[0].length).toBeLessThanOrEqual(100);
    const column = Math.floor(Math.round(1000 / BIN_HZ) / group);
    for (const row of few.rows.slice(0, 10)) expect(argmax(row)).toBe(column);
    const centres = few.results.require('spectrogram.frequencies').value as Float32Array;
    expect(centres[column] - (group / 2) * BIN_HZ).toBeLessThanOrEqual(1000);
    expect(centres[column] + (group / 2) * BIN_HZ).toBeGreaterThanOrEqual(1000);
  });

  it('shares the STFT with another spectral consumer: one FFT per frame (pitch yinfft)', async () => {
    const signal = sine(440, 1, 0.5);
    const before = Stft.transforms;
    const pipeline = pipe(
      arrayDecoder(signal, SR),
      new Spectrogram({ fftSize: 2048, hopSize: 512 }),
      new Pitch({ method: 'yinfft', frameSize: 2048, hopSize: 512 }),
    );
    const results = await pipeline.run();
    const frames = Math.ceil(signal.length / 512);
    expect(Stft.transforms - before).toBe(frames);
    expect((await pipeline.graph()).filter((n) => n.processor.meta.id === 'stft')).toHaveLength(1);
    expect(resultRows(results.require('spectrogram').value).length).toBe(frames);
    expect((results.require('pitch.f0').value as Float32Array).length).toBe(frames);
  });
});
