import { arrayDecoder, pipe } from '@timeside/core';
import { describe, expect, it } from 'vitest';
import { DcRemove } from '../src/dc_remove.js';
import { Capture, sine } from './capture.js';

describe('dc_remove', () => {
  it('removes a 0.3 offset from a sine and scales it by the closed-form response', async () => {
    const sr = 44100;
    const input = sine(441, sr, sr, { amplitude: 0.5, offset: 0.3 });
    const capture = new Capture();
    const fx = new DcRemove({ cutoff: 10 });
    await pipe(arrayDecoder(input, sr, { blockSize: 4096 }), fx, capture).run();
    // After 0.5 s (30 time constants), over 220 whole periods of 100 samples.
    const out = capture.samples[0].slice(sr / 2, sr / 2 + 22000);
    const mean = out.reduce((s, v) => s + v, 0) / out.length;
    expect(Math.abs(mean)).toBeLessThan(1e-4);
    const w = (2 * Math.PI * 441) / sr;
    const r = fx.pole;
    expect(r).toBeCloseTo(Math.exp((-2 * Math.PI * 10) / sr), 12);
    // |H(e^{jω})| = |1 − e^{−jω}| / |1 − R·e^{−jω}|
    const gain = Math.hypot(1 - Math.cos(w), Math.sin(w)) / Math.hypot(1 - r * Math.cos(w), r * Math.sin(w));
    const rms = Math.sqrt(out.reduce((s, v) => s + v * v, 0) / out.length);
    expect(rms).toBeCloseTo((0.5 / Math.SQRT2) * gain, 4);
  });
});
