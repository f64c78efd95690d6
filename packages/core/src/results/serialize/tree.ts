/**
 * The lossless tree encoding shared by the JSON and YAML documents: typed arrays are tagged with
 * their type (`{ $typed: 'Float32Array', data: [...] }`) so a round trip restores them exactly.
 * JSON has no NaN or ±Infinity, so there they are tagged too (`{ $number: '-Infinity' }`); YAML
 * writes them natively (`.nan`, `-.inf`).
 */
import { resultError } from '../../errors/index.js';

const TYPED = {
  Float32Array,
  Float64Array,
  Int32Array,
  Int16Array,
  Uint8Array,
} as const;
/** The typed array types results may hold. */
export type TypedName = keyof typeof TYPED;
/** A typed array of one of the `TypedName` types. */
export type TypedArray = InstanceType<(typeof TYPED)[TypedName]>;

/** The typed array type of `value`, or undefined when it is not one we carry. */
export function typedName(value: unknown): TypedName | undefined {
  if (!ArrayBuffer.isView(value) || value instanceof DataView) return undefined;
  const name = value.constructor.name;
  return name in TYPED ? (name as TypedName) : undefined;
}

/** A typed array of type `name` holding `values`; throws E_RESULT on an unknown type. */
export function makeTyped(name: string, values: ArrayLike<number> | Iterable<number>): TypedArray {
  const ctor = Object.hasOwn(TYPED, name) ? TYPED[name as TypedName] : undefined;
  if (!ctor) throw resultError(`unknown typed array ${name}`);
  return ctor.from(values as ArrayLike<number>);
}

/** How non-finite numbers are written: tagged (JSON) or left as numbers (YAML). */
export type NonFinite = 'tag' | 'native';

function encodeNumber(n: number, nonFinite: NonFinite): number | string {
  return Number.isFinite(n) || nonFinite === 'native' ? n : String(n);
}

/** Encodes a value (a result, or part of one) to a plain tree. */
export function encodeTree(value: unknown, nonFinite: NonFinite = 'tag'): unknown {
  if (typeof value === 'number') {
    return Number.isFinite(value) || nonFinite === 'native' ? value : { $number: String(value) };
  }
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    const name = typedName(value);
    if (!name) throw resultError(`cannot serialize a ${value.constructor.name}`);
    return { $typed: name, data: Array.from(value as Float32Array, (n) => encodeNumber(n, nonFinite)) };
  }
  if (Array.isArray(value)) return value.map((v) => encodeTree(v, nonFinite));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = encodeTree(v, nonFinite);
    return out;
  }
  return value;
}

function decodeNumber(n: unknown): number {
  return typeof n === 'string' ? Number(n) : (n as number);
}

/** Restores what `encodeTree` wrote (either flavour). */
export function decodeTree(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decodeTree);
  if (value && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    if (typeof obj.$number === 'string') return Number(obj.$number);
    if (typeof obj.$typed === 'string' && Array.isArray(obj.data)) {
      return makeTyped(obj.$typed, (obj.data as unknown[]).map(decodeNumber));
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(obj)) out[k] = decodeTree(v);
    return out;
  }
  return value;
}
