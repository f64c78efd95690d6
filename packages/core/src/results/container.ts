import { resultError } from '../errors/index.js';
import type { AnalyzerResult } from './result.js';

const TYPED = {
  Float32Array,
  Float64Array,
  Int32Array,
  Int16Array,
  Uint8Array,
} as const;
type TypedName = keyof typeof TYPED;

function encodeNumber(n: number): number | string {
  return Number.isFinite(n) ? n : String(n);
}

function decodeNumber(n: unknown): number {
  return typeof n === 'string' ? Number(n) : (n as number);
}

/** JSON encoding that keeps typed arrays (tagged with their type) and non-finite numbers. */
function encode(value: unknown): unknown {
  if (typeof value === 'number') return Number.isFinite(value) ? value : { $number: String(value) };
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    const name = value.constructor.name as TypedName;
    if (!(name in TYPED)) throw resultError(`cannot serialize a ${name}`);
    return { $typed: name, data: Array.from(value as Float32Array, encodeNumber) };
  }
  if (Array.isArray(value)) return value.map(encode);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = encode(v);
    return out;
  }
  return value;
}

function decode(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decode);
  if (value && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    if (typeof obj.$number === 'string') return Number(obj.$number);
    if (typeof obj.$typed === 'string' && Array.isArray(obj.data)) {
      const ctor = TYPED[obj.$typed as TypedName];
      if (!ctor) throw resultError(`unknown typed array ${obj.$typed}`);
      return ctor.from((obj.data as unknown[]).map(decodeNumber));
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(obj)) out[k] = decode(v);
    return out;
  }
  return value;
}

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
    return { format: 'timeside-results', version: 1, results: [...this].map((r) => encode(r)) };
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
    const results = (obj as { results?: unknown })?.results;
    if (!Array.isArray(results)) throw resultError('not a TimeSide results document: "results" is missing');
    return new ResultContainer(
      results.map((r, i) => {
        if (typeof (r as { id?: unknown } | null)?.id !== 'string') {
          throw resultError(`not a TimeSide results document: result ${i} is not an object with an "id"`);
        }
        return decode(r) as AnalyzerResult;
      }),
    );
  }
}
