import type { ChildProcess } from 'node:child_process';
import ffmpeg, { type FfmpegCommand } from 'fluent-ffmpeg';
import { locateFfmpeg } from './locate.js';

/** How an ffmpeg run ended. */
export interface RunOutcome {
  /** Set when ffmpeg could not start, exited with a non-zero code or was killed. */
  error?: Error;
  /** ffmpeg's exit code, when it ran and exited by itself. */
  code?: number | null;
  /** The signal that ended ffmpeg, when it was killed. */
  signal?: NodeJS.Signals | null;
  /** The last lines ffmpeg wrote to stderr. */
  stderr: string;
}

const live = new Set<ChildProcess>();

/** Number of ffmpeg processes started by this module that have not exited yet. */
export function liveFfmpegProcesses(): number {
  return live.size;
}

/** A fluent-ffmpeg command on the located ffmpeg, keeping the last `stderrLines` lines of stderr. */
export function newCommand(stderrLines = 40): FfmpegCommand {
  const command = ffmpeg({ stdoutLines: stderrLines });
  command.setFfmpegPath(locateFfmpeg().path);
  return command;
}

/** The last `maxLines` non-empty lines of `stderr`, at most `maxChars` characters. */
export function stderrTail(stderr: string, maxLines = 8, maxChars = 1200): string {
  const lines = stderr
    .split(/\r\n|\r|\n/)
    .map((l) => l.trimEnd())
    .filter((l) => l.length > 0);
  let tail = lines.slice(-maxLines).join('\n');
  if (tail.length > maxChars) tail = `…${tail.slice(-maxChars)}`;
  return tail;
}

/** ffmpeg's messages that mean something simple, in a person's words. */
const EXPLANATIONS: [RegExp, string][] = [
  [/Stream map '0:a(:0)?' matches no streams|does not contain any stream/, 'it has no audio stream'],
  [/Invalid data found when processing input/, 'it is not an audio or video file that ffmpeg can read'],
  [/No such file or directory/, 'no such file or directory'],
  [
    /Decoder \(codec [^)]*\) not found|Decoder .* not found for input stream/,
    'ffmpeg has no decoder for its audio coding (an unknown, unusual or damaged format)',
  ],
  [/Permission denied/, 'permission denied'],
  [
    /Connection refused|Connection timed out|Name or service not known|Server returned 4\d\d/,
    'the URL cannot be read',
  ],
];

/**
 * A person-readable account of a failed run: what it means when ffmpeg's words are known, then
 * how ffmpeg ended and the last lines it wrote to stderr.
 */
export function describeOutcome(outcome: RunOutcome): string {
  const tail = stderrTail(outcome.stderr);
  const meaning = EXPLANATIONS.find(([pattern]) => pattern.test(tail))?.[1];
  let how: string;
  if (outcome.signal) how = `ffmpeg was killed (${outcome.signal})`;
  else if (outcome.code !== undefined && outcome.code !== null)
    how = `ffmpeg exited with code ${outcome.code}`;
  else how = outcome.error?.message ?? 'ffmpeg failed';
  const said = tail ? `${how}: ${tail}` : how;
  return meaning ? `${meaning} (${said})` : said;
}

/**
 * One run of a fluent-ffmpeg command, tracking the child process so that it can always be killed
 * and awaited (DESIGN.md §10): fluent-ffmpeg itself reports 'end'/'error' before the process has
 * exited in some paths (a closed output stream) and cannot kill a process that is still being
 * prepared.
 */
export class FfmpegRun {
  #process?: ChildProcess;
  #killRequested = false;
  /** Resolves with the child process once spawned; rejects when the command fails before that. */
  readonly started: Promise<ChildProcess>;
  /** Resolves (never rejects) once fluent-ffmpeg is done and the process, if any, has exited. */
  readonly finished: Promise<RunOutcome>;

  constructor(command: FfmpegCommand) {
    let resolveStarted!: (p: ChildProcess) => void;
    let rejectStarted!: (e: Error) => void;
    this.started = new Promise((resolve, reject) => {
      resolveStarted = resolve;
      rejectStarted = reject;
    });
    this.started.catch(() => {});
    let exited: Promise<void> = Promise.resolve();
    let settle!: (o: RunOutcome) => void;
    const ended = new Promise<RunOutcome>((resolve) => {
      settle = resolve;
    });

    command.on('start', () => {
      const proc = (command as unknown as { ffmpegProc?: ChildProcess }).ffmpegProc;
      if (!proc) return;
      this.#process = proc;
      live.add(proc);
      // 'exit', not 'close': a stdout nobody reads any more never closes.
      exited = new Promise<void>((resolve) => {
        const done = () => {
          live.delete(proc);
          resolve();
        };
        if (proc.exitCode !== null || proc.signalCode !== null) return done();
        proc.once('exit', done);
        proc.once('error', () => {
          if (proc.pid === undefined) done(); // spawn failed: there is no process to wait for
        });
      });
      if (this.#killRequested) proc.kill('SIGKILL');
      resolveStarted(proc);
    });
    command.on('error', (error: Error, _stdout: unknown, stderr?: string | null) => {
      rejectStarted(error);
      settle({ error, stderr: stderr ?? '' });
    });
    command.on('end', (_stdout: unknown, stderr?: string | null) => {
      settle({ stderr: stderr ?? '' });
    });

    this.finished = ended.then(async (outcome) => {
      await exited;
      const proc = this.#process;
      return proc ? { ...outcome, code: proc.exitCode, signal: proc.signalCode } : outcome;
    });
    command.run();
  }

  /** The child process, once spawned. */
  get process(): ChildProcess | undefined {
    return this.#process;
  }

  /** True once `kill()` was called. */
  get killRequested(): boolean {
    return this.#killRequested;
  }

  /** Kills ffmpeg (SIGKILL; also if it has not spawned yet) and resolves once it has exited. */
  kill(): Promise<RunOutcome> {
    this.#killRequested = true;
    const proc = this.#process;
    if (proc && proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    return this.finished;
  }
}
