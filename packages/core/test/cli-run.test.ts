import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import encoders from '../../plugin-encoders/src/index.js';
import graphers from '../../plugin-graphers/src/index.js';
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
import { writeSineWav } from './wav-fixtures.js';

const SR = 44100;
const root = mkdtempSync(join(tmpdir(), 'timeside-cli-run-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Analyzer of the test: the largest |sample| of the stream, a known truth for a sine of known amplitude. */
class TestPeak extends Processor<{ scale: number }> {
  static override readonly meta: ProcessorMeta = {
    id: 'test_peak',
    kind: 'analyzer',
    name: 'Test peak',
    version: '1.0.0',
    description: 'largest absolute sample, times scale',
    params: { scale: { type: 'number', default: 1, description: 'factor applied to the peak' } },
    results: [{ id: 'test_peak.max', name: 'Peak', unit: '' }],
  };
  #peak = 0;
  override process(block: AudioBlock): void {
    for (const ch of block.data)
      for (let i = 0; i < block.length; i++) this.#peak = Math.max(this.#peak, Math.abs(ch[i]));
  }
  override finish(ctx: FinishContext): void {
    ctx.addResult({
      id: 'test_peak.max',
      name: 'Peak',
      unit: '',
      timeMode: 'global',
      value: this.#peak * this.params.scale,
    });
  }
}

/** Runs the CLI in-process; returns its exit code and what it wrote. */
const cli = (args: string[], cwd = root) => runCli(args, cwd);

const inputs = join(root, 'inputs');
const tone = join(inputs, 'tone-440hz.wav');
const quiet = join(inputs, 'quiet-1khz.wav');
const notes = join(inputs, 'notes.txt');

beforeAll(() => {
  // The test registers its processors from sources; discovery (of built plugins) stays off.
  setDiscoverer(async () => {});
  registerProcessor(TestPeak);
  // The plugins are typed against core's dist and run against its src (vitest's alias): one class, two types.
  for (const cls of [...encoders.processors, ...graphers.processors])
    registerProcessor(cls as unknown as ProcessorClass);
  mkdirSync(join(inputs, 'nested'), { recursive: true });
  writeSineWav(tone, 440, 0.5, 1);
  writeSineWav(quiet, 1000, 0.25, 0.5);
  writeSineWav(join(inputs, 'nested', 'deep-220hz.wav'), 220, 0.5, 0.3);
  writeFileSync(notes, 'these are not the samples you are looking for\n');
});

function pngWidth(path: string): number {
  // IHDR is the first chunk: width is the big-endian u32 at byte 16 (PNG spec §11.2.2).
  return readFileSync(path).readUInt32BE(16);
}

describe('timeside run', () => {
  it('writes every output and the results of one input, named after it', async () => {
    const out = join(root, 'out-one');
    const { code, stdout, stderr } = await cli([
      'run',
      tone,
      '-a',
      'test_peak',
      '-g',
      'waveform_simple',
      '-e',
      'wav_encoder,vorbis_encoder',
      '-p',
      'waveform_simple.width=300',
      '-o',
      out,
    ]);
    expect(stderr).toBe('1 input: 1 done\n');
    expect(code).toBe(0);
    const expected = [
      'tone-440hz.results.json',
      'tone-440hz.vorbis_encoder.ogg',
      'tone-440hz.wav_encoder.wav',
      'tone-440hz.waveform_simple.png',
    ];
    expect(readdirSync(out).sort()).toEqual(expected);
    // Paths written, one per line, relative to the working directory.
    expect(stdout.trim().split('\n').sort()).toEqual(expected.map((f) => join('out-one', f)));
    expect(pngWidth(join(out, 'tone-440hz.waveform_simple.png'))).toBe(300);
    // The WAV copy holds the input's samples: same data chunk, byte for byte.
    expect(readFileSync(join(out, 'tone-440hz.wav_encoder.wav')).subarray(44)).toEqual(
      readFileSync(tone).subarray(44),
    );
    expect(readFileSync(join(out, 'tone-440hz.vorbis_encoder.ogg')).subarray(0, 4).toString('ascii')).toBe(
      'OggS',
    );

    const results = ResultContainer.fromJSON(readFileSync(join(out, 'tone-440hz.results.json'), 'utf8'));
    const peak = results.require('test_peak.max');
    expect(peak.value as number).toBeCloseTo(0.5, 3);
    expect(peak.processor).toEqual({ id: 'test_peak', version: '1.0.0', params: { scale: 1 } });
    expect(peak.audio.sampleRate).toBe(SR);
    expect(peak.audio.duration).toBeCloseTo(1, 6);
  });

  it('takes the audio files of a directory, and of its subdirectories with --recursive, in parallel', async () => {
    const flat = join(root, 'out-dir');
    const first = await cli(['run', inputs, '-a', 'test_peak', '-o', flat, '--jobs', '2']);
    expect(first.code).toBe(0);
    expect(first.stderr).toBe('2 inputs: 2 done\n');
    expect(readdirSync(flat).sort()).toEqual(['quiet-1khz.results.json', 'tone-440hz.results.json']);
    const quietPeak = ResultContainer.fromJSON(readFileSync(join(flat, 'quiet-1khz.results.json'), 'utf8'));
    expect(quietPeak.require('test_peak.max').value as number).toBeCloseTo(0.25, 3);

    const deep = join(root, 'out-recursive');
    const second = await cli(['run', inputs, '-a', 'test_peak', '-o', deep, '--recursive']);
    expect(second.code).toBe(0);
    expect(readdirSync(deep).sort()).toEqual([
      'deep-220hz.results.json',
      'quiet-1khz.results.json',
      'tone-440hz.results.json',
    ]);
  });

  it('goes on past a file that is not audio, exits 1 and names it in the summary', async () => {
    const out = join(root, 'out-mixed');
    const { code, stderr } = await cli([
      'run',
      notes,
      tone,
      '-a',
      'test_peak',
      '-g',
      'waveform_simple',
      '-o',
      out,
    ]);
    expect(code).toBe(1);
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^timeside: .*notes\.txt/);
    expect(lines[1]).toBe(`2 inputs: 1 done, 1 failed (${notes})`);
    expect(stderr).not.toMatch(/\n\s+at /);
    // The good input has all its outputs, the bad one none (and no temporary files are left).
    expect(readdirSync(out).sort()).toEqual(['tone-440hz.results.json', 'tone-440hz.waveform_simple.png']);
  });

  it('reports a missing input and a directory without audio as failures', async () => {
    const empty = join(root, 'empty-dir');
    mkdirSync(empty, { recursive: true });
    const { code, stderr } = await cli([
      'run',
      join(root, 'missing.wav'),
      empty,
      tone,
      '-a',
      'test_peak',
      '-o',
      join(root, 'out-missing'),
    ]);
    expect(code).toBe(1);
    expect(stderr).toContain('missing.wav');
    expect(stderr).toContain('no audio files in this directory');
    expect(stderr.trim().split('\n').at(-1)).toMatch(/^3 inputs: 1 done, 2 failed/);
  });

  it('stops at the first failure with --fail-fast and skips the rest', async () => {
    const out = join(root, 'out-fail-fast');
    const { code, stderr } = await cli(['run', notes, tone, '-a', 'test_peak', '-o', out, '--fail-fast']);
    expect(code).toBe(1);
    expect(stderr.trim().split('\n').at(-1)).toBe(`2 inputs: 0 done, 1 failed (${notes}), 1 skipped`);
    expect(readdirSync(out)).toEqual([]);
  });

  it('names outputs apart when two inputs share a name', async () => {
    const twin = join(root, 'twin');
    mkdirSync(twin, { recursive: true });
    writeSineWav(join(twin, 'tone-440hz.wav'), 440, 0.1, 0.2);
    const out = join(root, 'out-twins');
    const { code } = await cli(['run', tone, join(twin, 'tone-440hz.wav'), '-a', 'test_peak', '-o', out]);
    expect(code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['tone-440hz.wav-2.results.json', 'tone-440hz.wav.results.json']);
  });

  it('runs a preset of the config, with its parameters, and -p on top', async () => {
    const project = join(root, 'project');
    mkdirSync(project, { recursive: true });
    writeFileSync(join(project, 'package.json'), '{"name": "cli-test-project", "private": true}\n');
    writeFileSync(
      join(project, '.timesiderc.json'),
      JSON.stringify({
        presets: { peaks: { analyzers: ['test_peak'], params: { test_peak: { scale: 2 } } } },
      }),
    );
    const run = async (extra: string[]) => {
      const { code, stderr } = await cli(['run', tone, '--preset', 'peaks', '-o', 'out', ...extra], project);
      expect(stderr).toBe('1 input: 1 done\n');
      expect(code).toBe(0);
      return ResultContainer.fromJSON(readFileSync(join(project, 'out', 'tone-440hz.results.json'), 'utf8'));
    };
    expect((await run([])).require('test_peak.max').value as number).toBeCloseTo(1, 2);
    expect((await run(['-p', 'test_peak.scale=4'])).require('test_peak.max').value as number).toBeCloseTo(
      2,
      2,
    );

    const unknown = await cli(['run', tone, '--preset', 'nope'], project);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe('timeside: --preset nope: no such preset (known: peaks)\n');
  });

  it('names the config file and the preset when a preset lists a wrong processor', async () => {
    const project = join(root, 'project-bad-presets');
    mkdirSync(project, { recursive: true });
    writeFileSync(join(project, 'package.json'), '{"name": "cli-test-bad-presets", "private": true}\n');
    const rc = join(project, '.timesiderc.json');
    writeFileSync(
      rc,
      JSON.stringify({
        presets: {
          typo: { analyzers: ['test_peek'] },
          misfiled: { fx: ['test_peak'] },
          decoding: { analyzers: ['file_decoder'] },
        },
      }),
    );
    const cases = [
      ['typo', `${rc}: preset "typo": no processor with id "test_peek". Run \`timeside list\` to see them.`],
      [
        'misfiled',
        `${rc}: preset "misfiled": test_peak is an analyzer, not an fx: list it under "analyzers"`,
      ],
      [
        'decoding',
        `${rc}: preset "decoding": file_decoder is a decoder, not an analyzer, so no preset can list it`,
      ],
    ];
    for (const [preset, message] of cases) {
      const { code, stdout, stderr } = await cli(['run', tone, '--preset', preset, '-o', 'out'], project);
      expect(stderr, preset).toBe(`timeside: ${message}\n`);
      expect(code, preset).toBe(2);
      expect(stdout).toBe('');
    }
    expect(readdirSync(project).sort()).toEqual(['.timesiderc.json', 'package.json']);
  });

  it.each([
    { args: ['--bogus'], message: /^timeside: unknown option '--bogus'/ },
    { args: ['-a', 'nope'], message: /^timeside: no processor with id "nope"/ },
    {
      args: ['-g', 'test_peak'],
      message: /^timeside: test_peak is an analyzer, not a grapher: give it with -a\n$/,
    },
    {
      args: ['-g', 'waveform_simple', '-p', 'waveform_simple.width=0'],
      message: /^timeside: waveform_simple: parameter "width" must be ≥ 1, got 0\n$/,
    },
    {
      args: ['-g', 'waveform_simple', '-p', 'waveform_simple.colour=red'],
      message: /parameter "colour" is unknown/,
    },
    {
      args: ['-a', 'test_peak', '-p', 'waveform_simple.width=10'],
      message: /waveform_simple is not among the processors to run/,
    },
    { args: ['-a', 'test_peak', '-p', 'width=10'], message: /expected PROCESSOR\.PARAM=VALUE/ },
    { args: ['-e', 'wav_encoder', '-p', 'wav_encoder.output=x.wav'], message: /cannot be set/ },
    { args: ['-a', 'test_peak', '--jobs', '0'], message: /--jobs must be a whole number ≥ 1/ },
    {
      args: ['-a', 'test_peak', '--jobs', 'two'],
      message: /--jobs must be a whole number ≥ 1 or auto, got "two"/,
    },
    { args: ['-a', 'test_peak', '--results', 'xml'], message: /--results xml: unknown format/ },
    { args: [], message: /^timeside: nothing to run/ },
  ])('exits 2 on a usage error before decoding anything: $args', async ({ args, message }) => {
    const out = join(root, 'out-usage');
    const { code, stdout, stderr } = await cli(['run', tone, '-o', out, ...args]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(readdirSync(root)).not.toContain('out-usage');
  });
});
