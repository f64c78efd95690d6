import { basename } from 'node:path';
import { isTimesideError, type TimesideError } from '@timeside/core';

/** An error with the HTTP status it answers with; the body is `{ error, message, … }`. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** 404 for a resource id that does not exist. */
export function notFound(what: string, id: string): HttpError {
  return new HttpError(404, 'E_NOT_FOUND', `${what} ${JSON.stringify(id)} does not exist`, { [what]: id });
}

/** 400 for a request that cannot be carried out as asked. */
export function badRequest(message: string, details: Record<string, unknown> = {}): HttpError {
  return new HttpError(400, 'E_BAD_REQUEST', message, details);
}

/** The status of a TimesideError: a caller's mistake (parameter, processor) is theirs, 4xx. */
export function statusOfTimeside(error: TimesideError): number {
  switch (error.code) {
    case 'E_PARAM':
    case 'E_UNKNOWN_PROCESSOR':
    case 'E_USAGE':
    case 'E_GRAPH':
      return 400;
    case 'E_DECODE':
      return 415;
    default:
      return 500;
  }
}

/** The JSON body and status of any error a handler throws. */
export function errorReply(error: unknown): { status: number; body: Record<string, unknown> } {
  if (error instanceof HttpError) {
    return {
      status: error.statusCode,
      body: { error: error.code, message: error.message, ...error.details },
    };
  }
  if (isTimesideError(error)) {
    const { code, message, processor, param, file } = error;
    return {
      status: statusOfTimeside(error),
      // The file's name only: where the server keeps it is its own business.
      body: { error: code, message, processor, param, file: file === undefined ? undefined : basename(file) },
    };
  }
  const e = error as { statusCode?: number; code?: string; message?: string; validation?: unknown };
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return { status: e.statusCode, body: { error: e.code ?? 'E_BAD_REQUEST', message: e.message } };
  }
  return { status: 500, body: { error: 'E_INTERNAL', message: e.message ?? String(error) } };
}
