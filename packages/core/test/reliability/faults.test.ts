/**
 * Faults during a run: ffmpeg killed in the middle of a decode and of an encode, an output
 * directory that cannot be written, ffprobe stuck on an input that never answers (aborted), and
 * Ctrl-C during `timeside run` (the built CLI in a child process). Each must end with one clear
 * TimesideError or message, no partial or temporary file, and no ffmpeg left running.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Level } from '../../../plugin-aubio-like/src/level.js';
import { VorbisEncoder } from '../../../plugin-encoders/src/vorbis_encoder.js';
import { WavEncoder } from '../../../plugin-encoders/src/wav_encoder.js';
import { WaveformSimple } from '../../../plugin-graphers/src/waveform_simple.js';
import { main } from '../../src/cli/main.js';
import {
  fileDecoder,
  isTimesideError,
  Pipeline,
  type ProcessorClass,
  probe,
  registerProcessor,
  setDiscoverer,
} from '../../src/index.js';
import { ffmpeg, ffmpegChildren, tempDir } from '../ffmpeg-fixtures.js';
import { entries, make, sinePcm16, wavFile } from './fixtures.js';

const dir = tempDir('reliability-faults');
afterAll(() => dir.remove());
const IS_ROOT = process.getuid?.() === 0;
const repo = fileURLToPath(new URL('../../../..', import.meta.url));
const cliPath = join(repo, 'packages', 'core', 'dist', 'cli.js');

const longMp3 = dir.path('sine-1khz-30s.mp3');
const longWav = dir.path('sine-30s.wav');
const shortWav = dir.path('sine-1s.wav');

/** Rejections nobody handled during these tests (a killed child must not leave one behind). */
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
afterAll(async () => {
  await new Promise((r) => setTimeout(r, 50));
  process.off('unhandledRejection', onUnhandled);
  expect(unhandled).toEqual([]);
});

beforeAll(() => {
  process.on('unhandledRejection', onUnhandled);
  setDiscoverer(async () => {});
  for (const cls of [Level, WavEncoder, VorbisEncoder, WaveformSimple])
    registerProcessor(cls as unknown as ProcessorClass);
  ffmpeg(
    '-f',
    'lavfi',
    '-i',
    'aevalsrc=0.5*sin(2*PI*1000*t):s=44100:d=30',
    '-ac',
    '2',
    '-c:a',
    'libmp3lame',
    longMp3,
  );
  writeFileSync(
    longWav,
    wavFile({ tag: 1, channels: 2, sampleRate: 44100, bits: 16 }, sinePcm16(30 * 44100, 2, 44100, 0.5)),
  );
  writeFileSync(
    shortWav,
    wavFile({ tag: 1, channels: 1, sampleRate: 44100, bits: 16 }, sinePcm16(44100, 1, 44100, 0.5)),
  );
});

/** Runs `pipeline`, killing the one ffmpeg child (SIGKILL) at the first progress event; returns the error. */
async function runAndKill(pipeline: Pipeline): Promise<{ error: unknown; killed: number[] }> {
  const killed: number[] = [];
  pipeline.on('progress', () => {
    if (killed.length > 0) return;
    for (const pid of ffmpegChildren()) {
      process.kill(pid, 'SIGKILL');
      killed.push(pid);
    }
  });
  try {
    await pipeline.run();
    return { error: undefined, killed };
  } catch (error) {
    return { error, killed };
  }
}

describe('ffmpeg killed during a run', () => {
  it('mid-decode: one E_DECODE naming the input and saying ffmpeg was killed; no output left', async () => {
    const out = dir.path('out-kill-decode');
    mkdirSync(out);
    const pipeline = new Pipeline(fileDecoder(longMp3, { blockSize: 4096 }), [
      make(Level),
      make(WavEncoder, { output: join(out, 'copy.wav') }),
    ]);
    const { error, killed } = await runAndKill(pipeline);
    expect(killed).toHaveLength(1);
    expect(isTimesideError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'E_DECODE', file: longMp3 });
    expect((error as Error).message).toMatch(
      new RegExp(`^cannot decode ${longMp3}: ffmpeg was killed \\(SIGKILL\\)`),
    );
    expect(entries(out)).toEqual([]);
    expect(ffmpegChildren()).toEqual([]);
  });

  it('mid-encode: one E_ENCODE naming the output and saying ffmpeg was killed; no output left', async () => {
    const out = dir.path('out-kill-encode');
    mkdirSync(out);
    const ogg = join(out, 'sine.ogg');
    const pipeline = new Pipeline(fileDecoder(longWav, { blockSize: 4096 }), [
      make(Level),
      make(WaveformSimple, { output: join(out, 'sine.png'), width: 64, height: 32 }),
      make(VorbisEncoder, { output: ogg }),
    ]);
    const { error, killed } = await runAndKill(pipeline);
    expect(killed).toHaveLength(1);
    expect(error).toMatchObject({ code: 'E_ENCODE', processor: 'vorbis_encoder' });
    expect((error as Error).message).toMatch(
      /^vorbis_encoder cannot encode .*sine\.ogg: .*killed|SIGKILL|EPIPE/,
    );
    expect((error as Error).message).toContain(ogg);
    expect(entries(out)).toEqual([]);
    expect(ffmpegChildren()).toEqual([]);
  });
});

describe('an output directory that cannot be written', () => {
  /** The pipeline fails before decoding a block, with one error naming the output, and writes nothing. */
  async function expectRefused(output: string) {
    let progress = 0;
    const pipeline = new Pipeline(fileDecoder(shortWav), [
      make(Level),
      make(WaveformSimple, { output, width: 64, height: 32 }),
    ]);
    pipeline.on('progress', () => progress++);
    const error = await pipeline.run().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isTimesideError(error), String(error)).toBe(true);
    expect((error as Error).message).toContain(output.slice(0, output.lastIndexOf('/')));
    expect((error as Error).message).toMatch(/EACCES|EPERM|ENOTDIR|EROFS|permission|not a directory/i);
    expect(progress).toBe(0);
  }

  it('a path under a regular file (ENOTDIR)', async () => {
    const file = dir.path('not-a-dir');
    writeFileSync(file, 'x');
    await expectRefused(join(file, 'out', 'wave.png'));
    expect(readdirSync(dir.dir).filter((n) => n.endsWith('.part'))).toEqual([]);
  });

  it.skipIf(IS_ROOT)(
    'a directory without write permission (chmod 555; root ignores permission bits)',
    async () => {
      const locked = dir.path('locked');
      mkdirSync(locked, { mode: 0o555 });
      await expectRefused(join(locked, 'wave.png'));
      expect(readdirSync(locked)).toEqual([]);
    },
  );

  const sysfsReadOnly = (() => {
    try {
      writeFileSync('/sys/timeside-write-probe', 'x');
      return false;
    } catch {
      return existsSync('/sys');
    }
  })();
  it.skipIf(!sysfsReadOnly)('a directory even root cannot write (/sys on Linux)', async () => {
    await expectRefused('/sys/timeside-wave.png');
    expect(existsSync('/sys/timeside-wave.png')).toBe(false);
  });

  it('timeside run -o under a regular file: one message naming the directory, exit 1, no output', async () => {
    let stderr = '';
    const file = dir.path('also-not-a-dir');
    writeFileSync(file, 'x');
    const code = await main(['node', 'timeside', 'run', shortWav, '-a', 'level', '-o', join(file, 'out')], {
      stdout: { write: () => true },
      stderr: { write: (s: string) => (stderr += s) },
      cwd: dir.dir,
    });
    expect(code).toBe(1);
    expect(stderr).toMatch(
      new RegExp(`^timeside: ${join(file, 'out')}: cannot create the output directory: .*(ENOTDIR|EEXIST)`),
    );
    expect(stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('probe() is abortable', () => {
  const fifo = dir.path('never-written.fifo');
  beforeAll(() => execFileSync('mkfifo', [fifo]));

  it('kills and awaits ffprobe blocked on an input that never answers', async () => {
    const controller = new AbortController();
    const started = performance.now();
    const probing = probe(fifo, { signal: controller.signal });
    // ffprobe is running, stuck opening a pipe nobody writes to.
    await new Promise((r) => setTimeout(r, 300));
    expect(ffmpegChildren()).toHaveLength(1);
    controller.abort();
    await expect(probing).rejects.toMatchObject({
      code: 'E_ABORT',
      message: `${fifo}: the probe was aborted`,
    });
    expect(performance.now() - started).toBeLessThan(5000);
    expect(ffmpegChildren()).toEqual([]);
  });

  it('an aborted signal starts no ffprobe', async () => {
    await expect(probe(shortWav, { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'E_ABORT' });
    expect(ffmpegChildren()).toEqual([]);
  });

  it('without a signal it still answers (a WAV read by ffprobe)', async () => {
    expect(await probe(shortWav)).toMatchObject({ sampleRate: 44100, channels: 1, codec: 'pcm_s16le' });
  });
});

describe.skipIf(!existsSync(cliPath))('Ctrl-C during `timeside run` (the built CLI, dist/cli.js)', () => {
  it('exits 130 with the summary marked interrupted, and leaves no partial or temporary file', async () => {
    const out = dir.path('out-sigint');
    const project = dir.path('sigint-project');
    // Four minutes of audio: the run takes seconds even on a fast machine, so the interrupt
    // always lands while the first output is still being written, whatever the load.
    const longerWav = dir.path('sine-240s.wav');
    writeFileSync(
      longerWav,
      wavFile({ tag: 1, channels: 2, sampleRate: 44100, bits: 16 }, sinePcm16(240 * 44100, 2, 44100, 0.5)),
    );
    mkdirSync(project);
    // The first-party plugins, discovered by path from this project's config (they are outside it).
    writeFileSync(
      join(project, '.timesiderc.json'),
      JSON.stringify({
        allowExternalPlugins: true,
        discover: false,
        plugins: ['plugin-aubio-like', 'plugin-encoders'].map((p) => join(repo, 'packages', p)),
      }),
    );
    writeFileSync(join(project, 'package.json'), '{"private": true}');
    const child: ChildProcess = spawn(
      process.execPath,
      [
        join(repo, 'packages', 'core', 'bin', 'timeside.js'),
        'run',
        longerWav,
        shortWav,
        '-a',
        'level',
        '-e',
        'vorbis_encoder',
        '-o',
        out,
      ],
      { cwd: project, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TIMESIDE_DEBUG: '' } },
    );
    let stderr = '';
    child.stderr?.on('data', (d) => (stderr += d));
    let exitCode: number | null | undefined;
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => {
        exitCode = code;
        resolve(code);
      }),
    );
    // Wait until the encoder is writing its temporary file, then interrupt.
    const deadline = performance.now() + 60_000;
    const writing = () => entries(out).some((n) => n.endsWith('.part'));
    while (!writing() && exitCode === undefined && performance.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(writing(), `no .part file seen; exit code ${exitCode}, stderr:\n${stderr}`).toBe(true);
    child.kill('SIGINT');
    const code = await exited;
    expect(code).toBe(130);
    expect(stderr.trim().split('\n').at(-1)).toBe('2 inputs: 0 done, 2 skipped (interrupted)');
    expect(entries(out)).toEqual([]);
  });
});
