import { arrayDecoder, isTimesideError, pipe } from '@timeside/core';
import { describe, expect, it } from 'vitest';
import { Bandpass } from '../src/bandpass.js';
import type { BiquadFx } from '../src/biquad_fx.js';
import { Highpass } from '../src/highpass.js';
import { Lowpass } from '../src/lowpass.js';
import { Capture, sine } from './capture.js';

const SR = 48000;

/**
 * The closed-form response of the analog prototypes at the frequency the bilinear transform maps
 * f to: Ω = tan(πf/Fs)/tan(πf0/Fs) (RBJ's cookbook prewarps at f0).
 */
function closedFormDb(type: 'lowpass' | 'highpass' | 'bandpass', f: number, f0: number, q: number): number {
  const omega = Math.tan((Math.PI * f) / SR) / Math.tan((Math.PI * f0) / SR);
  const denominator = Math.hypot(1 - omega * omega, omega / q);
  const numerator = type === 'lowpass' ? 1 : type === 'highpass' ? omega * omega : omega / q;
  return 20 * Math.log10(numerator / denominator);
}

/** Gain in dB the filter applies to a sine at f: RMS ratio over 1 s (a whole number of periods) after 0.5 s. */
async function measuredDb(make: () => BiquadFx, f: number): Promise<number> {
  const input = sine(f, SR, SR + SR / 2, { amplitude: 0.5 });
  const capture = new Capture();
  await pipe(arrayDecoder(input, SR, { blockSize: 1031 }), make(), capture).run();
  const out = capture.samples[0];
  let inPower = 0;
  let outPower = 0;
  for (let i = SR / 2; i < SR + SR / 2; i++) {
    inPower += input[i] * input[i];
    outPower += out[i] * out[i];
  }
  return 10 * Math.log10(outPower / inPower);
}

describe('biquads (RBJ cookbook)', () => {
  it.each([
    { type: 'lowpass', f0: 1000, q: Math.SQRT1_2, f: 1000, expected: -3.0103 },
    { type: 'lowpass', f0: 1000, q: Math.SQRT1_2, f: 100 },
    { type: 'lowpass', f0: 1000, q: Math.SQRT1_2, f: 10000 },
    { type: 'lowpass', f0: 1000, q: Math.SQRT1_2, f: 20000 },
    { type: 'lowpass', f0: 2000, q: 4, f: 2000 },
    { type: 'highpass', f0: 500, q: Math.SQRT1_2, f: 500, expected: -3.0103 },
    { type: 'highpass', f0: 500, q: Math.SQRT1_2, f: 50 },
    { type: 'highpass', f0: 500, q: Math.SQRT1_2, f: 5000 },
    { type: 'bandpass', f0: 1000, q: 2, f: 1000, expected: 0 },
    { type: 'bandpass', f0: 1000, q: 2, f: 100 },
    { type: 'bandpass', f0: 1000, q: 2, f: 10000 },
  ] as const)('$type f0=$f0 Hz Q=$q at $f Hz', async ({ type, f0, q, f, ...rest }) => {
    const cls = { lowpass: Lowpass, highpass: Highpass, bandpass: Bandpass }[type];
    const expected = closedFormDb(type, f, f0, q);
    const truth = (rest as { expected?: number }).expected;
    if (truth !== undefined) expect(expected).toBeCloseTo(truth, 3);
    const measured = await measuredDb(() => new cls({ frequency: f0, q }), f);
    expect(Math.abs(measured - expected)).toBeLessThan(0.01);
  });

  it('is −3.01 dB at the band edges of the band-pass, where |1 − Ω²| = Ω/Q', async () => {
    const q = 2;
    const f0 = 1000;
    // Solve Ω² ± Ω/Q − 1 = 0 for the upper edge, then map Ω back to Hz.
    const omega = (1 / q + Math.sqrt(1 / (q * q) + 4)) / 2;
    const edge = (SR / Math.PI) * Math.atan(omega * Math.tan((Math.PI * f0) / SR));
    const rounded = Math.round(edge);
    const measured = await measuredDb(() => new Bandpass({ frequency: f0, q }), rounded);
    expect(closedFormDb('bandpass', edge, f0, q)).toBeCloseTo(-3.0103, 3);
    expect(Math.abs(measured - closedFormDb('bandpass', rounded, f0, q))).toBeLessThan(0.01);
  });

  it('keeps one state per channel', async () => {
    const left = sine(10000, SR, 4800, { amplitude: 0.5 });
    const right = sine(100, SR, 4800, { amplitude: 0.5 });
    const capture = new Capture();
    await pipe(
      arrayDecoder([left, right], SR, { blockSize: 100 }),
      new Lowpass({ frequency: 1000 }),
      capture,
    ).run();
    const rms = (x: number[]) => Math.sqrt(x.slice(2400).reduce((s, v) => s + v * v, 0) / 2400);
    expect(rms(capture.samples[0])).toBeLessThan(0.01);
    expect(rms(capture.samples[1])).toBeGreaterThan(0.34);
  });

  it('refuses a cutoff at or above the Nyquist frequency before the first block', async () => {
    const run = pipe(
      arrayDecoder(new Float32Array(100), 8000),
      new Highpass({ frequency: 4000 }),
      new Capture(),
    ).run();
    await expect(run).rejects.toSatisfy(
      (e) => isTimesideError(e) && e.code === 'E_PARAM' && /Nyquist/.test((e as Error).message),
    );
  });
});
