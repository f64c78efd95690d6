/** JSON results files: the lossless document of `ResultContainer#toJSON`. */
import { isTimesideError } from '../../errors/index.js';
import type { AnalyzerResult } from '../result.js';
import { writeFileAtomic } from './atomic.js';
import { decodeDocument, encodeDocument } from './document.js';
import { readError } from './shape.js';

/** Writes the results to `path` as JSON. */
export function writeJson(results: readonly AnalyzerResult[], path: string): string[] {
  writeFileAtomic(path, `${JSON.stringify(encodeDocument(results))}\n`);
  return [path];
}

/** Reads a JSON results file (its text already read). */
export function readJson(text: string, file: string): AnalyzerResult[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw readError(file, `not JSON, or cut short (${(error as Error).message})`, error);
  }
  try {
    return decodeDocument(doc);
  } catch (error) {
    throw isTimesideError(error) ? readError(file, error.message, error) : error;
  }
}
