import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AudioBlock,
  type FinishContext,
  Processor,
  type ProcessorMeta,
  ResultContainer,
  registerProcessor,
  setDiscoverer,
} from '../src/index.js';
import { runCli } from './cli-fixtures.js';
import { writeSineWav } from './wav-fixtures.js';

const SR = 44100;
const root = mkdtempSync(join(tmpdir(), 'timeside-cli-results-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/**
 * Analyzer of the test, with one result of each time mode whose truth is known from the input: the
 * peak of a sine of known amplitude (global), the start of each quarter of the file (events), its
 * halves labelled (segments) and the peak of each 4410-frame block (framewise).
 */
class TestMarks extends Processor<Record<string, never>> {
  static override readonly meta: ProcessorMeta = {
    id: 'test_marks',
    kind: 'analyzer',
    name: 'Test marks',
    version: '1.0.0',
    description: 'peak, quarter marks, labelled halves and block peaks of the stream',
    params: {},
    results: [
      { id: 'test_marks.peak', name: 'Peak', unit: '' },
      { id: 'test_marks.quarters', name: 'Quarters', unit: 's' },
      { id: 'test_marks.halves', name: 'Halves', unit: '' },
      { id: 'test_marks.blocks', name: 'Block peaks', unit: '' },
    ],
  };
  #peak = 0;
  #frames = 0;
  #blocks: number[] = [];
  override process(block: AudioBlock): void {
    for (let i = 0; i < block.length; i++) {
      const frame = this.#frames + i;
      const k = Math.floor(frame / 4410);
      const v = Math.abs(block.data[0][i]);
      this.#peak = Math.max(this.#peak, v);
      this.#blocks[k] = Math.max(this.#blocks[k] ?? 0, v);
    }
    this.#frames += block.length;
  }
  override finish(ctx: FinishContext): void {
    const seconds = this.#frames / SR;
    ctx.addResult({ id: 'test_marks.peak', name: 'Peak', unit: '', timeMode: 'global', value: this.#peak });
    ctx.addResult({
      id: 'test_marks.quarters',
      name: 'Quarters',
      unit: 's',
      timeMode: 'event',
      time: Float64Array.from([0, 1, 2, 3], (q) => (q * seconds) / 4),
    });
    ctx.addResult({
      id: 'test_marks.halves',
      name: 'Halves',
      unit: '',
      timeMode: 'segment',
      dataMode: 'label',
      time: Float64Array.from([0, seconds / 2]),
      duration: Float64Array.from([seconds / 2, seconds / 2]),
      label: [0, 1],
      labelMetadata: { 0: 'first half', 1: 'second half' },
    });
    ctx.addResult({
      id: 'test_marks.blocks',
      name: 'Block peaks',
      unit: '',
      timeMode: 'framewise',
      frame: { sampleRate: SR, size: 4410, hop: 4410 },
      value: Float32Array.from(this.#blocks),
    });
  }
}

const cli = (args: string[]) => runCli(args, root);

const tone = join(root, 'tone-440hz.wav');

beforeAll(() => {
  setDiscoverer(async () => {});
  registerProcessor(TestMarks);
  writeSineWav(tone, 440, 0.5, 2);
});

const IDS = ['test_marks.peak', 'test_marks.quarters', 'test_marks.halves', 'test_marks.blocks'];

describe('timeside run -R', () => {
  it('writes json, yaml, csv, hdf5, eaf, jams, audacity and sv files that read back as the run’s results', async () => {
    const out = join(root, 'out');
    const { code, stdout, stderr } = await cli([
      'run',
      tone,
      '-a',
      'test_marks',
      '-R',
      'json,yaml,csv,hdf5,eaf,jams,audacity,sv',
      '-o',
      out,
    ]);
    expect(stderr).toBe('1 input: 1 done\n');
    expect(code).toBe(0);
    const csv = IDS.map((id) => `tone-440hz.${id}.csv`);
    const labels = ['test_marks.quarters', 'test_marks.halves'].map((id) => `tone-440hz.${id}.txt`);
    const layers = IDS.slice(1).map((id) => `tone-440hz.${id}.sv.csv`);
    const expected = [
      'tone-440hz.results.json',
      'tone-440hz.results.yaml',
      ...csv,
      'tone-440hz.results.h5',
      'tone-440hz.results.eaf',
      'tone-440hz.results.jams',
      ...labels,
      ...layers,
    ];
    expect(readdirSync(out).sort()).toEqual([...expected].sort());
    expect(stdout.trim().split('\n')).toEqual(expected.map((f) => join('out', f)));

    const json = await ResultContainer.fromFile(join(out, 'tone-440hz.results.json'));
    expect(json.ids()).toEqual(IDS);
    // The truths of the input: a 0.5 sine, 2 s long.
    expect(json.require('test_marks.peak').value as number).toBeCloseTo(0.5, 4);
    expect(Array.from(json.require('test_marks.quarters').time ?? [])).toEqual([0, 0.5, 1, 1.5]);
    expect(json.require('test_marks.blocks').value).toHaveLength(20);
    const peak = json.require('test_marks.peak');
    expect(peak.processor).toEqual({ id: 'test_marks', version: '1.0.0', params: {} });
    expect(peak.audio).toMatchObject({ start: 0, duration: 2, sampleRate: SR, channels: 1 });

    for (const name of ['tone-440hz.results.yaml', 'tone-440hz.results.h5']) {
      const back = await ResultContainer.fromFile(join(out, name));
      expect(back.ids(), name).toEqual(IDS);
      for (const r of json) expect(back.get(r.id), `${name}: ${r.id}`).toStrictEqual(r);
    }
    const fromCsv = await ResultContainer.fromFiles(csv.map((f) => join(out, f)));
    for (const r of json) expect(fromCsv.get(r.id), `csv: ${r.id}`).toStrictEqual(r);
    const fromJams = await ResultContainer.fromFile(join(out, 'tone-440hz.results.jams'));
    for (const r of json) expect(fromJams.get(r.id), `jams: ${r.id}`).toStrictEqual(r);
    const fromEaf = await ResultContainer.fromFile(join(out, 'tone-440hz.results.eaf'));
    expect(fromEaf.ids()).toEqual(['test_marks.quarters', 'test_marks.halves']);
    expect(fromEaf.require('test_marks.halves').label).toEqual([0, 1]);
    expect(Array.from(fromEaf.require('test_marks.halves').time ?? [])).toEqual([0, 1]);
  });

  it('-R none writes no results file; without an analyzer none is written either', async () => {
    const out = join(root, 'out-none');
    const { code } = await cli(['run', tone, '-a', 'test_marks', '-R', 'none', '-o', out]);
    expect(code).toBe(0);
    expect(readdirSync(out)).toEqual([]);
  });

  it('an unknown format is a usage error (exit 2) that lists the formats, before anything runs', async () => {
    const out = join(root, 'out-bad');
    const { code, stderr } = await cli(['run', tone, '-a', 'test_marks', '-R', 'json,xml', '-o', out]);
    expect(code).toBe(2);
    expect(stderr).toMatch(
      /--results xml: unknown format \(supported: json, yaml, csv, hdf5, eaf, jams, audacity, sv, none\)/,
    );
    expect(() => readdirSync(out)).toThrow();
  });

  it('a results file that cannot be written fails the input and leaves none of its results files', async () => {
    const out = join(root, 'out-blocked');
    mkdirSync(join(out, 'tone-440hz.results.eaf'), { recursive: true });
    const { code, stderr } = await cli(['run', tone, '-a', 'test_marks', '-R', 'json,eaf', '-o', out]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/tone-440hz\.results\.eaf/);
    expect(readdirSync(out)).toEqual(['tone-440hz.results.eaf']);
  });
});
