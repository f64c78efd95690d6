import { arrayDecoder, pipe, resultRows } from '@timeside/core';
import { describe, expect, it } from 'vitest';
import { WaveformPeaks } from './waveform_peaks.js';

const SR = 44100;

async function peaks(data: Float32Array | Float32Array[], params: Record<string, unknown> = {}) {
  const results = await pipe(arrayDecoder(data, SR, { blockSize: 1000 }), new WaveformPeaks(params)).run();
  return results.require('waveform_peaks');
}

describe('waveform_peaks', () => {
  it('reads −0.5 / 0.5 in every column of a sine of amplitude 0.5', async () => {
    // 441 Hz: 100 samples per period, the extremes fall on samples 25 and 75 of each period.
    const signal = new Float32Array(SR);
    for (let i = 0; i < SR; i++) signal[i] = 0.5 * Math.sin((2 * Math.PI * 441 * i) / SR);
    const result = await peaks(signal);
    const rows = resultRows(result.value);
    expect(result.frame).toEqual({ sampleRate: SR, size: 256, hop: 256 });
    expect(rows.length).toBe(Math.ceil(SR / 256));
    for (const row of rows.slice(0, -1)) {
      expect(row[0]).toBeCloseTo(-0.5, 6);
      expect(row[1]).toBeCloseTo(0.5, 6);
    }
  });

  it('reads the ends of each column of a ramp, the last column short', async () => {
    const length = 1050;
    const ramp = new Float32Array(length).map((_, i) => -1 + (2 * i) / (length - 1));
    const rows = resultRows((await peaks(ramp, { samplesPerPixel: 100 })).value);
    expect(rows.length).toBe(11);
    rows.forEach((row, i) => {
      expect(row[0]).toBe(ramp[i * 100]);
      expect(row[1]).toBe(ramp[Math.min(i * 100 + 99, length - 1)]);
    });
  });

  it('shows a burst in the right channel, in the columns it covers only', async () => {
    const left = new Float32Array(SR / 2);
    const right = new Float32Array(SR / 2);
    // Burst over samples [10000, 12000): columns 39 (9984–10239) to 46 (11776–12031) at 256 spp.
    for (let i = 10000; i < 12000; i++) right[i] = 0.8 * Math.sin(i * 0.3);
    const rows = resultRows((await peaks([left, right])).value);
    rows.forEach((row, i) => {
      expect(row[0]).toBe(0);
      expect(row[1]).toBe(0);
      const inBurst = i >= 39 && i <= 46;
      expect(row[3] > 0.5).toBe(inBurst);
      expect(row[2] < -0.5).toBe(inBurst);
    });
  });

  it('maps to the BBC audiowaveform JSON layout: pixel i, channel c at data[(i·C + c)·2]', async () => {
    const left = new Float32Array(1024).fill(0.25);
    const right = new Float32Array(1024).fill(-0.75);
    const result = await peaks([left, right], { samplesPerPixel: 512 });
    const rows = resultRows(result.value);
    const channels = 2;
    const json = {
      version: 2,
      channels,
      sample_rate: result.frame!.sampleRate,
      samples_per_pixel: result.frame!.hop,
      bits: 16,
      length: rows.length,
      data: rows.flat().map((v) => Math.round(v * 32767)),
    };
    expect(json.length).toBe(2);
    expect(json.samples_per_pixel).toBe(512);
    for (let i = 0; i < json.length; i++) {
      expect(json.data[(i * channels + 0) * 2]).toBe(8192); // left min: 0.25 · 32767 = 8191.75
      expect(json.data[(i * channels + 0) * 2 + 1]).toBe(8192);
      expect(json.data[(i * channels + 1) * 2]).toBe(-24575); // right min: −0.75 · 32767 = −24575.25
      expect(json.data[(i * channels + 1) * 2 + 1]).toBe(-24575);
    }
  });

  it('gives width columns when width divides the length, never more', async () => {
    const signal = new Float32Array(SR);
    const exact = await peaks(signal, { width: 100 });
    expect(resultRows(exact.value).length).toBe(100);
    expect(exact.frame!.hop).toBe(441);
    const ragged = await peaks(signal, { width: 97 });
    expect(resultRows(ragged.value).length).toBeLessThanOrEqual(97);
    expect(ragged.frame!.hop).toBe(Math.ceil(SR / 97));
  });
});
