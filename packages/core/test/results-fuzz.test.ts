import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { type AnalyzerResult, isTimesideError, ResultContainer, type ResultFormat } from '../src/index.js';

const root = mkdtempSync(join(tmpdir(), 'timeside-results-fuzz-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

// Any double, NaN and ±Infinity included; -0 aside (JSON cannot tell it from 0).
const double = fc.double().filter((n) => !Object.is(n, -0));
const single = fc.float().filter((n) => !Object.is(n, -0));
// Texts with what trips CSV and YAML up (commas, quotes, newlines, '#', ': ', non-ASCII), no NUL.
const text = fc.string({ unit: 'grapheme', maxLength: 12 }).filter((s) => !s.includes('\u0000'));
const times = (n: number) => fc.float64Array({ minLength: n, maxLength: n, noNaN: true, min: 0, max: 1e5 });

const meta = fc.record(
  {
    name: text,
    unit: text,
    description: text,
    processor: fc.record(
      {
        id: fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/),
        version: fc.constantFrom('1.0.0', '0.2.1'),
        params: fc.dictionary(
          fc.stringMatching(/^[a-z][a-zA-Z]{0,6}$/),
          fc.oneof(double, text, fc.boolean(), fc.array(fc.integer())),
          { noNullPrototype: true },
        ),
      },
      { noNullPrototype: true },
    ),
    audio: fc.record(
      {
        uri: fc.oneof(text, fc.constant('/archive/a b/é.wav')),
        start: fc.double({ min: 0, max: 1e4, noNaN: true }),
        duration: fc.double({ min: 0, max: 1e5, noNaN: true }),
        sampleRate: fc.constantFrom(8000, 44100, 48000),
        channels: fc.integer({ min: 1, max: 8 }),
      },
      { noNullPrototype: true },
    ),
  },
  { noNullPrototype: true },
);

/** A result of any time mode and data mode, with a value of any form. */
const result: fc.Arbitrary<Omit<AnalyzerResult, 'id'>> = fc
  .tuple(
    meta,
    fc.integer({ min: 0, max: 6 }),
    fc.integer({ min: 1, max: 3 }),
    fc.constantFrom(0, 1, 2, 3, 4, 5),
  )
  .chain(([m, n, cols, shape]) => {
    const frame = { sampleRate: m.audio.sampleRate, size: 2048, hop: 512 };
    const values = [
      fc.constant(undefined),
      double,
      fc.float32Array({ minLength: n, maxLength: n }).map((a) => a.map((v) => (Object.is(v, -0) ? 0 : v))),
      fc.array(double, { minLength: n, maxLength: n }),
      fc.array(fc.array(double, { minLength: cols, maxLength: cols }), { minLength: n, maxLength: n }),
      fc
        .array(single, { minLength: n * cols, maxLength: n * cols })
        .map((d) => ({ rows: n, cols, data: Float32Array.from(d) })),
    ];
    const labels = fc.array(fc.integer({ min: 0, max: 3 }), { minLength: n, maxLength: n });
    const names = fc.dictionary(fc.constantFrom('0', '1', '2', '3'), text, { noNullPrototype: true });
    return fc.oneof(
      fc
        .record({ value: values[shape] }, { noNullPrototype: true })
        .map((v) => ({ ...m, timeMode: 'global' as const, dataMode: 'value' as const, ...v })),
      fc
        .record({ value: values[shape === 0 || shape === 1 ? 2 : shape] }, { noNullPrototype: true })
        .map((v) => ({
          ...m,
          timeMode: 'framewise' as const,
          dataMode: 'value' as const,
          frame,
          ...v,
        })),
      fc
        .record({ time: times(n), value: values[shape === 1 ? 0 : shape] }, { noNullPrototype: true })
        .map((v) => ({
          ...m,
          timeMode: 'event' as const,
          dataMode: 'value' as const,
          ...v,
        })),
      fc
        .record(
          { time: times(n), duration: times(n), label: labels, labelMetadata: names },
          { noNullPrototype: true },
        )
        .map((v) => ({
          ...m,
          timeMode: 'segment' as const,
          dataMode: 'label' as const,
          ...v,
        })),
    );
  })
  .map((r) => {
    const out = { ...r } as Record<string, unknown>;
    for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
    return out as unknown as Omit<AnalyzerResult, 'id'>;
  });

const container = fc
  .array(result, { minLength: 1, maxLength: 4 })
  .map((rs) => new ResultContainer(rs.map((r, i) => ({ ...r, id: `r${i}.x` }) as AnalyzerResult)));

let run = 0;

describe('results files, property-based', () => {
  it.each([
    ['json', 'a.json'],
    ['yaml', 'a.yaml'],
    ['csv', 'a.csv'],
    ['hdf5', 'a.h5'],
  ] as [ResultFormat, string][])('%s: any results round-trip exactly', async (format, name) => {
    await fc.assert(
      fc.asyncProperty(container, async (original) => {
        const dir = join(root, `rt-${format}-${run++}`);
        mkdirSync(dir);
        const back = await ResultContainer.fromFiles(await original.toFile(join(dir, name), format));
        expect(back.ids()).toEqual(original.ids());
        for (const r of original) expect(back.get(r.id)).toStrictEqual(r);
      }),
      { numRuns: format === 'hdf5' ? 40 : 100, seed: 17 },
    );
  });

  it.each([
    ['eaf', 'a.eaf'],
    ['jams', 'a.jams'],
  ] as [ResultFormat, string][])(
    '%s: any results write and read back, labels and times kept',
    async (format, name) => {
      await fc.assert(
        fc.asyncProperty(container, async (original) => {
          const dir = join(root, `rt-${format}-${run++}`);
          mkdirSync(dir);
          const back = await ResultContainer.fromFiles(await original.toFile(join(dir, name), format));
          const kept = [...original].filter(
            (r) => format === 'jams' || r.timeMode === 'event' || r.timeMode === 'segment',
          );
          expect(back.ids()).toEqual(kept.map((r) => r.id));
          for (const r of kept) {
            const b = back.require(r.id);
            expect(b.label).toEqual(r.label);
            expect(b.processor).toStrictEqual(r.processor);
            expect(b.time?.length).toBe(r.time?.length);
            // ELAN counts milliseconds.
            const step = format === 'eaf' ? 0.0005 + 1e-9 : 0;
            for (const [i, t] of Array.from(r.time ?? []).entries()) {
              expect(Math.abs((b.time as Float64Array)[i] - t)).toBeLessThanOrEqual(step * Math.max(1, t));
            }
          }
        }),
        { numRuns: 100, seed: 17 },
      );
    },
  );

  it.each([
    ['json', 'a.json'],
    ['yaml', 'a.yaml'],
    ['csv', 'a.csv'],
    ['hdf5', 'a.h5'],
    ['eaf', 'a.eaf'],
    ['jams', 'a.jams'],
  ] as [ResultFormat, string][])(
    '%s: a damaged file reads, or fails with one TimesideError naming it',
    async (format, name) => {
      const dir = join(root, `damaged-${format}`);
      mkdirSync(dir);
      const sample = new ResultContainer([
        {
          id: 'silence',
          name: 'Silence',
          unit: '',
          description: '',
          processor: { id: 'silence', version: '1.0.0', params: { threshold: -60 } },
          audio: { uri: '/a.wav', start: 0, duration: 3, sampleRate: 44100, channels: 1 },
          timeMode: 'segment',
          dataMode: 'label',
          time: Float64Array.from([0, 1.5]),
          duration: Float64Array.from([1.5, 1.5]),
          label: [0, 1],
          labelMetadata: { 0: 'sound', 1: 'silence' },
        },
      ]);
      const [file] = await sample.toFile(join(dir, name), format);
      const good = readFileSync(file);
      const damaged = join(dir, `damaged-${name}`);
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            fc.nat({ max: good.length - 1 }).map((cut) => good.subarray(0, cut)),
            fc
              .array(fc.tuple(fc.nat({ max: good.length - 1 }), fc.integer({ min: 0, max: 255 })), {
                minLength: 1,
                maxLength: 8,
              })
              .map((edits) => {
                const b = Buffer.from(good);
                for (const [at, byte] of edits) b[at] = byte;
                return b;
              }),
            fc.uint8Array({ maxLength: 600 }).map((b) => Buffer.from(b)),
          ),
          async (bytes) => {
            writeFileSync(damaged, bytes);
            try {
              await ResultContainer.fromFile(damaged, format);
            } catch (error) {
              expect(isTimesideError(error), String(error)).toBe(true);
              expect((error as Error).message).toContain(damaged);
            }
          },
        ),
        { numRuns: format === 'hdf5' ? 60 : 150, seed: 17 },
      );
      // The reader still works after all that (the HDF5 library's state survived every failure).
      const again = await ResultContainer.fromFiles(await sample.toFile(join(dir, `again-${name}`), format));
      expect(again.require('silence')).toStrictEqual(sample.require('silence'));
    },
  );
});
