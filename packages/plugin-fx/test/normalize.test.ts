import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { arrayDecoder, isTimesideError, pipe } from '@timeside/core';
import { afterAll, describe, expect, it } from 'vitest';
import { Level } from '../../plugin-aubio-like/src/level.js';
import { LoudnessEbur128 } from '../../plugin-aubio-like/src/loudness_ebur128.js';
import { Normalize } from '../src/normalize.js';
import { sine } from './capture.js';

const dir = mkdtempSync(join(tmpdir(), 'timeside-fx-normalize-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const input = sine(997, 48000, 48000 * 3, { amplitude: 0.3 });
const decoder = (uri = 'memory:sine-997hz-3s') =>
  arrayDecoder([input, input], 48000, { blockSize: 4800, uri });

describe('normalize', () => {
  it('peak: reads level.max from the results file of an earlier run and brings it to the target', async () => {
    const first = await pipe(decoder(), new Level()).run();
    expect(first.get('level.max')?.value).toBeCloseTo(20 * Math.log10(0.3), 3);
    const file = join(dir, 'level.json');
    writeFileSync(file, JSON.stringify(first.toJSON()));
    const fx = new Normalize({ results: file, target: -6 });
    const second = await pipe(decoder(), fx, new Level()).run();
    expect(fx.gainDb).toBeCloseTo(-6 - 20 * Math.log10(0.3), 3);
    expect(second.get('level.max')?.value).toBeCloseTo(-6, 2);
  });

  it('`{stem}` in `results` names each input’s own file, and a path written two ways is one input', async () => {
    const first = await pipe(decoder('archive/sine-997hz.wav'), new Level()).run();
    writeFileSync(join(dir, 'sine-997hz.results.json'), JSON.stringify(first.toJSON()));
    const fx = new Normalize({ results: join(dir, '{stem}.results.json'), target: -12 });
    const second = await pipe(decoder('./archive/../archive/sine-997hz.wav'), fx, new Level()).run();
    expect(second.get('level.max')?.value).toBeCloseTo(-12, 2);
  });

  it('loudness: a measured integrated loudness moves loudness_ebur128 to the target (−23 LUFS by default)', async () => {
    const first = await pipe(decoder(), new LoudnessEbur128()).run();
    const measured = first.get('loudness_ebur128.integrated')?.value as number;
    const second = await pipe(
      decoder(),
      new Normalize({ mode: 'loudness', measured }),
      new LoudnessEbur128(),
    ).run();
    expect(Math.abs((second.get('loudness_ebur128.integrated')?.value as number) + 23)).toBeLessThan(0.05);
  });

  it('needs a level: neither `measured` nor `results` is an error at construction', () => {
    expect(() => new Normalize()).toThrow(/measured.*results/);
  });

  it('refuses a results file of another input, a missing file, and a file without the level', async () => {
    const first = await pipe(decoder('memory:other'), new Level()).run();
    const other = join(dir, 'other.json');
    writeFileSync(other, JSON.stringify(first.toJSON()));
    const cases: { results: string; mode?: string; code: string; message: RegExp }[] = [
      { results: other, code: 'E_PARAM', message: /measured on memory:other/ },
      { results: join(dir, 'missing.json'), code: 'E_IO', message: /cannot read the results file/ },
      { results: other, mode: 'loudness', code: 'E_PARAM', message: /no loudness_ebur128.integrated/ },
    ];
    for (const c of cases) {
      const run = pipe(decoder(), new Normalize({ results: c.results, mode: c.mode }), new Level()).run();
      await expect(run).rejects.toSatisfy(
        (e) => isTimesideError(e) && e.code === c.code && c.message.test((e as Error).message),
      );
    }
  });
});
