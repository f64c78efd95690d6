import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import encoders from '../../plugin-encoders/src/index.js';
import graphers from '../../plugin-graphers/src/index.js';
import { paramRange } from '../src/cli/commands/info.js';
import { expandInputs, outputStems } from '../src/cli/inputs.js';
import {
  discoverPlugins,
  locateFfmpeg,
  Processor,
  type ProcessorClass,
  type ProcessorMeta,
  registerProcessor,
  setDiscoverer,
  unregisterProcessor,
} from '../src/index.js';
import { runCli } from './cli-fixtures.js';

const root = mkdtempSync(join(tmpdir(), 'timeside-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

beforeAll(() => {
  // Processors come from the plugins' sources, registered here; discovery (of built plugins) stays off.
  setDiscoverer(async () => {});
  // The plugins are typed against core's dist and run against its src (vitest's alias): one class, two types.
  // Only the processors the tables below list: the plugins grow without changing these tests.
  const listed = ['vorbis_encoder', 'wav_encoder', 'waveform_simple'];
  for (const cls of [...encoders.processors, ...graphers.processors])
    if (listed.includes(cls.meta.id)) registerProcessor(cls as unknown as ProcessorClass);
});

const cli = (args: string[]) => runCli(args, root);

describe('timeside list', () => {
  it('prints a table of id, kind, version, name and package, without adapters', async () => {
    const { code, stdout, stderr } = await cli(['list']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    const lines = stdout.trim().split('\n');
    expect(lines[0].split(/\s{2,}/)).toEqual(['ID', 'KIND', 'VERSION', 'NAME', 'PACKAGE']);
    const ids = lines.slice(1).map((l) => l.split(/\s+/)[0]);
    expect(ids).toEqual([
      'array_decoder',
      'file_decoder',
      'vorbis_encoder',
      'wav_encoder',
      'waveform_simple',
    ]);
    expect(lines.find((l) => l.startsWith('waveform_simple'))?.split(/\s{2,}/)).toEqual([
      'waveform_simple',
      'grapher',
      '2.0.0',
      'Waveform (simple)',
      '(code)',
    ]);
  });

  it('shows adapters with --all and filters with --kind', async () => {
    const all = await cli(['list', '--all']);
    for (const id of ['downmix', 'frames', 'stft']) expect(all.stdout).toMatch(new RegExp(`^${id}\\s`, 'm'));
    const encodersOnly = await cli(['list', '--kind', 'encoder', '--json']);
    expect(encodersOnly.code).toBe(0);
    const rows = JSON.parse(encodersOnly.stdout) as { id: string; kind: string; package: string }[];
    expect(rows.map((r) => [r.id, r.kind])).toEqual([
      ['vorbis_encoder', 'encoder'],
      ['wav_encoder', 'encoder'],
    ]);
  });

  it('exits 2 on an unknown kind', async () => {
    const { code, stderr } = await cli(['list', '--kind', 'visualizer']);
    expect(code).toBe(2);
    expect(stderr).toBe(
      'timeside: --kind visualizer: unknown kind (kinds: decoder, fx, analyzer, grapher, encoder, adapter)\n',
    );
  });
});

describe('timeside info', () => {
  it('describes a processor: parameters with type, default and range, what it writes', async () => {
    const { code, stdout } = await cli(['info', 'waveform_simple']);
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /^waveform_simple — Waveform \(simple\)\ngrapher, version 2\.0\.0, registered in code\n/,
    );
    expect(stdout).toMatch(/^ {2}width\s+integer\s+1024\s+1 … 32768\s+Image width in CSS pixels$/m);
    expect(stdout).toMatch(/^ {2}layout\s+string\s+"mix"\s+"mix" \| "lanes"\s+/m);
    expect(stdout).toContain('<input>.waveform_simple.png');
  });

  it('prints the metadata as JSON', async () => {
    const { stdout } = await cli(['info', 'wav_encoder', '--json']);
    const info = JSON.parse(stdout);
    expect(info.id).toBe('wav_encoder');
    expect(info.extension).toBe('wav');
    expect(info.params.format.enum).toEqual(['pcm16', 'pcm24', 'float32']);
    expect(info.source).toEqual({ package: '(code)', via: 'code' });
  });

  it('exits 2 with a suggestion for an unknown id', async () => {
    const { code, stdout, stderr } = await cli(['info', 'waveform']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe('timeside: no processor with id "waveform". Did you mean waveform_simple?\n');
  });

  it('describes a plugin processor whose metadata leaves optional fields out', async () => {
    // Written in JavaScript, a plugin's meta may omit a result's unit or a parameter's description.
    class Sparse extends Processor {
      static override readonly meta = {
        id: 'sparse_meta',
        kind: 'analyzer',
        name: 'Sparse',
        version: '1.0.0',
        description: 'a processor with sparse metadata',
        params: { gain: { type: 'number', default: 1 } },
        results: [{ id: 'sparse_meta.value', name: 'Value' }],
      } as unknown as ProcessorMeta;
    }
    registerProcessor(Sparse);
    try {
      const { code, stdout, stderr } = await cli(['info', 'sparse_meta']);
      expect(stderr).toBe('');
      expect(code).toBe(0);
      expect(stdout).toMatch(/^ {2}gain\s+number\s+1$/m);
      expect(stdout).toMatch(/^ {2}sparse_meta\.value\s+Value$/m);
    } finally {
      unregisterProcessor('sparse_meta');
    }
  });

  it.each([
    { spec: { type: 'integer', default: 1, minimum: 1, maximum: 8, description: '' }, range: '1 … 8' },
    { spec: { type: 'number', default: 1, exclusiveMinimum: 0, description: '' }, range: '> 0' },
    { spec: { type: 'number', default: 1, maximum: 0, description: '' }, range: '≤ 0' },
    { spec: { type: 'string', default: 'a', enum: ['a', 'b'], description: '' }, range: '"a" | "b"' },
    { spec: { type: 'boolean', default: true, description: '' }, range: '' },
  ] as const)('writes the range of $spec.type parameters as "$range"', ({ spec, range }) => {
    expect(paramRange(spec)).toBe(range);
  });
});

describe('timeside doctor', () => {
  it('names the ffmpeg in use and where it came from, the codecs and the processors', async () => {
    const { code, stdout } = await cli(['doctor']);
    const ffmpeg = locateFfmpeg();
    expect(stdout).toContain(`node      ${process.version}`);
    expect(stdout).toContain(`${ffmpeg.path} (from ${ffmpeg.source})`);
    // The bundled ffmpeg (or any usable one) has libvorbis: vorbis_encoder can run.
    expect(stdout).toMatch(/codecs\s+.*✓ libvorbis/);
    expect(stdout).toMatch(/^Processors: \d+ \(.*2 encoders.*1 grapher/m);
    expect(stdout).toContain('No problems found.');
    expect(code).toBe(0);
  });

  it('prints JSON with --json', async () => {
    const { stdout } = await cli(['doctor', '--json']);
    const report = JSON.parse(stdout);
    expect(report.node).toBe(process.version);
    expect(report.codecs.find((c: { codec: string }) => c.codec === 'libvorbis').present).toBe(true);
    expect(report.problems).toEqual([]);
    // Every key is there, null when there is nothing to say (no config file here).
    expect(report.config).toBeNull();
    expect(report.skipped).toEqual([]);
  });

  it('lists what discovery skipped, such as a package.json that is not JSON', async () => {
    const project = mkdtempSync(join(tmpdir(), 'timeside-cli-doctor-'));
    try {
      const garbled = join(project, 'node_modules', 'garbled-plugin');
      mkdirSync(garbled, { recursive: true });
      writeFileSync(join(project, 'package.json'), '{"name": "doctor-project"}');
      writeFileSync(join(garbled, 'package.json'), '{ "name": "garbled-plugin", ');
      // The report doctor reads: a discovery of that project (registering nothing, so the
      // processors registered above stay as they are).
      await discoverPlugins({ cwd: project, host: false, register: false, persistCache: false });
      const { code, stdout } = await cli(['doctor']);
      expect(stdout).toMatch(
        new RegExp(
          `^Skipped in node_modules \\(1\\):\n {2}– ${realpathSync(garbled)}: package\\.json is not valid JSON: .+$`,
          'm',
        ),
      );
      expect(code).toBe(0);
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  });
});

describe('timeside (usage)', () => {
  it.each([
    { args: ['--version'], code: 0, out: /^\d+\.\d+\.\d+\n$/, err: /^$/ },
    { args: ['--help'], code: 0, out: /Commands:[\s\S]*run \[options\] <inputs\.\.\.>/, err: /^$/ },
    { args: [], code: 2, out: /^$/, err: /^Usage: timeside/ },
    { args: ['lst'], code: 2, out: /^$/, err: /^timeside: unknown command 'lst' \(did you mean list\?\)\n$/ },
    { args: ['info'], code: 2, out: /^$/, err: /^timeside: missing required argument 'id'\n$/ },
    { args: ['help', 'run'], code: 0, out: /^Usage: timeside run \[options\] <inputs\.\.\.>/, err: /^$/ },
    { args: ['help', 'nope'], code: 2, out: /^$/, err: /^Usage: timeside/ },
    { args: ['list', 'extra'], code: 2, out: /^$/, err: /^timeside: too many arguments for 'list'/ },
    {
      args: ['new', 'theme', 'x'],
      code: 2,
      out: /^$/,
      err: /^timeside: new theme: only "new plugin NAME" exists\n$/,
    },
    {
      args: ['new', 'plugin', 'Bad Name'],
      code: 2,
      out: /^$/,
      err: /^timeside: "Bad Name" is not a valid npm package name/,
    },
  ])('timeside $args → exit $code', async ({ args, code, out, err }) => {
    const result = await cli(args);
    expect(result.code).toBe(code);
    expect(result.stdout).toMatch(out);
    expect(result.stderr).toMatch(err);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('leaves nothing behind on a usage error', () => {
    expect(readdirSync(root)).toEqual([]);
  });
});

describe('inputs', () => {
  it('lists a directory reached twice through symlinks once, and survives a symlink loop', () => {
    const dir = mkdtempSync(join(tmpdir(), 'timeside-cli-inputs-'));
    try {
      mkdirSync(join(dir, 'sub'));
      writeFileSync(join(dir, 'tone.wav'), '');
      writeFileSync(join(dir, 'sub', 'deep.wav'), '');
      symlinkSync('.', join(dir, 'loop')); // dir/loop/loop/… is dir again
      symlinkSync('sub', join(dir, 'alias')); // sorted before sub: sub itself is then skipped
      const { files, problems } = expandInputs([dir], { cwd: dir, recursive: true });
      expect(problems).toEqual([]);
      expect(files.map((f) => f.label)).toEqual([join('alias', 'deep.wav'), 'tone.wav']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('output names', () => {
  it.each([
    { paths: ['/a/sweep.wav'], stems: ['sweep'] },
    { paths: ['/a/take.wav', '/a/take.mp3'], stems: ['take.wav', 'take.mp3'] },
    { paths: ['/a/take.wav', '/b/take.wav', '/c/take.wav'], stems: ['take.wav', 'take.wav-2', 'take.wav-3'] },
    { paths: ['/a/README', '/a/x.tar.gz'], stems: ['README', 'x.tar'] },
  ])('$paths → $stems', ({ paths, stems }) => {
    expect(outputStems(paths)).toEqual(stems);
  });
});

// Reads the package's own version, which --version prints.
it('prints the version of @timeside/core', async () => {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  expect((await cli(['--version'])).stdout).toBe(`${pkg.version}\n`);
});
