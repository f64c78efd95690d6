import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ColumnEnvelope } from './envelope.js';

/** Brute force: min/max of each [start, end) range, empty ranges filled from the left (or the first non-empty). */
function reference(samples: Float32Array, ranges: [number, number][]): { min: number[]; max: number[] } {
  const min: number[] = [];
  const max: number[] = [];
  for (const [start, end] of ranges) {
    const slice = Array.from(samples.subarray(start, end));
    min.push(slice.length ? Math.min(...slice) : Number.NaN);
    max.push(slice.length ? Math.max(...slice) : Number.NaN);
  }
  const first = min.findIndex((v) => !Number.isNaN(v));
  for (let x = 0; x < min.length; x++) {
    if (Number.isNaN(min[x])) {
      min[x] = x < first ? min[first] : min[x - 1];
      max[x] = x < first ? max[first] : max[x - 1];
    }
  }
  return { min, max };
}

/** Numbers with −0 read as 0 (a min/max may legitimately return either zero). */
function plain(values: ArrayLike<number>): number[] {
  return Array.from(values, (v) => v + 0);
}

function pushInBlocks(envelope: ColumnEnvelope, samples: Float32Array, sizes: number[]): void {
  let at = 0;
  let k = 0;
  while (at < samples.length) {
    const n = Math.min(samples.length - at, sizes[k++ % sizes.length]);
    envelope.push(samples.subarray(at), n);
    at += n;
  }
}

const arbitraryCase = fc.record({
  width: fc.integer({ min: 1, max: 40 }),
  samples: fc.float32Array({ noNaN: true, noDefaultInfinity: true, maxLength: 1500 }),
  sizes: fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 8 }),
});

describe('ColumnEnvelope', () => {
  it('with the exact length known, column c is the min/max of frames [⌊c·N/W⌋, ⌊(c+1)·N/W⌋)', () => {
    fc.assert(
      fc.property(arbitraryCase, ({ width, samples, sizes }) => {
        fc.pre(samples.length > 0);
        const envelope = new ColumnEnvelope(width, samples.length);
        pushInBlocks(envelope, samples, sizes);
        const n = samples.length;
        const ranges = Array.from({ length: width }, (_, c): [number, number] => [
          Math.floor((c * n) / width),
          Math.floor(((c + 1) * n) / width),
        ]);
        const expected = reference(samples, ranges);
        const got = envelope.columns();
        expect(plain(got.min)).toEqual(plain(expected.min));
        expect(plain(got.max)).toEqual(plain(expected.max));
      }),
      { seed: 20240611, numRuns: 300 },
    );
  });

  it('with no length given, bins of 2^k frames are stretched over the width', () => {
    fc.assert(
      fc.property(arbitraryCase, ({ width, samples, sizes }) => {
        fc.pre(samples.length > 0);
        const envelope = new ColumnEnvelope(width);
        pushInBlocks(envelope, samples, sizes);
        const n = samples.length;
        let bin = 1;
        while (width * bin < n) bin *= 2;
        const used = Math.floor((n - 1) / bin) + 1;
        const ranges = Array.from({ length: width }, (_, x): [number, number] => {
          const source = Math.floor((x * used) / width);
          return [source * bin, Math.min(n, (source + 1) * bin)];
        });
        const expected = reference(samples, ranges);
        const got = envelope.columns();
        expect(plain(got.min)).toEqual(plain(expected.min));
        expect(plain(got.max)).toEqual(plain(expected.max));
      }),
      { seed: 20240612, numRuns: 300 },
    );
  });

  it('gives [0, 0] columns for an empty stream', () => {
    const { min, max } = new ColumnEnvelope(4, 100).columns();
    expect(Array.from(min)).toEqual([0, 0, 0, 0]);
    expect(Array.from(max)).toEqual([0, 0, 0, 0]);
  });
});
