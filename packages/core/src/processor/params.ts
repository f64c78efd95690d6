import { paramError } from '../errors/index.js';

/** One parameter of a processor: JSON-Schema-like, read by validation, `timeside info` and the docs. */
export type ParamSpec =
  | {
      type: 'number' | 'integer';
      default: number | null;
      minimum?: number;
      maximum?: number;
      /** Exclusive lower bound. */
      exclusiveMinimum?: number;
      enum?: readonly number[];
      nullable?: boolean;
      unit?: string;
      description: string;
    }
  | {
      type: 'string';
      default: string | null;
      enum?: readonly string[];
      nullable?: boolean;
      description: string;
    }
  | { type: 'boolean'; default: boolean; description: string }
  | {
      type: 'array';
      items: 'number' | 'string';
      default: readonly (number | string)[];
      minItems?: number;
      description: string;
    };

/** A processor's parameters, by name. */
export type ParamSchema = Readonly<Record<string, ParamSpec>>;

export type ParamValue = number | string | boolean | null | readonly (number | string)[];
export type Params = Record<string, ParamValue>;

/** Parameter values typed from a schema. */
export type ParamsOf<S extends ParamSchema> = {
  -readonly [K in keyof S]: S[K] extends { type: 'number' | 'integer'; nullable: true }
    ? number | null
    : S[K] extends { type: 'number' | 'integer' }
      ? number
      : S[K] extends { type: 'string'; nullable: true }
        ? string | null
        : S[K] extends { type: 'string'; enum: readonly (infer E)[] }
          ? E
          : S[K] extends { type: 'string' }
            ? string
            : S[K] extends { type: 'boolean' }
              ? boolean
              : S[K] extends { type: 'array'; items: 'number' }
                ? number[]
                : string[];
};

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

function checkOne(processorId: string, name: string, spec: ParamSpec, value: unknown): ParamValue {
  const fail = (reason: string) => paramError(processorId, name, reason);
  if (value === null) {
    if ('nullable' in spec && spec.nullable) return null;
    throw fail('may not be null');
  }
  switch (spec.type) {
    case 'number':
    case 'integer': {
      let v = value;
      if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) v = Number(v);
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw fail(`must be a finite number, got ${describe(value)}`);
      }
      if (spec.type === 'integer' && !Number.isInteger(v)) throw fail(`must be an integer, got ${v}`);
      if (spec.minimum !== undefined && v < spec.minimum) throw fail(`must be ≥ ${spec.minimum}, got ${v}`);
      if (spec.exclusiveMinimum !== undefined && v <= spec.exclusiveMinimum) {
        throw fail(`must be > ${spec.exclusiveMinimum}, got ${v}`);
      }
      if (spec.maximum !== undefined && v > spec.maximum) throw fail(`must be ≤ ${spec.maximum}, got ${v}`);
      if (spec.enum && !spec.enum.includes(v)) throw fail(`must be one of ${spec.enum.join(', ')}, got ${v}`);
      return v;
    }
    case 'string': {
      if (typeof value !== 'string') throw fail(`must be a string, got ${describe(value)}`);
      if (spec.enum && !spec.enum.includes(value)) {
        throw fail(
          `must be one of ${spec.enum.map((e) => JSON.stringify(e)).join(', ')}, got ${describe(value)}`,
        );
      }
      return value;
    }
    case 'boolean': {
      if (value === 'true') return true;
      if (value === 'false') return false;
      if (typeof value !== 'boolean') throw fail(`must be true or false, got ${describe(value)}`);
      return value;
    }
    case 'array': {
      let v = value;
      if (typeof v === 'string') v = v.split(',').map((s) => s.trim());
      if (!Array.isArray(v)) throw fail(`must be a list, got ${describe(value)}`);
      const items = v.map((item) => {
        if (spec.items === 'number') {
          // Number('') is 0: an empty item of a CLI list is no number.
          const n = typeof item === 'string' && item.trim() !== '' ? Number(item) : item;
          if (typeof n !== 'number' || !Number.isFinite(n))
            throw fail(`must hold numbers, got ${describe(item)}`);
          return n;
        }
        if (typeof item !== 'string') throw fail(`must hold strings, got ${describe(item)}`);
        return item;
      });
      if (spec.minItems !== undefined && items.length < spec.minItems) {
        throw fail(`must hold at least ${spec.minItems} items`);
      }
      return items;
    }
  }
}

/**
 * Validates `given` against a schema and returns the complete parameter set (defaults filled in).
 * An unknown name, a wrong type or an out-of-range value throws a TimesideError (`E_PARAM`) naming
 * the processor and the parameter.
 */
export function validateParams(processorId: string, schema: ParamSchema, given: object = {}): Params {
  const out: Params = {};
  for (const name of Object.keys(given)) {
    if (!Object.hasOwn(schema, name)) {
      const known = Object.keys(schema);
      throw paramError(
        processorId,
        name,
        `is unknown; ${known.length ? `known parameters: ${known.join(', ')}` : 'it takes no parameters'}`,
      );
    }
  }
  for (const [name, spec] of Object.entries(schema)) {
    const value = (given as Record<string, unknown>)[name];
    out[name] = value === undefined ? (spec.default as ParamValue) : checkOne(processorId, name, spec, value);
  }
  return out;
}

/** A stable key of a processor id and its parameters: two nodes with the same key are merged. */
export function canonicalKey(id: string, params: Params): string {
  const sorted = Object.keys(params)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${JSON.stringify(params[k])}`);
  return `${id}{${sorted.join(',')}}`;
}
