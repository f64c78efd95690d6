/**
 * YAML results files (the `yaml` package): the JSON document, with NaN and ±Infinity written as
 * YAML's own `.nan` / `.inf`, and number arrays on one line each (flow style) so a file of
 * framewise results stays readable.
 */
import { Document, isSeq, parseDocument, visit } from 'yaml';
import { isTimesideError } from '../../errors/index.js';
import type { AnalyzerResult } from '../result.js';
import { writeFileAtomic } from './atomic.js';
import { decodeDocument, encodeDocument } from './document.js';
import { readError } from './shape.js';

/** Writes the results to `path` as YAML. */
export function writeYaml(results: readonly AnalyzerResult[], path: string): string[] {
  const doc = new Document(encodeDocument(results, 'native'));
  visit(doc, {
    Seq(_, node) {
      if (
        node.items.every((item) => !isSeq(item) && typeof (item as { value?: unknown }).value === 'number')
      ) {
        node.flow = true;
      }
    },
  });
  writeFileAtomic(path, doc.toString({ lineWidth: 0 }));
  return [path];
}

/** Reads a YAML results file (its text already read). */
export function readYaml(text: string, file: string): AnalyzerResult[] {
  let doc: unknown;
  try {
    // Our files have no tags or anchors: a warning (unresolved tag, odd anchor) means damage too.
    const parsed = parseDocument(text, { schema: 'core', logLevel: 'silent' });
    const problem = parsed.errors[0] ?? parsed.warnings[0];
    if (problem) throw problem;
    doc = parsed.toJS({ maxAliasCount: 0 });
  } catch (error) {
    throw readError(file, `not YAML, or cut short (${(error as Error).message.split('\n')[0]})`, error);
  }
  try {
    return decodeDocument(doc);
  } catch (error) {
    throw isTimesideError(error) ? readError(file, error.message, error) : error;
  }
}
