import { arrayDecoder, pipe } from '@timeside/core';
import { describe, expect, it } from 'vitest';
import { Level } from '../../plugin-aubio-like/src/level.js';
import { Tuning } from '../../plugin-aubio-like/src/tuning.js';
import { Resample } from '../src/resample.js';
import { Capture, sine } from './capture.js';

describe('resample', () => {
  it.each([
    { from: 44100, to: 48000, blockSize: 4096 },
    { from: 44100, to: 16000, blockSize: 1000 },
    { from: 48000, to: 44100, blockSize: 333 },
    { from: 22050, to: 44100, blockSize: 65536 },
    // gcd 1: 96,001 phases, too many to tabulate, so each kernel is computed on the fly.
    { from: 44100, to: 96001, blockSize: 5000 },
  ])('a 1 kHz sine at $from Hz stays a 1 kHz sine at $to Hz', async ({ from, to, blockSize }) => {
    const frames = Math.round(from * 0.3);
    const capture = new Capture();
    await pipe(
      arrayDecoder(
        [sine(1000, from, frames, { amplitude: 0.5 }), sine(1000, from, frames, { amplitude: -0.25 })],
        from,
        {
          blockSize,
        },
      ),
      new Resample({ sampleRate: to }),
      capture,
    ).run();
    const length = Math.ceil((frames * to) / from);
    expect(capture.format).toEqual({ sampleRate: to, channels: 2, totalFrames: length });
    expect(capture.samples[0]).toHaveLength(length);
    // Away from the edges (where the stream meets silence), sample for sample against the sine at the new rate.
    const margin = Math.ceil(0.005 * to);
    let worst = 0;
    for (let n = margin; n < length - margin; n++) {
      const t = (2 * Math.PI * 1000 * n) / to;
      worst = Math.max(worst, Math.abs(capture.samples[0][n] - 0.5 * Math.sin(t)));
      worst = Math.max(worst, Math.abs(capture.samples[1][n] + 0.25 * Math.sin(t)));
    }
    expect(worst).toBeLessThan(1e-3);
  });

  it('sets up the analyzers after it at the new rate: tuning still reads a 442 Hz A as 442 Hz', async () => {
    const results = await pipe(
      arrayDecoder(sine(442, 44100, 44100, { amplitude: 0.5 }), 44100, { blockSize: 3000 }),
      new Resample({ sampleRate: 22050 }),
      new Tuning(),
      new Level({ frameSize: 22050, hopSize: 22050 }),
    ).run();
    expect(Math.abs((results.require('tuning').value as number) - 442)).toBeLessThan(0.5);
    // level's frames are counted at the new rate: 1 s at 22,050 Hz is one frame of 22,050.
    expect(results.require('level.rms_frames').frame?.sampleRate).toBe(22050);
    expect((results.require('level.rms_frames').value as Float32Array).length).toBe(1);
  });

  it('low-passes before decimating: a tone above the new Nyquist frequency does not alias', async () => {
    const capture = new Capture();
    await pipe(
      arrayDecoder(sine(12000, 44100, 22050, { amplitude: 0.5 }), 44100),
      new Resample({ sampleRate: 16000 }),
      capture,
    ).run();
    const out = capture.samples[0].slice(1000, 7000);
    const rms = Math.sqrt(out.reduce((s, v) => s + v * v, 0) / out.length);
    // 12 kHz would fold to 4 kHz: more than 60 dB down instead.
    expect(20 * Math.log10(rms / (0.5 / Math.SQRT2))).toBeLessThan(-60);
  });
});
