import { isTimesideError, resultError } from '../errors/index.js';
import type { AnalyzerResult } from './result.js';
import { decodeDocument, encodeDocument } from './serialize/document.js';
import type { ResultFormat } from './serialize/formats.js';

/** The results of a run, by id, in the order they were added. */
export class ResultContainer implements Iterable<AnalyzerResult> {
  readonly #byId = new Map<string, AnalyzerResult>();

  constructor(results: Iterable<AnalyzerResult> = []) {
    for (const r of results) this.add(r);
  }

  /** Adds a result; a second result with the same id replaces the first. */
  add(result: AnalyzerResult): void {
    this.#byId.set(result.id, result);
  }

  /** The result with this id, or undefined. */
  get(id: string): AnalyzerResult | undefined {
    return this.#byId.get(id);
  }

  /** The result with this id; throws a TimesideError naming the known ids if there is none. */
  require(id: string): AnalyzerResult {
    const r = this.#byId.get(id);
    if (!r) throw resultError(`no result "${id}"; results: ${[...this.#byId.keys()].join(', ') || 'none'}`);
    return r;
  }

  has(id: string): boolean {
    return this.#byId.has(id);
  }

  get size(): number {
    return this.#byId.size;
  }

  ids(): string[] {
    return [...this.#byId.keys()];
  }

  [Symbol.iterator](): Iterator<AnalyzerResult> {
    return this.#byId.values();
  }

  /** A JSON-safe object: typed arrays and non-finite numbers are tagged so fromJSON restores them exactly. */
  toJSON(): { format: 'timeside-results'; version: 1; results: unknown[] } {
    return encodeDocument(this);
  }

  /**
   * Writes the results to `path` in `format` (default: from the file name: .json, .yaml, .csv,
   * .h5, .eaf, .jams, .txt for Audacity labels, .sv.csv for Sonic Visualiser) and resolves with
   * the files written. csv, audacity and sv write one file per result, `<stem>.<result id><ext>`
   * beside `path`; eaf and audacity take the event and segment results, sv all but global ones.
   * Written under temporary names and renamed when complete: on failure no file remains.
   */
  async toFile(path: string, format?: ResultFormat): Promise<string[]> {
    const { writeResults } = await import('./serialize/index.js');
    return writeResults([...this], path, format);
  }

  /**
   * Reads a results file written by `toFile` (json, yaml, csv, hdf5, eaf, jams; format from the
   * name unless given). Throws one TimesideError naming the file when it cannot be read, is not
   * a results file of that format, or is cut short.
   */
  static async fromFile(path: string, format?: ResultFormat): Promise<ResultContainer> {
    const { readResults } = await import('./serialize/index.js');
    return new ResultContainer(await readResults(path, format));
  }

  /** Reads several results files (the per-result CSVs of one run, say) into one container, in order. */
  static async fromFiles(paths: readonly string[], format?: ResultFormat): Promise<ResultContainer> {
    const { readResults } = await import('./serialize/index.js');
    const container = new ResultContainer();
    for (const path of paths) for (const r of await readResults(path, format)) container.add(r);
    return container;
  }

  /** Restores a container from `toJSON()` output (object or string); throws E_RESULT on anything else. */
  static fromJSON(json: unknown): ResultContainer {
    let obj = json;
    if (typeof json === 'string') {
      try {
        obj = JSON.parse(json);
      } catch (error) {
        throw resultError(`not a TimeSide results document: not JSON (${(error as Error).message})`);
      }
    }
    try {
      return new ResultContainer(decodeDocument(obj));
    } catch (error) {
      if (isTimesideError(error)) throw error;
      throw resultError(`not a TimeSide results document: ${(error as Error).message}`);
    }
  }
}
