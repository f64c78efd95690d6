import { isTimesideError } from '../errors/index.js';

/** A stream the CLI writes to: process.stdout/stderr, or a test's collector. */
export interface CliStream {
  write(chunk: string): unknown;
  /** True on a terminal: progress is drawn only there. */
  isTTY?: boolean;
  /** Terminal width, when known. */
  columns?: number;
}

/** Error codes that mean the command line itself is wrong: exit code 2. */
const USAGE_CODES: ReadonlySet<string> = new Set(['E_USAGE', 'E_PARAM', 'E_UNKNOWN_PROCESSOR']);

/** Exit codes of `timeside` (docs/cli.md). */
export const ExitCode = { OK: 0, FAILED: 1, USAGE: 2 } as const;

/** The exit code an error maps to: 2 for a usage error, 1 for anything else. */
export function exitCodeOf(error: unknown): number {
  return isTimesideError(error) && USAGE_CODES.has(error.code) ? ExitCode.USAGE : ExitCode.FAILED;
}

/** One line describing an error, without a stack: its message, or its string form. */
export function messageOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

/** Writes the CLI's lines: results on stdout, diagnostics (`timeside: …`) on stderr. */
export class Output {
  readonly stdout: CliStream;
  readonly stderr: CliStream;
  /** Set by the progress display so that lines printed meanwhile do not mix with its line. */
  clearLine: (() => void) | undefined;

  constructor(stdout: CliStream, stderr: CliStream) {
    this.stdout = stdout;
    this.stderr = stderr;
  }

  /** A line of output on stdout. */
  line(text = ''): void {
    this.clearLine?.();
    this.stdout.write(`${text}\n`);
  }

  /** A line of diagnostics on stderr. */
  note(text: string): void {
    this.clearLine?.();
    this.stderr.write(`${text}\n`);
  }

  /** An error as one line on stderr: `timeside: <message>` (the stack only with TIMESIDE_DEBUG). */
  error(error: unknown): void {
    this.note(`timeside: ${messageOf(error)}`);
    if (process.env.TIMESIDE_DEBUG && error instanceof Error && error.stack) this.note(error.stack);
  }
}

/** Left-aligned columns separated by two spaces; the last column is not padded. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const all = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...all.map((r) => (r[c] ?? '').length)));
  return all.map((r) =>
    r
      // A missing cell (a field a plugin's metadata leaves out) is blank.
      .map((cell = '', c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c])))
      .join('  ')
      .trimEnd(),
  );
}
