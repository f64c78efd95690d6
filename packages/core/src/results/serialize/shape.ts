/**
 * What every serializer needs to know about a result beyond its data: the shape and type of its
 * value (so a reader rebuilds a Float32Array, rows or a Matrix exactly), its entries' times, and
 * its metadata as one plain object. Also the number format of the text formats.
 */
import { ErrorCode, resultError, TimesideError } from '../../errors/index.js';
import { type AnalyzerResult, isMatrix, type Matrix, type ResultValue } from '../result.js';
import { decodeTree, encodeTree, makeTyped, type TypedName, typedName } from './tree.js';

/**
 * The forms a value takes: absent, one number, a typed vector, a plain number[], rows
 * (number[][]) or a Matrix.
 */
export type ValueKind = 'none' | 'scalar' | 'vector' | 'list' | 'rows' | 'matrix';

/** A value seen as a table: `rows` × `cols` numbers, with the form to rebuild. */
export interface ValueShape {
  kind: ValueKind;
  /** Typed array type of a vector or a Matrix's data. */
  dtype?: TypedName;
  rows: number;
  cols: number;
}

/** The shape of a value; throws E_RESULT for rows of unequal length (no format but JSON keeps them). */
export function valueShape(value: ResultValue | undefined, id: string): ValueShape {
  if (value === undefined) return { kind: 'none', rows: 0, cols: 0 };
  if (typeof value === 'number') return { kind: 'scalar', rows: 1, cols: 1 };
  if (isMatrix(value)) {
    return { kind: 'matrix', dtype: typedName(value.data), rows: value.rows, cols: value.cols };
  }
  const dtype = typedName(value);
  if (dtype) return { kind: 'vector', dtype, rows: (value as ArrayLike<number>).length, cols: 1 };
  const list = value as number[] | number[][];
  if (list.length > 0 && Array.isArray(list[0])) {
    const rows = list as number[][];
    const cols = rows[0].length;
    if (rows.some((r) => r.length !== cols)) {
      throw resultError(`result "${id}": its rows differ in length, which only JSON and YAML can carry`);
    }
    return { kind: 'rows', rows: rows.length, cols };
  }
  return { kind: 'list', rows: list.length, cols: 1 };
}

/** Cell (row, col) of a value of the given shape. */
export function valueCell(
  value: ResultValue | undefined,
  shape: ValueShape,
  row: number,
  col: number,
): number {
  switch (shape.kind) {
    case 'none':
      return Number.NaN;
    case 'scalar':
      return value as number;
    case 'matrix':
      return (value as Matrix).data[row * shape.cols + col];
    case 'rows':
      return (value as number[][])[row][col];
    default:
      return (value as ArrayLike<number>)[row];
  }
}

/** The value of the given form from a row-major table of numbers (the inverse of `valueCell`). */
export function buildValue(
  kind: ValueKind,
  dtype: TypedName | undefined,
  rows: number,
  cols: number,
  data: ArrayLike<number>,
): ResultValue | undefined {
  switch (kind) {
    case 'none':
      return undefined;
    case 'scalar':
      return data[0];
    case 'vector':
      return makeTyped(dtype ?? 'Float64Array', data) as Float32Array | Float64Array;
    case 'list':
      return Array.from(data);
    case 'rows':
      return Array.from({ length: rows }, (_, i) =>
        Array.from({ length: cols }, (_, j) => data[i * cols + j]),
      );
    case 'matrix':
      return { rows, cols, data: makeTyped(dtype ?? 'Float32Array', data) as Float32Array | Float64Array };
  }
}

/** True when numbers of this shape are single precision (printed with at most 9 digits). */
export function isSingle(shape: ValueShape): boolean {
  return shape.dtype === 'Float32Array';
}

/** Number of entries (frames, events, segments; rows of a global value) of a result. */
export function entryCount(r: AnalyzerResult, shape: ValueShape): number {
  if (r.time) return r.time.length;
  if (shape.kind !== 'none' && shape.kind !== 'scalar') return shape.rows;
  if (r.label) return r.label.length;
  return 1;
}

/** Start time (s) of each entry: event/segment times, frame times, else 0 (the start of the audio). */
export function entryTimes(r: AnalyzerResult, count: number): Float64Array {
  if (r.time) return r.time;
  if (r.timeMode === 'framewise' && r.frame) {
    const step = r.frame.hop / r.frame.sampleRate;
    return Float64Array.from({ length: count }, (_, i) => i * step);
  }
  return new Float64Array(count);
}

/** Duration (s) of each entry: segment durations, one hop for frames, 0 for events, the audio for global. */
export function entryDurations(r: AnalyzerResult, count: number): Float64Array {
  if (r.duration) return r.duration;
  if (r.timeMode === 'framewise' && r.frame)
    return new Float64Array(count).fill(r.frame.hop / r.frame.sampleRate);
  if (r.timeMode === 'global') return new Float64Array(count).fill(r.audio.duration);
  return new Float64Array(count);
}

/** A label's text: its `labelMetadata` name, else the number. */
export function labelText(r: AnalyzerResult, label: number): string {
  return r.labelMetadata?.[label] ?? String(label);
}

/**
 * True when the labels of a result cannot be told apart by their written names (two labels, one
 * name): formats that write names then carry the labels in the metadata too.
 */
export function labelsAmbiguous(r: AnalyzerResult, written: (name: string) => string = (n) => n): boolean {
  const read = labelReader(r.labelMetadata, written);
  return (r.label ?? []).some((label) => !Object.is(read(written(labelText(r, label))), label));
}

/** How a reader turns a written label name back into its label: the first label of that name, else the number. */
export function labelReader(
  labelMetadata: Record<number, string> | undefined,
  written: (name: string) => string = (n) => n,
): (text: string) => number {
  const byName = new Map<string, number>();
  for (const [k, v] of Object.entries(labelMetadata ?? {}))
    if (!byName.has(written(v))) byName.set(written(v), Number(k));
  return (text) => byName.get(text) ?? Number(text);
}

/** Everything about a result but its data, as a JSON-safe object (parameters tree-encoded). */
export interface ResultMeta {
  id: string;
  name: string;
  unit: string;
  description: string;
  processor: { id: string; version: string; params: Record<string, unknown> };
  audio: AnalyzerResult['audio'];
  timeMode: AnalyzerResult['timeMode'];
  dataMode: AnalyzerResult['dataMode'];
  frame?: AnalyzerResult['frame'];
  labelMetadata?: Record<number, string>;
  valueKind: ValueKind;
  valueType?: TypedName;
  valueCols?: number;
  hasLabel?: true;
  hasTime?: true;
  hasDuration?: true;
  /** The labels, where a format writes label names and two labels share one (ELAN, JAMS). */
  labels?: number[];
  /** Number of entries, so a truncated file is noticed. */
  count: number;
}

/** The metadata of a result. */
export function metaOf(r: AnalyzerResult, shape: ValueShape = valueShape(r.value, r.id)): ResultMeta {
  const meta: ResultMeta = {
    id: r.id,
    name: r.name,
    unit: r.unit,
    description: r.description,
    processor: encodeTree(r.processor) as ResultMeta['processor'],
    audio: encodeTree(r.audio) as ResultMeta['audio'],
    timeMode: r.timeMode,
    dataMode: r.dataMode,
    valueKind: shape.kind,
    count: entryCount(r, shape),
  };
  if (r.frame) meta.frame = { ...r.frame };
  if (r.labelMetadata) meta.labelMetadata = { ...r.labelMetadata };
  if (shape.dtype) meta.valueType = shape.dtype;
  if (shape.kind === 'rows' || shape.kind === 'matrix') meta.valueCols = shape.cols;
  if (r.label) meta.hasLabel = true;
  if (r.time) meta.hasTime = true;
  if (r.duration) meta.hasDuration = true;
  return meta;
}

/** The data of a result, read back from a file. */
export interface ResultData {
  value?: ResultValue;
  label?: number[];
  time?: Float64Array;
  duration?: Float64Array;
}

/** A result from its metadata (as `metaOf` wrote it) and its data. */
export function resultOf(meta: ResultMeta, data: ResultData): AnalyzerResult {
  const r: AnalyzerResult = {
    id: meta.id,
    name: meta.name,
    unit: meta.unit,
    description: meta.description,
    processor: decodeTree(meta.processor) as AnalyzerResult['processor'],
    audio: decodeTree(meta.audio) as AnalyzerResult['audio'],
    timeMode: meta.timeMode,
    dataMode: meta.dataMode,
  };
  if (meta.frame) r.frame = { ...meta.frame };
  if (data.value !== undefined) r.value = data.value;
  if (meta.hasLabel) r.label = data.label ?? [];
  if (meta.labelMetadata) r.labelMetadata = { ...meta.labelMetadata };
  if (meta.hasTime) r.time = data.time ?? new Float64Array(0);
  if (meta.hasDuration) r.duration = data.duration ?? new Float64Array(0);
  return r;
}

const META_KEYS = [
  'id',
  'name',
  'unit',
  'description',
  'processor',
  'audio',
  'timeMode',
  'dataMode',
] as const;

/** Checks that an object read from a file is result metadata; returns it typed. */
export function checkMeta(value: unknown, file: string, where: string): ResultMeta {
  const meta = value as Partial<ResultMeta> | null;
  if (!meta || typeof meta !== 'object') throw readError(file, `${where}: no result metadata`);
  for (const key of META_KEYS) {
    if (meta[key] === undefined) throw readError(file, `${where}: the result metadata has no "${key}"`);
  }
  if (typeof meta.count !== 'number' || typeof meta.valueKind !== 'string') {
    throw readError(file, `${where}: the result metadata has no "count" or "valueKind"`);
  }
  return meta as ResultMeta;
}

/** The one error of a results file that cannot be read: names the file and the reason. */
export function readError(file: string, reason: string, cause?: unknown): TimesideError {
  return new TimesideError(ErrorCode.E_RESULT, `cannot read results from ${file}: ${reason}`, {
    file,
    cause,
  });
}

/** A number as the text formats write it: shortest exact form (9 digits at most for float32), nan, inf, -inf. */
export function formatNumber(n: number, single = false): string {
  if (Number.isNaN(n)) return 'nan';
  if (n === Number.POSITIVE_INFINITY) return 'inf';
  if (n === Number.NEGATIVE_INFINITY) return '-inf';
  if (Object.is(n, -0)) return '-0';
  if (single) {
    // The fewest digits (9 always do) whose decimal reads back as this float32. More digits never
    // read back worse, so the count is found by bisection.
    let lo = 1;
    let hi = 9;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (Math.fround(+n.toPrecision(mid)) === n) hi = mid;
      else lo = mid + 1;
    }
    return String(+n.toPrecision(hi));
  }
  return String(n);
}

const SPECIAL: Record<string, number> = {
  nan: Number.NaN,
  inf: Number.POSITIVE_INFINITY,
  '+inf': Number.POSITIVE_INFINITY,
  infinity: Number.POSITIVE_INFINITY,
  '+infinity': Number.POSITIVE_INFINITY,
  '-inf': Number.NEGATIVE_INFINITY,
  '-infinity': Number.NEGATIVE_INFINITY,
};

/** Parses what `formatNumber` wrote (and Python's spellings of nan/inf); undefined when it is no number. */
export function parseNumber(text: string): number | undefined {
  const t = text.trim();
  const special = SPECIAL[t.toLowerCase()];
  if (special !== undefined) return special;
  if (t === '') return undefined;
  const n = Number(t);
  return Number.isNaN(n) ? undefined : n;
}
