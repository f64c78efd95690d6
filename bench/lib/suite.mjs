// The rows of `pnpm bench` and how they run. Every row runs in a child process of its own, so the
// peak RSS reported is that row's; its baseline (an ffmpeg run, or another row) runs in the same
// invocation, so each ratio compares figures measured under the same conditions.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { listProcessors } from '@timeside/core';
import { batchFiles, ffmpegPath, musicLike, musicLikeWav, root } from './inputs.mjs';

const childScript = new URL('./child.mjs', import.meta.url).pathname;
const cliScript = join(root, 'packages', 'core', 'dist', 'cli.js');
const scratch = join(tmpdir(), `timeside-bench-${process.pid}`);

/** The 14 analyzers whose one-pass speed issue 19 set a target for (more may be installed). */
export const ISSUE_ANALYZERS = [
  'level',
  'loudness_ebur128',
  'mel_energy',
  'mfcc',
  'notes',
  'onset_detection_function',
  'onsets',
  'pitch',
  'silence',
  'spectral_descriptors',
  'spectrogram',
  'tempo',
  'waveform_peaks',
  'zero_crossing_rate',
];

/** The demo pipeline's processors (README): analysis, two pictures and an Ogg/Vorbis file. */
const DEMO_ANALYZERS = ['level', 'pitch', 'onsets', 'spectral_descriptors', 'mfcc'];
const DEMO_GRAPHERS = ['waveform_simple', 'spectrogram_lin'];
const DEMO_ENCODER = 'vorbis_encoder';

/** The features Meyda computes in its row, through our processors on the shared STFT. */
const MEYDA_SET = ['level', 'zero_crossing_rate', 'spectral_descriptors', 'mfcc'];

/** Processors of each batch item in the `--jobs` rows. */
const BATCH_ANALYZERS = ['level', 'pitch', 'onsets', 'spectral_descriptors', 'mfcc'];

/**
 * Plain ffmpeg with the same codec options as each encoder's defaults, the baseline of its row
 * (an encoder not listed here is compared with `ffmpeg -i in.wav out.EXT`).
 */
const ENCODER_FFMPEG_ARGS = {
  vorbis_encoder: ['-c:a', 'libvorbis', '-q:a', '5'],
  opus_encoder: ['-c:a', 'libopus', '-b:a', '96k', '-ar', '48000'],
  mp3_encoder: ['-c:a', 'libmp3lame', '-q:a', '2'],
  aac_encoder: ['-c:a', 'aac', '-b:a', '128k', '-movflags', '+faststart'],
  flac_encoder: ['-c:a', 'flac', '-sample_fmt', 's16', '-compression_level', '5'],
  webm_encoder: ['-c:a', 'libvorbis', '-q:a', '5'],
  wav_encoder: ['-c:a', 'pcm_s16le'],
};

/** Parameters of the fx rows (each fx alone after the decoder, no sink): its cost over decoding. */
const FX_PARAMS = {
  normalize: { measured: -3 },
  remix: { map: ['1', '0'] },
  resample: { sampleRate: 48000 },
};

/** Options from the environment (see bench/README.md). */
export function benchOptions(env = process.env) {
  const quick = env.BENCH_QUICK === '1';
  const number = (name, fallback) => {
    const value = env[name] === undefined ? fallback : Number(env[name]);
    if (!(value > 0)) throw new Error(`${name} must be a positive number, got ${env[name]}`);
    return value;
  };
  return {
    quick,
    minutes: number('BENCH_MINUTES', quick ? 1 : 10),
    shortMinutes: number('BENCH_SHORT_MINUTES', 1),
    longMinutes: number('BENCH_LONG_MINUTES', quick ? 10 : 60),
    batchCount: number('BENCH_BATCH_FILES', 8),
    batchMinutes: number('BENCH_BATCH_MINUTES', quick ? 0.5 : 2),
    repeat: number('BENCH_REPEAT', 1),
    only: env.BENCH_ONLY
      ? env.BENCH_ONLY.split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : undefined,
    skip: env.BENCH_SKIP
      ? env.BENCH_SKIP.split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : [],
  };
}

function hasCommand(name) {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

/** Peak RSS of a running process (VmHWM, Linux), or undefined where /proc is not readable. */
function peakRssOf(pid) {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** CPU seconds (user + system) of a running process, from /proc/PID/stat (clock ticks of 10 ms). */
function cpuOf(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    // Fields 14 and 15 of stat(5) (utime, stime), counted from the state field (3).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** Runs an external command; wall time from spawn to exit, peak RSS and CPU sampled from /proc. */
function runCommand(command, args, { drain = false } = {}) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(command, args, { stdio: ['ignore', drain ? 'pipe' : 'ignore', 'pipe'] });
    // Read and dropped, as a consumer of ffmpeg's pipe would read it.
    if (drain) child.stdout.on('data', () => {});
    let stderr = '';
    let rss;
    let cpu;
    child.stderr.on('data', (d) => {
      stderr = (stderr + d).slice(-2000);
    });
    const poll = setInterval(() => {
      rss = peakRssOf(child.pid) ?? rss;
      cpu = cpuOf(child.pid) ?? cpu;
    }, 5);
    child.on('error', reject);
    child.on('exit', (code) => {
      const wallS = (performance.now() - t0) / 1000;
      clearInterval(poll);
      if (code !== 0) reject(new Error(`${command} exited with ${code}: ${stderr.trim()}`));
      else resolve({ wallS, maxRssBytes: rss, cpuS: cpu, sampled: true });
    });
  });
}

/** Runs one task in a child Node process (bench/lib/child.mjs). */
function runChild(task) {
  return new Promise((resolve, reject) => {
    mkdirSync(scratch, { recursive: true });
    const resultFile = join(scratch, `result-${process.hrtime.bigint()}.json`);
    const child = spawn(process.execPath, [childScript, JSON.stringify(task), resultFile], {
      cwd: root,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr = (stderr + d).slice(-2000);
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      let result;
      try {
        result = JSON.parse(readFileSync(resultFile, 'utf8'));
      } catch {
        const how = signal ? `was killed (${signal})` : `exited with ${code}`;
        reject(new Error(`the benchmark process ${how} without a result: ${stderr.trim()}`));
        return;
      }
      rmSync(resultFile, { force: true });
      if (result.error) reject(new Error(result.error));
      else resolve(result);
    });
  });
}

function pipelineTask(input, stages, outDir) {
  return {
    type: 'pipeline',
    input,
    stages: stages.map((id) => (typeof id === 'string' ? { id } : id)),
    outDir,
  };
}

/**
 * Every row, in the order of the table. A row: id, task (label), audioS, run() → { wallS,
 * maxRssBytes }, and optionally baseline (the id of the row its ratio is taken against).
 */
export async function defineRows(options) {
  const { minutes, shortMinutes, longMinutes } = options;
  const seconds = minutes * 60;
  const rows = [];
  const add = (row) => rows.push({ audioS: seconds, ...row });
  const wav = () => musicLikeWav(minutes);
  const out = (id) => join(scratch, id.replace(/[^\w.-]/g, '_'));
  const ffmpeg = (args) => runCommand(ffmpegPath(), ['-nostdin', '-v', 'error', ...args]);

  // Baselines: ffmpeg alone.
  for (const format of ['wav', 'mp3', 'flac']) {
    add({
      id: `baseline.ffmpeg_decode.${format}`,
      task: `ffmpeg -i in.${format} -f null - (decode floor)`,
      run: () => ffmpeg(['-i', musicLike(minutes, format), '-f', 'null', '-']),
    });
  }
  // What ffmpeg costs when it writes float32 to a pipe (as the file decoder has it) rather than to
  // the null muxer: the floor of decoding through a pipe.
  for (const format of ['mp3', 'flac']) {
    add({
      id: `baseline.ffmpeg_pipe.${format}`,
      task: `ffmpeg -i in.${format} -f f32le pipe: (read and dropped)`,
      run: () =>
        runCommand(
          ffmpegPath(),
          [
            '-nostdin',
            '-v',
            'error',
            '-i',
            musicLike(minutes, format),
            '-map',
            '0:a:0',
            '-c:a',
            'pcm_f32le',
            '-f',
            'f32le',
            'pipe:1',
          ],
          { drain: true },
        ),
    });
  }
  const encoders = await listProcessors({ kind: 'encoder' });
  const plainEncode = (id, ext, args) =>
    add({
      id,
      task: `ffmpeg -i in.wav ${args.join(' ')}${args.length ? ' ' : ''}out.${ext}`,
      run: async () => {
        const dir = out(id);
        mkdirSync(dir, { recursive: true });
        try {
          return await ffmpeg(['-y', '-i', wav(), ...args, join(dir, `out.${ext}`)]);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
    });
  // The issue's decode + encode floor: ffmpeg's own defaults for .ogg.
  plainEncode('baseline.ffmpeg_encode.ogg', 'ogg', []);
  rows[rows.length - 1].task += ' (decode + encode floor)';
  for (const e of encoders) {
    const ext = e.processor.meta.extension;
    if (ext) plainEncode(`baseline.ffmpeg.${e.id}`, ext, ENCODER_FFMPEG_ARGS[e.id] ?? []);
  }

  // Decoding through the pipeline, no processor.
  for (const format of ['wav', 'mp3', 'flac']) {
    add({
      id: `decode.${format}`,
      task: `decode only, ${format}${format === 'wav' ? ' (built-in reader)' : ' (ffmpeg pipe)'}`,
      baseline: `baseline.ffmpeg_decode.${format}`,
      baselineAlso: format === 'wav' ? undefined : `baseline.ffmpeg_pipe.${format}`,
      run: () => runChild(pipelineTask(musicLike(minutes, format), [], out('decode'))),
    });
  }

  const pipelineRow = (id, task, stages, baseline = 'baseline.ffmpeg_decode.wav', input = wav) =>
    add({
      id,
      task,
      baseline,
      run: async () => {
        try {
          return await runChild(pipelineTask(input(), stages, out(id)));
        } finally {
          rmSync(out(id), { recursive: true, force: true });
        }
      },
    });

  const analyzers = (await listProcessors({ kind: 'analyzer' })).map((e) => e.id);
  for (const id of analyzers) pipelineRow(`analyzer.${id}`, id, [id]);
  pipelineRow(`analyzers.all`, `all ${analyzers.length} analyzers, one pass`, analyzers);
  const issue14 = ISSUE_ANALYZERS.filter((id) => analyzers.includes(id));
  if (issue14.length !== analyzers.length) {
    pipelineRow('analyzers.issue14', `the ${issue14.length} analyzers of issue 19, one pass`, issue14);
  }

  const graphers = (await listProcessors({ kind: 'grapher' })).map((e) => e.id);
  for (const id of graphers) {
    const stage = id === 'result_plot' ? { id, params: { results: ['level'] } } : id;
    pipelineRow(`grapher.${id}`, id === 'result_plot' ? 'result_plot (of level)' : id, [stage]);
  }
  for (const e of encoders) {
    const ext = e.processor.meta.extension;
    pipelineRow(`encoder.${e.id}`, e.id, [e.id], ext ? `baseline.ffmpeg.${e.id}` : undefined);
  }
  // Every encoder in one pass, against the plain ffmpeg runs one after another.
  pipelineRow(
    'encoders.all',
    `all ${encoders.length} encoders, one pass`,
    encoders.map((e) => e.id),
    null,
  );
  rows[rows.length - 1].baselineSum = encoders
    .filter((e) => e.processor.meta.extension)
    .map((e) => `baseline.ffmpeg.${e.id}`);

  const fxs = (await listProcessors({ kind: 'fx' })).map((e) => e.id);
  for (const id of fxs) {
    pipelineRow(`fx.${id}`, `${id} (fx alone, no sink)`, [{ id, params: FX_PARAMS[id] ?? {} }], 'decode.wav');
  }

  const demo = [
    ...DEMO_ANALYZERS.filter((id) => analyzers.includes(id)),
    ...DEMO_GRAPHERS.filter((id) => graphers.includes(id)),
    ...(encoders.some((e) => e.id === DEMO_ENCODER) ? [DEMO_ENCODER] : []),
  ];
  pipelineRow('demo', `demo pipeline: ${demo.join(' + ')}`, demo, 'baseline.ffmpeg_encode.ogg');

  // Meyda against the same features on the shared STFT.
  add({
    id: 'features.meyda',
    task: 'Meyda 5: rms zcr centroid spread flatness rolloff flux + 13 MFCC',
    run: () => runChild({ type: 'meyda', input: wav(), frameSize: 2048, hopSize: 512 }),
  });
  pipelineRow(
    'features.timeside',
    `same features, shared STFT: ${MEYDA_SET.join(' + ')}`,
    MEYDA_SET,
    'features.meyda',
  );

  // aubio's command-line tools, when installed (the bench installs nothing).
  for (const [tool, ours] of [
    ['aubiopitch', 'analyzer.pitch'],
    ['aubioonset', 'analyzer.onsets'],
  ]) {
    const present = hasCommand(tool);
    add({
      id: `aubio.${tool}`,
      task: `${tool} -B 2048 -H 512 (aubio's default method)`,
      baseline: ours,
      absent: present ? undefined : `${tool} not installed (Debian: apt-get install aubio-tools)`,
      run: () => runCommand(tool, ['-i', wav(), '-B', '2048', '-H', '512']),
    });
  }

  // Batch: the CLI on many files, 1 and 2 worker threads.
  const batchSeconds = options.batchCount * options.batchMinutes * 60;
  for (const jobs of [1, 2]) {
    add({
      id: `jobs.${jobs}`,
      task: `timeside run --jobs ${jobs}, ${options.batchCount} files × ${options.batchMinutes} min (-a ${BATCH_ANALYZERS.join(',')})`,
      audioS: batchSeconds,
      baseline: jobs === 1 ? undefined : 'jobs.1',
      absent: existsSync(cliScript) ? undefined : 'core is not built (pnpm build)',
      run: async () => {
        const { dir } = batchFiles(options.batchCount, options.batchMinutes);
        const outDir = out(`jobs-${jobs}`);
        try {
          return await runChild({
            type: 'cli',
            cli: cliScript,
            args: ['run', dir, '-a', BATCH_ANALYZERS.join(','), '-o', outDir, '--jobs', String(jobs)],
          });
        } finally {
          rmSync(outDir, { recursive: true, force: true });
        }
      },
    });
  }

  // Memory: the same pipelines on a short and a long file.
  // Pictures, the level and an Ogg file: what a web archive makes of each item, with no
  // large framewise result kept (the demo's MFCC and mel rows grow with the file by design).
  const streaming = ['level', 'waveform_simple', 'spectrogram_lin', DEMO_ENCODER].filter(
    (id) => analyzers.includes(id) || graphers.includes(id) || encoders.some((e) => e.id === id),
  );
  const labels = {
    decode: 'decode only (wav)',
    stream: `streaming pipeline (${streaming.join(' + ')})`,
    demo: 'demo pipeline',
  };
  for (const [name, stages] of [
    ['decode', []],
    ['stream', streaming],
    ['demo', demo],
  ]) {
    for (const [length, m] of [
      ['short', shortMinutes],
      ['long', longMinutes],
    ]) {
      pipelineRow(
        `memory.${name}.${length}`,
        `${labels[name]}, ${m}-minute file`,
        stages,
        length === 'long' ? `memory.${name}.short` : null,
        () => musicLikeWav(m),
      );
      rows[rows.length - 1].audioS = m * 60;
      rows[rows.length - 1].ratioOf = 'rss';
    }
  }
  return rows;
}

/** Whether a row is selected by BENCH_ONLY / BENCH_SKIP (id prefixes). */
export function selected(row, options) {
  const matches = (pattern) =>
    row.id === pattern || row.id.startsWith(`${pattern}.`) || row.id.startsWith(pattern);
  if (options.skip.some(matches)) return false;
  return options.only === undefined || options.only.some(matches);
}

/** Runs the rows (and the baselines they need), best wall time of `repeat` runs each. */
export async function runRows(rows, options, onRow) {
  const byId = new Map(rows.map((r) => [r.id, r]));
  const wanted = new Set(rows.filter((r) => selected(r, options)).map((r) => r.id));
  const need = (id) => {
    if (wanted.has(id) || !byId.has(id)) return;
    wanted.add(id);
    const r = byId.get(id);
    if (r.baseline) need(r.baseline);
    if (r.baselineAlso) need(r.baselineAlso);
    for (const b of r.baselineSum ?? []) need(b);
  };
  for (const id of [...wanted]) {
    wanted.delete(id);
    need(id);
  }
  const measured = [];
  try {
    for (const row of rows) {
      if (!wanted.has(row.id)) continue;
      let result;
      if (row.absent) result = { skipped: row.absent };
      else {
        try {
          for (let i = 0; i < options.repeat; i++) {
            const run = await row.run();
            if (!result || run.wallS < result.wallS) result = run;
          }
        } catch (error) {
          result = {
            skipped: `failed: ${(error instanceof Error ? error.message : String(error)).split('\n')[0]}`,
          };
        }
      }
      const entry = { ...row, ...result };
      measured.push(entry);
      onRow?.(entry, measured);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return measured;
}
