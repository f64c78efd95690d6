/** The results document of the JSON and YAML formats (and `ResultContainer#toJSON`). */
import { resultError } from '../../errors/index.js';
import type { AnalyzerResult } from '../result.js';
import { decodeTree, encodeTree, type NonFinite } from './tree.js';

/** The document: a format tag, a version, and every result tree-encoded. */
export interface ResultsDocument {
  format: 'timeside-results';
  version: 1;
  results: unknown[];
}

/** The document of these results. */
export function encodeDocument(
  results: Iterable<AnalyzerResult>,
  nonFinite: NonFinite = 'tag',
): ResultsDocument {
  return {
    format: 'timeside-results',
    version: 1,
    results: [...results].map((r) => encodeTree(r, nonFinite)),
  };
}

/** The results of a document; throws E_RESULT saying what is wrong with it. */
export function decodeDocument(doc: unknown): AnalyzerResult[] {
  const results = (doc as { results?: unknown } | null)?.results;
  if (!Array.isArray(results)) throw resultError('not a TimeSide results document: "results" is missing');
  return results.map((r, i) => {
    if (typeof (r as { id?: unknown } | null)?.id !== 'string') {
      throw resultError(`not a TimeSide results document: result ${i} is not an object with an "id"`);
    }
    return decodeTree(r) as AnalyzerResult;
  });
}
