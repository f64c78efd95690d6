import { arrayDecoder, pipe } from '@timeside/core';
import { describe, expect, it } from 'vitest';
import { Silence } from './silence.js';

const SR = 44100;

/** A 440 Hz sine of amplitude 0.5 over [fromS, toS) of `out`. */
function addTone(out: Float32Array, fromS: number, toS: number): void {
  for (let i = Math.round(fromS * SR); i < Math.round(toS * SR); i++) {
    out[i] = 0.5 * Math.sin((2 * Math.PI * 440 * i) / SR);
  }
}

/** Uniform noise with the given RMS level (dBFS) over [fromS, toS), fixed seed. */
function addNoise(out: Float32Array, fromS: number, toS: number, rmsDb: number): void {
  const amplitude = Math.sqrt(3) * 10 ** (rmsDb / 20);
  let state = 99;
  for (let i = Math.round(fromS * SR); i < Math.round(toS * SR); i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = amplitude * (2 * (state / 2 ** 32) - 1);
  }
}

/** Tone 0–0.5 s, gap 0.5–0.9 s, tone 0.9–1.5 s. */
function toneGapTone(gapFill?: (out: Float32Array) => void): Float32Array {
  const out = new Float32Array(1.5 * SR);
  addTone(out, 0, 0.5);
  addTone(out, 0.9, 1.5);
  gapFill?.(out);
  return out;
}

async function silence(data: Float32Array | Float32Array[], params: Record<string, unknown> = {}) {
  const results = await pipe(arrayDecoder(data, SR, { blockSize: 1000 }), new Silence(params)).run();
  const r = results.require('silence');
  return {
    label: r.label!,
    time: Array.from(r.time!),
    end: r.time!.map((t, i) => t + r.duration![i]),
    result: r,
  };
}

describe('silence', () => {
  it('finds tone / silence / tone with boundaries within 20 ms of 0.5 s and 0.9 s', async () => {
    const { label, time, end, result } = await silence(toneGapTone());
    expect(label).toEqual([0, 1, 0]);
    expect(result.dataMode).toBe('label');
    expect(result.labelMetadata).toEqual({ 0: 'sound', 1: 'silence' });
    expect(time[0]).toBe(0);
    expect(Math.abs(time[1] - 0.5)).toBeLessThanOrEqual(0.02);
    expect(Math.abs(end[1] - 0.9)).toBeLessThanOrEqual(0.02);
    expect(Math.abs(time[2] - 0.9)).toBeLessThanOrEqual(0.02);
    // The segments tile the stream.
    expect(end[0]).toBeCloseTo(time[1], 12);
    expect(end[1]).toBeCloseTo(time[2], 12);
    expect(end[2]).toBeCloseTo(1.5, 12);
  });

  // Uniform noise has a crest factor of √3 (4.77 dB): at −62 dBFS RMS its peaks reach −57.2 dBFS,
  // so a meter of peaks instead of RMS would call that gap sound. 2 dB either side of the
  // threshold is ten times the spread of a 512-sample frame's level (≈ 0.2 dB).
  const levels = [
    { rmsDb: -62, threshold: -60, expected: [0, 1, 0] },
    { rmsDb: -58, threshold: -60, expected: [0] },
    { rmsDb: -42, threshold: -40, expected: [0, 1, 0] },
    { rmsDb: -38, threshold: -40, expected: [0] },
  ];
  it.each(levels)(
    'noise at $rmsDb dBFS RMS in the gap against the $threshold dBFS threshold → $expected',
    async (c) => {
      const gap = new Float32Array(0.4 * SR);
      addNoise(gap, 0, 0.4, c.rmsDb);
      let sum = 0;
      let peak = 0;
      for (const x of gap) {
        sum += x * x;
        peak = Math.max(peak, Math.abs(x));
      }
      expect(10 * Math.log10(sum / gap.length)).toBeCloseTo(c.rmsDb, 1);
      expect(20 * Math.log10(peak)).toBeGreaterThan(c.rmsDb + 4.7);
      const signal = toneGapTone((out) => addNoise(out, 0.5, 0.9, c.rmsDb));
      const params = c.threshold === -60 ? {} : { threshold: c.threshold };
      expect((await silence(signal, params)).label).toEqual(c.expected);
    },
  );

  it('ignores a gap shorter than minDuration, and finds it with a smaller one', async () => {
    const signal = new Float32Array(SR);
    addTone(signal, 0, 0.5);
    addTone(signal, 0.55, 1);
    expect((await silence(signal)).label).toEqual([0]);
    const short = await silence(signal, { minDuration: 0.02 });
    expect(short.label).toEqual([0, 1, 0]);
    expect(Math.abs(short.time[1] - 0.5)).toBeLessThanOrEqual(0.02);
    expect(Math.abs(short.time[2] - 0.55)).toBeLessThanOrEqual(0.02);
  });

  it('is sound while any channel sounds', async () => {
    const right = new Float32Array(1.5 * SR);
    addTone(right, 0, 1.5);
    expect((await silence([toneGapTone(), right])).label).toEqual([0]);
  });

  it('measures each channel: opposite-phase channels are sound, not a cancelled silence', async () => {
    // The mean of left and right is 0 everywhere: a level taken on the downmix would read silence.
    const left = new Float32Array(1.5 * SR);
    addTone(left, 0, 1.5);
    const right = left.map((x) => -x);
    expect((await silence([left, right])).label).toEqual([0]);
  });

  it('reads a silent stream as one silence segment', async () => {
    const { label, time, end } = await silence(new Float32Array(SR / 2));
    expect(label).toEqual([1]);
    expect(time).toEqual([0]);
    expect(end[0]).toBeCloseTo(0.5, 12);
  });
});
