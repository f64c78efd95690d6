/**
 * The one error class of TimeSide-TS (DESIGN.md §10). Every failure a user can act on is a
 * `TimesideError` with a stable `code`, the file and/or processor it concerns, and a `cause`.
 */

/** Stable error codes, sorted. */
export const ErrorCode = {
  E_ABORT: 'E_ABORT',
  E_CONFIG: 'E_CONFIG',
  E_DECODE: 'E_DECODE',
  E_ENCODE: 'E_ENCODE',
  E_FFMPEG: 'E_FFMPEG',
  E_GRAPH: 'E_GRAPH',
  E_IO: 'E_IO',
  E_PARAM: 'E_PARAM',
  E_PLUGIN: 'E_PLUGIN',
  E_PROCESS: 'E_PROCESS',
  E_RESULT: 'E_RESULT',
  E_UNKNOWN_PROCESSOR: 'E_UNKNOWN_PROCESSOR',
  E_USAGE: 'E_USAGE',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface TimesideErrorInit {
  /** The file the error concerns (input audio, output file, config, plugin package). */
  file?: string;
  /** The id of the processor the error concerns. */
  processor?: string;
  /** The life-cycle hook that failed: setup, process, finish, release, import… */
  hook?: string;
  /** The parameter the error concerns. */
  param?: string;
  /** The plugin package the error concerns. */
  plugin?: string;
  cause?: unknown;
}

export class TimesideError extends Error {
  override readonly name = 'TimesideError';
  readonly code: ErrorCode;
  readonly file?: string;
  readonly processor?: string;
  readonly hook?: string;
  readonly param?: string;
  readonly plugin?: string;

  constructor(code: ErrorCode, message: string, init: TimesideErrorInit = {}) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = code;
    this.file = init.file;
    this.processor = init.processor;
    this.hook = init.hook;
    this.param = init.param;
    this.plugin = init.plugin;
  }

  /** A plain object for logs and JSON APIs. */
  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      message: this.message,
      file: this.file,
      processor: this.processor,
      hook: this.hook,
      param: this.param,
      plugin: this.plugin,
    };
  }
}

/** True when `error` is a TimesideError (also across two copies of core). */
export function isTimesideError(error: unknown): error is TimesideError {
  return (
    error instanceof TimesideError ||
    (typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'TimesideError')
  );
}

function reasonOf(cause: unknown): string {
  if (cause instanceof Error) return cause.message;
  return String(cause);
}

// One factory per code, sorted.

export function abortError(
  file: string | undefined,
  reason = 'the run was aborted',
  cause?: unknown,
): TimesideError {
  return new TimesideError(ErrorCode.E_ABORT, file ? `${file}: ${reason}` : reason, { file, cause });
}

export function configError(file: string | undefined, reason: string, cause?: unknown): TimesideError {
  return new TimesideError(ErrorCode.E_CONFIG, `${file ?? 'config'}: ${reason}`, { file, cause });
}

export function decodeError(file: string, reason: string, cause?: unknown): TimesideError {
  return new TimesideError(ErrorCode.E_DECODE, `cannot decode ${file}: ${reason}`, { file, cause });
}

export function encodeError(processor: string, file: string | undefined, reason: string, cause?: unknown) {
  return new TimesideError(
    ErrorCode.E_ENCODE,
    `${processor} cannot encode${file ? ` ${file}` : ''}: ${reason}`,
    { processor, file, cause },
  );
}

export function ffmpegError(reason: string, cause?: unknown): TimesideError {
  return new TimesideError(ErrorCode.E_FFMPEG, reason, { cause });
}

export function graphError(reason: string, processor?: string): TimesideError {
  return new TimesideError(ErrorCode.E_GRAPH, reason, { processor });
}

export function ioError(file: string, reason: string, cause?: unknown): TimesideError {
  return new TimesideError(ErrorCode.E_IO, `${file}: ${reason}`, { file, cause });
}

export function paramError(processor: string, param: string, reason: string): TimesideError {
  return new TimesideError(ErrorCode.E_PARAM, `${processor}: parameter "${param}" ${reason}`, {
    processor,
    param,
  });
}

export function pluginError(plugin: string, reason: string, cause?: unknown, file?: string): TimesideError {
  return new TimesideError(ErrorCode.E_PLUGIN, `plugin ${plugin}: ${reason}`, { plugin, cause, file });
}

/** Wraps a failure thrown by a processor's hook so the message names the processor and hook. */
export function processError(processor: string, hook: string, cause: unknown, file?: string): TimesideError {
  if (isTimesideError(cause) && cause.processor === processor) return cause;
  const where = file ? ` on ${file}` : '';
  return new TimesideError(
    ErrorCode.E_PROCESS,
    `processor ${processor} failed in ${hook}()${where}: ${reasonOf(cause)}`,
    { processor, hook, file, cause },
  );
}

export function resultError(reason: string, file?: string): TimesideError {
  return new TimesideError(ErrorCode.E_RESULT, reason, { file });
}

export function unknownProcessorError(id: string, known: readonly string[]): TimesideError {
  const close = known.filter((k) => k.includes(id) || id.includes(k)).slice(0, 3);
  const hint = close.length ? ` Did you mean ${close.join(', ')}?` : ' Run `timeside list` to see them.';
  return new TimesideError(ErrorCode.E_UNKNOWN_PROCESSOR, `no processor with id "${id}".${hint}`, {
    processor: id,
  });
}

export function usageError(reason: string): TimesideError {
  return new TimesideError(ErrorCode.E_USAGE, reason);
}
