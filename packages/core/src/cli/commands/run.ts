import { mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { abortError, ioError, usageError } from '../../errors/index.js';
import { loadConfig, type PresetConfig } from '../../registry/config.js';
import { RESULT_FORMATS as FORMATS, type ResultFormat } from '../../results/serialize/formats.js';
import { batchWorkerUrl, WorkerLane } from '../batch-pool.js';
import { expandInputs, type InputFile } from '../inputs.js';
import type { CliContext } from '../main.js';
import { ExitCode, messageOf } from '../output.js';
import { IMAGE_FORMATS, planRun, splitIds } from '../plan.js';
import { Progress } from '../progress.js';
import { type InputOutcome, type RunInputOptions, runInput } from '../run-input.js';

/** Formats `--results` accepts: every results format, or none. */
const RESULT_FORMATS = [...FORMATS.map((f) => f.id), 'none'] as const;

interface RunOptions {
  fx?: string[];
  analyzers?: string[];
  graphers?: string[];
  encoders?: string[];
  param?: string[];
  output: string;
  preset?: string;
  results: string;
  images?: string;
  recursive?: boolean;
  failFast?: boolean;
  jobs: number;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** `--jobs N`, or `auto`: one per core Node may use. */
function parseJobs(value: string): number {
  if (value === 'auto') return availableParallelism();
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    throw usageError(`--jobs must be a whole number ≥ 1 or auto, got "${value}"`);
  }
  return n;
}

/** `timeside run FILE|DIR…`: one pipeline per input, outputs named after the input. */
export function registerRun(program: Command, ctx: CliContext): void {
  program
    .command('run')
    .description('decode each input once and run the requested processors on it')
    .argument('<inputs...>', 'audio files, or directories of audio files')
    .option('-x, --fx <ids>', 'fx ids, comma-separated, in chain order (repeatable)', collect)
    .option('-a, --analyzers <ids>', 'analyzer ids, comma-separated (repeatable)', collect)
    .option('-g, --graphers <ids>', 'grapher ids, comma-separated (repeatable)', collect)
    .option('-e, --encoders <ids>', 'encoder ids, comma-separated (repeatable)', collect)
    .option('-p, --param <id.param=value>', 'set a parameter of a processor (repeatable)', collect)
    .option('-o, --output <dir>', 'directory for the outputs', '.')
    .option('--preset <name>', 'run a preset of the config (its processors and parameters)')
    .option(
      '-R, --results <formats>',
      `results files to write, comma-separated: ${RESULT_FORMATS.join(', ')}`,
      'json',
    )
    .option(
      '--images <formats>',
      `image files each grapher writes, comma-separated: ${IMAGE_FORMATS.join(', ')} (default: png)`,
    )
    .option('-r, --recursive', 'take the audio files of subdirectories too')
    .option('--fail-fast', 'stop at the first input that fails')
    .option(
      '-j, --jobs <n>',
      'inputs processed at the same time, each in its own thread (auto: one per core)',
      parseJobs,
      1,
    )
    .addHelpText(
      'after',
      '\nOutputs: <output>/<input name>.<processor id>.<ext>, <output>/<input name>.results.json (.yaml, .h5,\n' +
        '.eaf, .jams) and, one per result, <output>/<input name>.<result id>.csv (.txt, .sv.csv)\n' +
        'Example: timeside run song.mp3 -a level -g waveform_simple -e vorbis_encoder -o out',
    )
    .action(async (inputs: string[], options: RunOptions) => {
      ctx.exitCode = await run(inputs, options, ctx);
    });
}

async function run(inputs: string[], options: RunOptions, ctx: CliContext): Promise<number> {
  const { out } = ctx;
  const formats = splitIds([options.results]);
  for (const f of formats) {
    if (!(RESULT_FORMATS as readonly string[]).includes(f)) {
      throw usageError(`--results ${f}: unknown format (supported: ${RESULT_FORMATS.join(', ')})`);
    }
  }
  const resultFormats = formats.includes('none') ? [] : ([...new Set(formats)] as ResultFormat[]);

  const loaded = await loadConfig({ cwd: ctx.cwd });
  let preset: PresetConfig | undefined;
  if (options.preset !== undefined) {
    const presets = loaded.config.presets ?? {};
    preset = Object.hasOwn(presets, options.preset) ? presets[options.preset] : undefined;
    if (!preset) {
      const known = Object.keys(presets);
      throw usageError(
        `--preset ${options.preset}: no such preset ` +
          (known.length
            ? `(known: ${known.join(', ')})`
            : `(${loaded.filepath ?? 'no config file was found'} defines none)`),
      );
    }
  }

  const outDir = resolve(ctx.cwd, options.output);
  const plan = await planRun(
    {
      fx: splitIds(options.fx ?? []),
      analyzers: splitIds(options.analyzers ?? []),
      graphers: splitIds(options.graphers ?? []),
      images: options.images === undefined ? undefined : splitIds([options.images]),
      encoders: splitIds(options.encoders ?? []),
      assignments: options.param ?? [],
      config: loaded.config,
      preset,
      presetName: options.preset,
      configFile: loaded.filepath,
    },
    outDir,
  );
  try {
    mkdirSync(outDir, { recursive: true });
  } catch (error) {
    throw ioError(outDir, `cannot create the output directory: ${(error as Error).message}`, error);
  }
  const hasAnalyzers = plan.some((p) => p.kind === 'analyzer');

  const { files, problems } = expandInputs(inputs, { cwd: ctx.cwd, recursive: options.recursive === true });
  const outcomes: InputOutcome[] = problems.map((p) => ({
    label: p.label,
    status: 'failed',
    error: new Error(`${p.label}: ${p.reason}`),
    written: [],
  }));
  for (const o of outcomes) out.error(o.error);

  const controller = new AbortController();
  const onAbort = () => controller.abort(ctx.signal?.reason);
  if (ctx.signal?.aborted) onAbort();
  else ctx.signal?.addEventListener('abort', onAbort, { once: true });
  const progress = new Progress(out, files.length);
  const queue = files.map((file, index) => ({ file, index }));
  let stopped = options.failFast === true && outcomes.length > 0;
  const show = (path: string) => {
    const rel = relative(ctx.cwd, path);
    return rel && !rel.startsWith('..') ? rel : path;
  };

  // With several lanes, each is a worker thread when the build has the worker file (the same
  // runInput, run there); else (TypeScript sources, processors registered in code) all lanes
  // share this thread, which still overlaps the ffmpeg processes.
  const laneCount = Math.min(options.jobs, Math.max(1, files.length));
  const workerUrl = laneCount > 1 ? await batchWorkerUrl(plan) : undefined;
  const threads = workerUrl ? Array.from({ length: laneCount }, () => new WorkerLane(workerUrl, plan)) : [];

  const lane = async (laneIndex: number) => {
    for (let item = queue.shift(); item; item = queue.shift()) {
      const { file, index } = item;
      if (stopped || controller.signal.aborted) {
        outcomes.push({ label: file.label, status: 'skipped', written: [] });
        continue;
      }
      progress.start(index, file.label);
      const runOptions: RunInputOptions = {
        outDir,
        resultFormats: hasAnalyzers ? resultFormats : [],
        signal: controller.signal,
        onProgress: (e) => progress.update(index, e.fraction),
      };
      const outcome = workerUrl
        ? await threads[laneIndex].run(file, runOptions)
        : await runInput(file, plan, runOptions);
      progress.finish(index);
      outcomes.push(outcome);
      if (process.env.TIMESIDE_DEBUG && outcome.elapsedMs !== undefined) {
        const where = outcome.thread ? `worker thread ${outcome.thread}` : 'the main thread';
        out.note(
          `timeside: ${file.label}: ${outcome.status} in ${Math.round(outcome.elapsedMs)} ms on ${where}`,
        );
      }
      if (outcome.status === 'done') {
        for (const warning of outcome.warnings ?? []) out.note(`timeside: warning: ${warning}`);
        for (const path of outcome.written) out.line(show(path));
      } else if (outcome.status === 'failed') {
        out.error(labelled(outcome.error, file));
        if (options.failFast && !stopped) {
          stopped = true;
          controller.abort(abortError(undefined, 'stopped by --fail-fast'));
        }
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: laneCount }, (_, i) => lane(i)));
  } finally {
    progress.close();
    ctx.signal?.removeEventListener('abort', onAbort);
    await Promise.all(threads.map((t) => t.close()));
  }

  out.note(`${summary(outcomes)}${ctx.signal?.aborted ? ' (interrupted)' : ''}`);
  if (ctx.signal?.aborted) return ExitCode.FAILED;
  return outcomes.some((o) => o.status !== 'done') ? ExitCode.FAILED : ExitCode.OK;
}

/** The message of an input's failure, naming the input unless the message already does. */
function labelled(error: unknown, file: InputFile): string {
  const message = messageOf(error);
  return message.includes(file.path) || message.includes(file.label) ? message : `${file.label}: ${message}`;
}

/** `3 inputs: 2 done, 1 failed (notes.txt)`. */
function summary(outcomes: readonly InputOutcome[]): string {
  const count = (status: InputOutcome['status']) => outcomes.filter((o) => o.status === status);
  const failed = count('failed');
  const skipped = count('skipped');
  const parts = [`${count('done').length} done`];
  if (failed.length) parts.push(`${failed.length} failed (${failed.map((o) => o.label).join(', ')})`);
  if (skipped.length) parts.push(`${skipped.length} skipped`);
  const total = outcomes.length;
  return `${total} input${total === 1 ? '' : 's'}: ${parts.join(', ')}`;
}
