import { arrayDecoder, pipe } from '@timeside/core';
import { describe, expect, it } from 'vitest';
import { PeakFrequency } from './__PROCESSOR_ID__.js';
import plugin from './index.js';

const sampleRate = 44100;

function sine(freqHz: number, seconds: number): Float32Array {
  const out = new Float32Array(Math.round(seconds * sampleRate));
  for (let i = 0; i < out.length; i++) out[i] = 0.5 * Math.sin((2 * Math.PI * freqHz * i) / sampleRate);
  return out;
}

async function peaks(signal: Float32Array, fftSize: number, hopSize: number): Promise<Float32Array> {
  const results = await pipe(arrayDecoder(signal, sampleRate), new PeakFrequency({ fftSize, hopSize })).run();
  return results.require('__PROCESSOR_ID__').value as Float32Array;
}

describe('__PROCESSOR_ID__', () => {
  // A sine's spectrum peaks at its frequency: the nearest bin is within one bin width of it.
  it.each([
    { freqHz: 440, fftSize: 2048 },
    { freqHz: 1000, fftSize: 2048 },
    { freqHz: 3000, fftSize: 4096 },
  ])(
    'finds $freqHz Hz in a $freqHz Hz sine within one bin (fftSize $fftSize)',
    async ({ freqHz, fftSize }) => {
      const hopSize = 512;
      const signal = sine(freqHz, 1);
      const values = await peaks(signal, fftSize, hopSize);
      expect(values.length).toBe(Math.ceil(signal.length / hopSize));
      const binHz = sampleRate / fftSize;
      // Frames that lie wholly inside the signal (the last ones are zero-padded).
      const whole = Math.floor((signal.length - fftSize) / hopSize) + 1;
      for (let i = 0; i < whole; i++) expect(Math.abs(values[i] - freqHz)).toBeLessThanOrEqual(binHz);
    },
  );

  it('reports 0 Hz for silence', async () => {
    const values = await peaks(new Float32Array(sampleRate / 2), 2048, 512);
    expect(values.every((v) => v === 0)).toBe(true);
  });

  it('is exported by the plugin', () => {
    expect(plugin.processors).toContain(PeakFrequency);
  });
});
