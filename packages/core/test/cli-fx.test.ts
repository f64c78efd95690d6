import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fx from '../../plugin-fx/src/index.js';
import {
  type AudioBlock,
  type FinishContext,
  Processor,
  type ProcessorClass,
  type ProcessorMeta,
  ResultContainer,
  registerProcessor,
  setDiscoverer,
} from '../src/index.js';
import { runCli } from './cli-fixtures.js';

const SR = 8000;
const root = mkdtempSync(join(tmpdir(), 'timeside-cli-fx-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The largest |sample| of the stream and the channel count it saw. */
class FxProbe extends Processor {
  static override readonly meta: ProcessorMeta = {
    id: 'fx_probe',
    kind: 'analyzer',
    name: 'Fx probe',
    version: '1.0.0',
    description: 'largest absolute sample',
    params: {},
    results: [{ id: 'fx_probe.max', name: 'Peak', unit: '' }],
  };
  #peak = 0;
  override process(block: AudioBlock): void {
    for (const ch of block.data)
      for (let i = 0; i < block.length; i++) this.#peak = Math.max(this.#peak, Math.abs(ch[i]));
  }
  override finish(ctx: FinishContext): void {
    ctx.addResult({ id: 'fx_probe.max', name: 'Peak', unit: '', timeMode: 'global', value: this.#peak });
  }
}

/** A 16-bit mono WAV of a cosine at 0.5 (its first sample is the peak, exactly 16384/32768 = 0.5). */
function writeCosineWav(path: string): void {
  const frames = SR / 2;
  const b = Buffer.alloc(44 + frames * 2);
  b.write('RIFF', 0, 'ascii');
  b.writeUInt32LE(36 + frames * 2, 4);
  b.write('WAVEfmt ', 8, 'ascii');
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20);
  b.writeUInt16LE(1, 22);
  b.writeUInt32LE(SR, 24);
  b.writeUInt32LE(SR * 2, 28);
  b.writeUInt16LE(2, 32);
  b.writeUInt16LE(16, 34);
  b.write('data', 36, 'ascii');
  b.writeUInt32LE(frames * 2, 40);
  for (let i = 0; i < frames; i++)
    b.writeInt16LE(Math.round(16384 * Math.cos((2 * Math.PI * 100 * i) / SR)), 44 + i * 2);
  writeFileSync(path, b);
}

const cli = (args: string[]) => runCli(args, root);

const input = join(root, 'cosine-100hz.wav');

beforeAll(() => {
  setDiscoverer(async () => {});
  registerProcessor(FxProbe);
  for (const cls of fx.processors) registerProcessor(cls as unknown as ProcessorClass);
  writeCosineWav(input);
});

describe('timeside run -x', () => {
  it('runs the fx chain before the analyzers, with their parameters', async () => {
    const out = join(root, 'out');
    const { code, stderr } = await cli([
      'run',
      input,
      '-x',
      'gain,remix',
      '-p',
      'gain.gain=-6',
      '-p',
      'remix.map=0,0',
      '-a',
      'fx_probe',
      '-o',
      out,
    ]);
    expect(stderr).toBe('1 input: 1 done\n');
    expect(code).toBe(0);
    const results = ResultContainer.fromJSON(readFileSync(join(out, 'cosine-100hz.results.json'), 'utf8'));
    expect(results.require('fx_probe.max').value as number).toBeCloseTo(0.5 * 10 ** (-6 / 20), 6);
  });

  it('warns when the fx chain produces non-finite samples, and the results carry their count', async () => {
    const out = join(root, 'out-overflow');
    // +800 dB multiplies by 1e40: every sample beyond 3.4e-2 in magnitude overflows float32.
    let overflowing = 0;
    for (let i = 0; i < SR / 2; i++) {
      const sample = Math.round(16384 * Math.cos((2 * Math.PI * 100 * i) / SR)) / 32768;
      if (!Number.isFinite(Math.fround(sample * 1e40))) overflowing++;
    }
    expect(overflowing).toBeGreaterThan(0);
    const { code, stderr } = await cli([
      'run',
      input,
      '-x',
      'gain',
      '-p',
      'gain.gain=800',
      '-a',
      'fx_probe',
      '-o',
      out,
    ]);
    expect(code).toBe(0);
    expect(stderr).toContain(
      `timeside: warning: ${input}: the fx chain (gain) produced ${overflowing} non-finite samples (NaN or ±Infinity), replaced by 0`,
    );
    const results = ResultContainer.fromJSON(readFileSync(join(out, 'cosine-100hz.results.json'), 'utf8'));
    const peak = results.require('fx_probe.max');
    expect(Number.isFinite(peak.value as number)).toBe(true);
    expect(peak.audio.fxNonFiniteSamples).toBe(overflowing);
    expect(peak.audio.nonFiniteSamples).toBeUndefined();
  });

  it('refuses an analyzer given with -x, and an fx given with -a', async () => {
    const wrongFlag = await cli(['run', input, '-x', 'fx_probe']);
    expect(wrongFlag.code).toBe(2);
    expect(wrongFlag.stderr).toMatch(/fx_probe is an analyzer, not an fx: give it with -a/);
    const asAnalyzer = await cli(['run', input, '-a', 'gain']);
    expect(asAnalyzer.code).toBe(2);
    expect(asAnalyzer.stderr).toMatch(/gain is an fx, not an analyzer: give it with -x/);
  });
});
