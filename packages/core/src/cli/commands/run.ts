import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { fileDecoder } from '../../decode/file-decoder.js';
import { abortError, ioError, usageError } from '../../errors/index.js';
import { Pipeline, type ProgressEvent } from '../../pipeline/pipeline.js';
import { loadConfig, type PresetConfig } from '../../registry/config.js';
import type { ResultContainer } from '../../results/container.js';
import { expandInputs, type InputFile } from '../inputs.js';
import type { CliContext } from '../main.js';
import { ExitCode, messageOf } from '../output.js';
import { instantiate, type PlannedProcessor, planRun, splitIds } from '../plan.js';
import { Progress } from '../progress.js';

/** Formats `--results` accepts. */
const RESULT_FORMATS = ['json', 'none'] as const;

interface RunOptions {
  analyzers?: string[];
  graphers?: string[];
  encoders?: string[];
  param?: string[];
  output: string;
  preset?: string;
  results: string;
  recursive?: boolean;
  failFast?: boolean;
  jobs: number;
}

/** What happened to one input. */
interface Outcome {
  label: string;
  status: 'done' | 'failed' | 'skipped';
  error?: unknown;
  written: string[];
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function parseJobs(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw usageError(`--jobs must be a whole number ≥ 1, got "${value}"`);
  return n;
}

/** Writes `text` to a temporary name beside `path`, then renames it: no partial file on failure. */
function writeFileAtomic(path: string, text: string): void {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(4).toString('hex')}.part`);
  try {
    writeFileSync(temp, text);
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw ioError(path, `cannot write: ${(error as Error).message}`, error);
  }
}

/** `timeside run FILE|DIR…`: one pipeline per input, outputs named after the input. */
export function registerRun(program: Command, ctx: CliContext): void {
  program
    .command('run')
    .description('decode each input once and run the requested processors on it')
    .argument('<inputs...>', 'audio files, or directories of audio files')
    .option('-a, --analyzers <ids>', 'analyzer ids, comma-separated (repeatable)', collect)
    .option('-g, --graphers <ids>', 'grapher ids, comma-separated (repeatable)', collect)
    .option('-e, --encoders <ids>', 'encoder ids, comma-separated (repeatable)', collect)
    .option('-p, --param <id.param=value>', 'set a parameter of a processor (repeatable)', collect)
    .option('-o, --output <dir>', 'directory for the outputs', '.')
    .option('--preset <name>', 'run a preset of the config (its processors and parameters)')
    .option('--results <formats>', `result files to write: ${RESULT_FORMATS.join(' or ')}`, 'json')
    .option('-r, --recursive', 'take the audio files of subdirectories too')
    .option('--fail-fast', 'stop at the first input that fails')
    .option('-j, --jobs <n>', 'inputs processed at the same time', parseJobs, 1)
    .addHelpText(
      'after',
      '\nOutputs: <output>/<input name>.<processor id>.<ext> and <output>/<input name>.results.json\n' +
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
  const writeJson = formats.includes('json') && !formats.includes('none');

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
      analyzers: splitIds(options.analyzers ?? []),
      graphers: splitIds(options.graphers ?? []),
      encoders: splitIds(options.encoders ?? []),
      assignments: options.param ?? [],
      config: loaded.config,
      preset,
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
  const outcomes: Outcome[] = problems.map((p) => ({
    label: p.label,
    status: 'failed',
    error: new Error(`${p.label}: ${p.reason}`),
    written: [],
  }));
  for (const o of outcomes) out.error(o.error);

  const controller = new AbortController();
  const onAbort = () => controller.abort(ctx.signal?.reason);
  ctx.signal?.addEventListener('abort', onAbort, { once: true });
  const progress = new Progress(out, files.length);
  const queue = files.map((file, index) => ({ file, index }));
  let stopped = options.failFast === true && outcomes.length > 0;
  const show = (path: string) => {
    const rel = relative(ctx.cwd, path);
    return rel && !rel.startsWith('..') ? rel : path;
  };

  const worker = async () => {
    for (let item = queue.shift(); item; item = queue.shift()) {
      const { file, index } = item;
      if (stopped || controller.signal.aborted) {
        outcomes.push({ label: file.label, status: 'skipped', written: [] });
        continue;
      }
      progress.start(index, file.label);
      const outcome = await runInput(file, plan, {
        outDir,
        writeJson: writeJson && hasAnalyzers,
        signal: controller.signal,
        onProgress: (e) => progress.update(index, e.fraction),
      });
      progress.finish(index);
      outcomes.push(outcome);
      if (outcome.status === 'done') {
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
    await Promise.all(Array.from({ length: Math.min(options.jobs, Math.max(1, files.length)) }, worker));
  } finally {
    progress.close();
    ctx.signal?.removeEventListener('abort', onAbort);
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

async function runInput(
  file: InputFile,
  plan: readonly PlannedProcessor[],
  options: {
    outDir: string;
    writeJson: boolean;
    signal: AbortSignal;
    onProgress: (event: ProgressEvent) => void;
  },
): Promise<Outcome> {
  const written: string[] = [];
  try {
    const processors = plan.map((p) => {
      const output = join(options.outDir, `${file.stem}.${p.id}.${p.extension}`);
      if (p.writesFile) written.push(output);
      return instantiate(p, output);
    });
    const pipeline = new Pipeline(fileDecoder(file.path), processors);
    pipeline.on('progress', options.onProgress);
    const results: ResultContainer = await pipeline.run({ signal: options.signal });
    if (options.writeJson) {
      const path = join(options.outDir, `${file.stem}.results.json`);
      writeFileAtomic(path, `${JSON.stringify(results.toJSON())}\n`);
      written.push(path);
    }
    return { label: file.label, status: 'done', written };
  } catch (error) {
    // Interrupted (Ctrl-C, or another input failed under --fail-fast): not a failure of this input.
    return { label: file.label, status: options.signal.aborted ? 'skipped' : 'failed', error, written: [] };
  }
}

/** `3 inputs: 2 done, 1 failed (notes.txt)`. */
function summary(outcomes: readonly Outcome[]): string {
  const count = (status: Outcome['status']) => outcomes.filter((o) => o.status === status);
  const failed = count('failed');
  const skipped = count('skipped');
  const parts = [`${count('done').length} done`];
  if (failed.length) parts.push(`${failed.length} failed (${failed.map((o) => o.label).join(', ')})`);
  if (skipped.length) parts.push(`${skipped.length} skipped`);
  const total = outcomes.length;
  return `${total} input${total === 1 ? '' : 's'}: ${parts.join(', ')}`;
}
