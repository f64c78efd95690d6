/**
 * `timeside run --jobs N` in worker threads. Threads need the built worker file, so these tests
 * run the BUILT CLI (dist/cli.js; `pnpm test` builds first) in a child process. The inputs are
 * generated sines; the truths are their known level and pitch, and the single-thread run
 * (`--jobs 1`), whose outputs the threaded run must reproduce byte for byte.
 *
 * The crash, hang and Ctrl-C cases use a test plugin, listed by path in a temporary project's
 * config: its grapher writes a temporary output, then crashes its thread, waits for the abort or
 * blocks its thread, depending on the input's name.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResultContainer } from '../src/index.js';
import { writeSineWav } from './wav-fixtures.js';

const repo = fileURLToPath(new URL('../../..', import.meta.url));
const dist = join(repo, 'packages', 'core', 'dist');
const cliPath = join(dist, 'cli.js');
const BUILT = existsSync(cliPath);
/** Must match ABORT_GRACE_MS of src/cli/batch-pool.ts. */
const ABORT_GRACE_MS = 5000;

const root = mkdtempSync(join(tmpdir(), 'timeside-cli-threads-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Starts the built CLI; `done` resolves when it exits. */
function startCli(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  const started = performance.now();
  const child: ChildProcess = spawn(process.execPath, [cliPath, ...args], {
    cwd,
    env: { ...process.env, TIMESIDE_DEBUG: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => (stdout += d));
  child.stderr?.on('data', (d) => (stderr += d));
  const done = new Promise<CliRun>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolve({ code, signal, stdout, stderr, ms: performance.now() - started }),
    );
  });
  return { child, done };
}

const cli = (args: string[], cwd = repo, env: NodeJS.ProcessEnv = {}) => startCli(args, cwd, env).done;

/** The worker threads named by TIMESIDE_DEBUG's per-input lines (`… on worker thread 2`), by input. */
function threadsOf(stderr: string): Map<string, string> {
  const byInput = new Map<string, string>();
  for (const m of stderr.matchAll(/^timeside: (.+): \w+ in \d+ ms on (.+)$/gm)) byInput.set(m[1], m[2]);
  return byInput;
}

function partFiles(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith('.part')) : [];
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const inputs = join(root, 'inputs');
const TONES = [220, 330, 440, 550].map((freqHz) => ({ freqHz, path: join(inputs, `tone-${freqHz}hz.wav`) }));
const notes = join(inputs, 'notes.txt');

/** A test project whose config loads the first-party analyzers and the test plugin by path. */
const project = join(root, 'project');

const TRAP_PLUGIN = `
import { writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { definePlugin, Processor } from '${pathToFileURL(join(dist, 'index.js')).href}';

class Trap extends Processor {
  static meta = {
    id: 'test_trap',
    kind: 'grapher',
    name: 'Trap',
    version: '1.0.0',
    description: 'writes its output early; crash-*, hang-* and stuck-* inputs crash, wait for the abort, block',
    extension: 'txt',
    params: { output: { type: 'string', default: null, nullable: true, description: 'file written' } },
    results: [],
  };
  setup(format, ctx) {
    writeFileSync(ctx.output(this.params.output), 'partial');
    const name = basename(ctx.audio.uri);
    if (name.startsWith('crash-')) {
      return new Promise(() => setTimeout(() => { throw new Error('simulated crash'); }, 10));
    }
    if (name.startsWith('hang-')) {
      return new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason)));
    }
    if (name.startsWith('stuck-')) for (;;) {}
  }
}

export default definePlugin({ name: 'test-trap', processors: [Trap] });
`;

beforeAll(() => {
  mkdirSync(inputs, { recursive: true });
  for (const { freqHz, path } of TONES) writeSineWav(path, freqHz, 0.5, 1.5, { channels: 2 });
  writeFileSync(notes, 'these are not the samples you are looking for\n');

  mkdirSync(project, { recursive: true });
  writeFileSync(join(project, 'package.json'), '{"name": "cli-threads-test-project", "private": true}\n');
  writeFileSync(join(project, 'trap-plugin.mjs'), TRAP_PLUGIN);
  writeFileSync(
    join(project, '.timesiderc.json'),
    // The workspace's plugin lives outside this temporary project: allowed explicitly.
    JSON.stringify({
      allowExternalPlugins: true,
      plugins: [join(repo, 'packages', 'plugin-aubio-like'), './trap-plugin.mjs'],
    }),
  );
  for (const name of ['crash-a', 'crash-b', 'hang-a', 'hang-b', 'stuck-a', 'b', 'c', 'd']) {
    writeSineWav(join(project, `${name}.wav`), 440, 0.5, 0.5, { channels: 2 });
  }
  writeFileSync(join(project, 'bad.wav'), 'not a RIFF file\n');
});

describe.skipIf(!BUILT)('timeside run --jobs N in worker threads (built CLI)', () => {
  it('ships the worker entry beside the CLI', () => {
    expect(existsSync(join(dist, 'batch-worker.js'))).toBe(true);
  });

  it('writes every output of every input in 2 threads, equal to the single-thread run', async () => {
    const args = (out: string, jobs: string) => [
      'run',
      ...TONES.map((t) => t.path),
      '-a',
      'level,pitch',
      '-g',
      'waveform_simple',
      '-e',
      'wav_encoder',
      '-o',
      out,
      '--jobs',
      jobs,
    ];
    const threaded = join(root, 'out-jobs2');
    const single = join(root, 'out-jobs1');
    const two = await cli(args(threaded, '2'), repo, { TIMESIDE_DEBUG: '1' });
    expect(two.stderr.trim().split('\n').at(-1)).toBe('4 inputs: 4 done');
    expect(two.code).toBe(0);

    const names = TONES.flatMap(({ freqHz }) =>
      ['results.json', 'waveform_simple.png', 'wav_encoder.wav'].map((s) => `tone-${freqHz}hz.${s}`),
    ).sort();
    expect(readdirSync(threaded).sort()).toEqual(names);
    expect(two.stdout.trim().split('\n').sort()).toEqual(names.map((n) => join(threaded, n)));

    // Both threads ran inputs, none ran in the main thread.
    const threads = threadsOf(two.stderr);
    expect([...threads.keys()].sort()).toEqual(TONES.map((t) => t.path).sort());
    expect(new Set(threads.values())).toEqual(new Set(['worker thread 1', 'worker thread 2']));

    for (const { freqHz, path } of TONES) {
      const results = ResultContainer.fromJSON(
        readFileSync(join(threaded, `tone-${freqHz}hz.results.json`), 'utf8'),
      );
      // Peak of a 0.5 sine: 20·log10(0.5) = −6.02 dBFS; its pitch: the sine's frequency.
      expect(results.require('level.max').value as number).toBeCloseTo(-6.02, 1);
      expect(results.require('pitch.median').value as number).toBeCloseTo(freqHz, -1);
      expect(results.require('level.max').audio.uri).toBe(path);
      // The WAV copy holds the input's samples.
      expect(readFileSync(join(threaded, `tone-${freqHz}hz.wav_encoder.wav`)).subarray(44)).toEqual(
        readFileSync(path).subarray(44),
      );
    }

    const one = await cli(args(single, '1'), repo, { TIMESIDE_DEBUG: '1' });
    expect(one.code).toBe(0);
    expect(new Set(threadsOf(one.stderr).values())).toEqual(new Set(['the main thread']));
    expect(readdirSync(single).sort()).toEqual(names);
    for (const name of names) {
      const a = readFileSync(join(threaded, name));
      const b = readFileSync(join(single, name));
      if (name.endsWith('.json')) expect(JSON.parse(a.toString())).toEqual(JSON.parse(b.toString()));
      else expect(a.equals(b), name).toBe(true);
    }
  });

  it('goes on past a bad input among good ones, exits 1 and names it in the summary', async () => {
    const out = join(root, 'out-bad');
    const { code, stderr } = await cli(
      ['run', TONES[0].path, notes, TONES[1].path, '-a', 'level', '-o', out, '--jobs', '2'],
      repo,
    );
    expect(code).toBe(1);
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^timeside: .*notes\.txt/);
    expect(lines[1]).toBe(`3 inputs: 2 done, 1 failed (${notes})`);
    expect(readdirSync(out).sort()).toEqual(['tone-220hz.results.json', 'tone-330hz.results.json']);
  });

  it('finds usage errors before any thread starts, and takes --jobs auto', async () => {
    const out = join(root, 'out-usage');
    const unknown = await cli(['run', TONES[0].path, '-a', 'nope', '-o', out, '--jobs', '2'], repo);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^timeside: no processor with id "nope"/);
    const badParam = await cli(
      ['run', TONES[0].path, '-g', 'waveform_simple', '-p', 'waveform_simple.width=0', '-o', out, '-j', '2'],
      repo,
    );
    expect(badParam.code).toBe(2);
    expect(existsSync(out)).toBe(false);

    const auto = await cli(
      ['run', TONES[0].path, TONES[1].path, '-a', 'level', '-o', out, '--jobs', 'auto'],
      repo,
    );
    expect(auto.stderr).toBe('2 inputs: 2 done\n');
    expect(auto.code).toBe(0);
  });

  it('fails only the inputs of crashed threads, cleans their temporary files and replaces the threads', async () => {
    const out = join(project, 'out-crash');
    const args = ['crash-a.wav', 'crash-b.wav', 'b.wav', 'c.wav', 'd.wav', '-a', 'level', '-g', 'test_trap'];
    const { code, stderr } = await cli(['run', ...args, '-o', out, '-j', '2'], project, {
      TIMESIDE_DEBUG: '1',
    });
    expect(code).toBe(1);
    for (const name of ['crash-a.wav', 'crash-b.wav']) {
      expect(stderr).toContain(`timeside: ${name}: the worker thread running it crashed: simulated crash\n`);
    }
    expect(stderr.trim().split('\n').at(-1)).toMatch(
      /^5 inputs: 3 done, 2 failed \((crash-a\.wav, crash-b\.wav|crash-b\.wav, crash-a\.wav)\)$/,
    );
    expect(readdirSync(out).sort()).toEqual(
      ['b', 'c', 'd'].flatMap((s) => [`${s}.results.json`, `${s}.test_trap.txt`]).sort(),
    );
    // Threads 1 and 2 crashed on their first input; the new threads 3 and 4 ran the others.
    const threads = threadsOf(stderr);
    expect([...threads.keys()].sort()).toEqual(['b.wav', 'c.wav', 'd.wav']);
    expect(new Set(threads.values())).toEqual(new Set(['worker thread 3', 'worker thread 4']));
  });

  it('--fail-fast aborts the inputs running in other threads and starts no more', async () => {
    const out = join(project, 'out-fail-fast');
    const { code, stderr } = await cli(
      ['run', 'hang-a.wav', 'bad.wav', 'b.wav', '-g', 'test_trap', '-o', out, '-j', '2', '--fail-fast'],
      project,
    );
    expect(code).toBe(1);
    expect(stderr.trim().split('\n').at(-1)).toBe('3 inputs: 0 done, 1 failed (bad.wav), 2 skipped');
    expect(readdirSync(out)).toEqual([]);
  });

  it('on Ctrl-C, each thread aborts its pipeline and deletes its temporary files', async () => {
    const out = join(project, 'out-interrupted');
    const run = startCli(
      ['run', 'hang-a.wav', 'hang-b.wav', 'b.wav', '-g', 'test_trap', '-o', out, '-j', '2'],
      project,
    );
    // Both threads are inside an input: each has written its temporary output.
    await waitFor(() => partFiles(out).length === 2, 20_000);
    const interrupted = performance.now();
    run.child.kill('SIGINT');
    const { code, stderr } = await run.done;
    expect(code).toBe(130);
    expect(stderr.trim().split('\n').at(-1)).toBe('3 inputs: 0 done, 3 skipped (interrupted)');
    expect(readdirSync(out)).toEqual([]);
    expect(performance.now() - interrupted).toBeLessThan(ABORT_GRACE_MS);
  });

  it('terminates a thread that does not stop within the grace period, and deletes its temporary file', async () => {
    const out = join(project, 'out-stuck');
    const run = startCli(
      ['run', 'stuck-a.wav', 'hang-a.wav', '-g', 'test_trap', '-o', out, '-j', '2'],
      project,
    );
    await waitFor(() => partFiles(out).length === 2, 20_000);
    const interrupted = performance.now();
    run.child.kill('SIGINT');
    const { code, stderr } = await run.done;
    expect(code).toBe(130);
    expect(stderr.trim().split('\n').at(-1)).toBe('2 inputs: 0 done, 2 skipped (interrupted)');
    expect(readdirSync(out)).toEqual([]);
    const waited = performance.now() - interrupted;
    expect(waited).toBeGreaterThanOrEqual(ABORT_GRACE_MS - 100);
    expect(waited).toBeLessThan(ABORT_GRACE_MS + 5000);
  });
});
