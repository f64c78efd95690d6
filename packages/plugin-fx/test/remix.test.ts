import { arrayDecoder, isTimesideError, pipe } from '@timeside/core';
import { describe, expect, it } from 'vitest';
import { Remix } from '../src/remix.js';
import { Capture } from './capture.js';

const channels = [
  Float32Array.from({ length: 37 }, (_, i) => i),
  Float32Array.from({ length: 37 }, (_, i) => -2 * i),
  Float32Array.from({ length: 37 }, (_, i) => 1000 + i),
];

describe('remix', () => {
  it.each([
    { map: ['1', '0'], expected: (i: number) => [-2 * i, i] },
    { map: ['2'], expected: (i: number) => [1000 + i] },
    { map: ['0', '0', '0', '0'], expected: (i: number) => [i, i, i, i] },
    { map: ['0+1'], expected: (i: number) => [-i / 2] },
    { map: ['0+1+2', '2'], expected: (i: number) => [(1000 + i - i) / 3, 1000 + i] },
    { map: '2, 1', expected: (i: number) => [1000 + i, -2 * i] },
  ])('map $map', async ({ map, expected }) => {
    const capture = new Capture();
    await pipe(arrayDecoder(channels, 8000, { blockSize: 5 }), new Remix({ map }), capture).run();
    const want = Array.from({ length: 37 }, (_, i) => expected(i));
    expect(capture.format).toEqual({ sampleRate: 8000, channels: want[0].length, totalFrames: 37 });
    for (let c = 0; c < want[0].length; c++) {
      expect(capture.samples[c].map((v) => v + 0)).toEqual(want.map((row) => Math.fround(row[c]) + 0));
    }
  });

  it('refuses an empty map and a bad item at construction, and a missing channel before the first block', async () => {
    expect(() => new Remix()).toThrow(/map.*empty/);
    expect(() => new Remix({ map: ['0', 'left'] })).toThrow(/item 1 is "left"/);
    const run = pipe(
      arrayDecoder(channels.slice(0, 2), 8000),
      new Remix({ map: ['0', '2'] }),
      new Capture(),
    ).run();
    await expect(run).rejects.toSatisfy(
      (e) => isTimesideError(e) && e.code === 'E_PARAM' && /channel 2.*2 channel/.test((e as Error).message),
    );
  });
});
