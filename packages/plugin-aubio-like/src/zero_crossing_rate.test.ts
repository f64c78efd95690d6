import { arrayDecoder, pipe } from '@timeside/core';
import { describe, expect, it } from 'vitest';
import { ZeroCrossingRate } from './zero_crossing_rate.js';

const SR = 44100;

async function zcr(signal: Float32Array | Float32Array[], params: Record<string, unknown> = {}) {
  const results = await pipe(
    arrayDecoder(signal, SR, { blockSize: 3000 }),
    new ZeroCrossingRate(params),
  ).run();
  return results.require('zero_crossing_rate');
}

describe('zero_crossing_rate', () => {
  const tones = [{ hz: 100 }, { hz: 441 }, { hz: 1000 }, { hz: 5000 }, { hz: 12345 }];
  it.each(tones)('reads 2f crossings per second for a sine at $hz Hz', async ({ hz }) => {
    const signal = new Float32Array(SR);
    for (let i = 0; i < signal.length; i++) signal[i] = 0.5 * Math.sin((2 * Math.PI * hz * i) / SR + 0.1);
    const result = await zcr(signal);
    const rates = result.value as Float32Array;
    const frameSize = 2048;
    const hop = 512;
    expect(result.unit).toBe('Hz');
    expect(rates.length).toBe(Math.ceil(signal.length / hop));
    // A frame spans 2047 sample intervals: its count is 2f·2047/SR rounded either way, so each
    // complete frame is within one crossing (SR/2047 ≈ 21.5 per second) of 2f.
    const complete = Math.floor((signal.length - frameSize) / hop) + 1;
    for (let i = 0; i < complete; i++)
      expect(Math.abs(rates[i] - 2 * hz)).toBeLessThanOrEqual(SR / 2047 + 1e-3);
    const mean = rates.subarray(0, complete).reduce((a, b) => a + b, 0) / complete;
    expect(Math.abs(mean - 2 * hz) / (2 * hz)).toBeLessThan(0.01);
  });

  it('reads 0 for a negative constant, also in the zero-padded last frames', async () => {
    const result = await zcr(new Float32Array(10000).fill(-0.5));
    expect(Array.from(result.value as Float32Array).every((v) => v === 0)).toBe(true);
  });

  it('reads about half the sample rate for white noise (a sign change every other sample)', async () => {
    let state = 12345;
    const noise = new Float32Array(SR / 2);
    for (let i = 0; i < noise.length; i++) {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      noise[i] = state / 2 ** 32 - 0.5;
    }
    const rates = (await zcr(noise, { frameSize: 4096, hopSize: 4096 })).value as Float32Array;
    const mean = rates.reduce((a, b) => a + b, 0) / rates.length;
    expect(Math.abs(mean - SR / 2) / (SR / 2)).toBeLessThan(0.03);
  });

  it('works on the mono downmix of a stereo stream', async () => {
    // Left = s + n, right = s − n: their mean is the 441 Hz sine s alone, while either channel
    // alone also crosses zero with the 10 kHz tone n wherever |n| > |s|.
    const left = new Float32Array(SR / 2);
    const right = new Float32Array(SR / 2);
    for (let i = 0; i < left.length; i++) {
      const s = Math.sin((2 * Math.PI * 441 * i) / SR + 0.1);
      const n = 0.8 * Math.sin((2 * Math.PI * 10000 * i) / SR);
      left[i] = s + n;
      right[i] = s - n;
    }
    const rates = (await zcr([left, right])).value as Float32Array;
    expect(Math.abs(rates[5] - 882)).toBeLessThanOrEqual(SR / 2047 + 1e-3);
    const leftAlone = (await zcr(left)).value as Float32Array;
    expect(leftAlone[5]).toBeGreaterThan(3 * 882);
  });
});

describe('zero_crossing_rate: framing', () => {
  /** Frame i covers [i·hop, i·hop + size) of the mono downmix, cut at the end; counted directly. */
  function directRates(mono: Float32Array, size: number, hop: number): number[] {
    const rates: number[] = [];
    for (let start = 0; start < mono.length; start += hop) {
      const inside = Math.min(size, mono.length - start);
      let crossings = 0;
      for (let i = start + 1; i < start + inside; i++) if (mono[i] >= 0 !== mono[i - 1] >= 0) crossings++;
      rates.push(inside > 1 ? Math.fround((crossings * SR) / (inside - 1)) : 0);
    }
    return rates;
  }

  const cases = [
    { size: 2048, hop: 512, blockSize: 1000 },
    { size: 1000, hop: 300, blockSize: 4096 },
    { size: 256, hop: 1024, blockSize: 777 },
    { size: 7, hop: 3, blockSize: 5 },
    { size: 100, hop: 100, blockSize: 33 },
  ];
  it.each(cases)(
    'frameSize $size, hop $hop, blocks of $blockSize: equal to a direct count per frame',
    async ({ size, hop, blockSize }) => {
      // A noisy sine on the left, a cosine with exact zeros on the right, 20,011 samples.
      const length = 20011;
      const left = new Float32Array(length);
      const right = new Float32Array(length);
      let seed = 1;
      for (let i = 0; i < length; i++) {
        seed = (seed * 16807) % 2147483647;
        left[i] = Math.sin(i * 0.07) + 0.3 * (seed / 2147483647 - 0.5);
        right[i] = i % 97 === 0 ? 0 : Math.cos(i * 0.013);
      }
      const results = await pipe(
        arrayDecoder([left, right], SR, { blockSize }),
        new ZeroCrossingRate({ frameSize: size, hopSize: hop }),
      ).run();
      const mono = left.map((x, i) => Math.fround(x + right[i]) * 0.5);
      const rates = results.require('zero_crossing_rate').value as Float32Array;
      expect(Array.from(rates)).toEqual(directRates(mono, size, hop));
    },
  );
});
