/**
 * HDF5 results files through h5wasm (the HDF5 C library in WebAssembly; its Node build reads and
 * writes the host filesystem directly). Layout, documented for h5py users in docs/results.md:
 *
 *   /                     attrs format = "timeside-results", version = 1
 *   /<result id>/         one group per result ("/" in an id is written "%2F")
 *       attrs             id, name, unit, description, time_mode, data_mode, processor_id,
 *                         processor_version, processor_params (JSON), audio_uri, audio_start,
 *                         audio_duration, audio_sample_rate, audio_channels, frame_sample_rate,
 *                         frame_size, frame_hop (framewise), label_metadata (JSON), value_kind,
 *                         value_type, count
 *       value             the value: scalar, (n,) or (rows, cols); float32 or float64 as computed
 *       time, duration    float64 (s): event and segment times, segment durations
 *       label             int32 (float64 if a label is not an integer)
 *
 * h5wasm is imported on first use only: its 4 MB of WebAssembly take ≈ 0.5 s to compile.
 */
import { closeSync, openSync, readSync, renameSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { ioError, isTimesideError } from '../../errors/index.js';
import type { AnalyzerResult, ResultValue } from '../result.js';
import { tempNameFor } from './atomic.js';
import {
  buildValue,
  checkMeta,
  metaOf,
  type ResultMeta,
  readError,
  resultOf,
  type ValueKind,
  valueCell,
  valueShape,
} from './shape.js';
import { decodeTree, encodeTree, type TypedName, typedName } from './tree.js';

type H5 = typeof import('h5wasm');
type Group = import('h5wasm').Group;
type Dataset = import('h5wasm').Dataset;

let loading: Promise<H5> | undefined;
/** Module instances loaded so far (a new one replaces an instance that aborted). */
let instances = 0;
/** > 0 while our own h5wasm calls run: what the module prints then is dropped (it is in the error). */
let quiet = 0;

/**
 * h5wasm, loaded once, with HDF5's errors thrown as exceptions instead of printed to stderr.
 * The Emscripten module binds `console.error` when it starts and prints "Aborted(…)" there when
 * HDF5 gives up on a damaged file; it is handed a wrapper that stays silent during our calls.
 */
function h5wasm(): Promise<H5> {
  loading ??= (async () => {
    const original = console.error;
    console.error = (...args: unknown[]) => {
      if (quiet === 0) original.apply(console, args);
    };
    try {
      // After an abort the Emscripten instance is unusable; the same module under another URL is
      // a fresh instance (ESM caches by URL). The one that aborted stays in memory.
      const mod =
        instances++ === 0
          ? await import('h5wasm/node')
          : await import(`${import.meta.resolve('h5wasm/node')}?instance=${instances}`);
      const lib = (mod.default ?? mod) as unknown as H5;
      const module = await lib.ready;
      module.activate_throwing_error_handler();
      return lib;
    } finally {
      console.error = original;
    }
  })();
  return loading;
}

/**
 * Runs synchronous h5wasm calls with the module's own printing silenced. When HDF5 aborts (a
 * damaged file can make it), the next call loads a fresh instance.
 */
function silently<T>(fn: () => T): T {
  quiet++;
  try {
    return fn();
  } catch (error) {
    if ((error as Error)?.name === 'RuntimeError' || /^Aborted\(/.test((error as Error)?.message ?? '')) {
      loading = undefined;
    }
    throw error;
  } finally {
    quiet--;
  }
}

/** HDF5's format signature (the superblock's first 8 bytes), at 0 or a power of two ≥ 512. */
const SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

function hasSignature(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(8);
    for (let offset = 0; ; offset = offset === 0 ? 512 : offset * 2) {
      if (readSync(fd, head, 0, 8, offset) < 8) return false;
      if (head.equals(SIGNATURE)) return true;
      if (offset >= 1 << 24) return false;
    }
  } finally {
    closeSync(fd);
  }
}

/** The innermost reason of an HDF5 error stack ("truncated file: eof = …"). */
function hdf5Reason(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const reasons = [...text.matchAll(/#\d+: .*? in [\w.]+\(\): (.*)$/gm)].map((m) => m[1]);
  return reasons.at(-1) ?? text.split('\n')[0];
}

function groupName(id: string): string {
  return id.replace(/%/g, '%25').replace(/\//g, '%2F');
}

function dtypeOf(name: TypedName | undefined): string {
  switch (name) {
    case 'Float32Array':
      return '<f';
    case 'Int32Array':
      return '<i';
    case 'Int16Array':
      return '<h';
    case 'Uint8Array':
      return '|B';
    default:
      return '<d';
  }
}

function isInt32(n: number): boolean {
  return Number.isInteger(n) && Math.abs(n) < 2 ** 31 && !Object.is(n, -0);
}

function writeResult(root: Group, r: AnalyzerResult): void {
  const shape = valueShape(r.value, r.id);
  const meta = metaOf(r, shape);
  const g = root.create_group(groupName(r.id), true);
  const attrs: [string, string | number][] = [
    ['id', r.id],
    ['name', r.name],
    ['unit', r.unit],
    ['description', r.description],
    ['time_mode', r.timeMode],
    ['data_mode', r.dataMode],
    ['processor_id', r.processor.id],
    ['processor_version', r.processor.version],
    ['processor_params', JSON.stringify(encodeTree(r.processor.params))],
    ['audio_uri', r.audio.uri],
    ['audio_start', r.audio.start],
    ['audio_duration', r.audio.duration],
    ['audio_sample_rate', r.audio.sampleRate],
    ['audio_channels', r.audio.channels],
    ['value_kind', shape.kind],
    ['value_type', shape.dtype ?? 'number'],
    ['count', meta.count],
  ];
  if (r.frame) {
    attrs.push(
      ['frame_sample_rate', r.frame.sampleRate],
      ['frame_size', r.frame.size],
      ['frame_hop', r.frame.hop],
    );
  }
  if (r.labelMetadata) attrs.push(['label_metadata', JSON.stringify(r.labelMetadata)]);
  for (const [name, value] of attrs) {
    if (typeof value === 'number') g.create_attribute(name, value, null, isInt32(value) ? '<i' : '<d');
    else g.create_attribute(name, value);
  }
  if (shape.kind !== 'none') {
    const count = shape.rows * shape.cols;
    const data =
      shape.dtype && shape.kind === 'vector'
        ? (r.value as Float32Array)
        : shape.kind === 'matrix'
          ? (r.value as { data: Float32Array }).data
          : Float64Array.from({ length: count }, (_, k) =>
              valueCell(r.value, shape, Math.floor(k / shape.cols), k % shape.cols),
            );
    const dims =
      shape.kind === 'scalar'
        ? []
        : shape.kind === 'rows' || shape.kind === 'matrix'
          ? [shape.rows, shape.cols]
          : [shape.rows];
    g.create_dataset({ name: 'value', data, shape: dims, dtype: dtypeOf(typedName(data)) });
  }
  if (r.time) g.create_dataset({ name: 'time', data: r.time, shape: [r.time.length], dtype: '<d' });
  if (r.duration)
    g.create_dataset({ name: 'duration', data: r.duration, shape: [r.duration.length], dtype: '<d' });
  if (r.label) {
    const ints = r.label.every(isInt32);
    const data = ints ? Int32Array.from(r.label) : Float64Array.from(r.label);
    g.create_dataset({ name: 'label', data, shape: [data.length], dtype: ints ? '<i' : '<d' });
  }
}

/** Writes the results to `path` as HDF5 (under a temporary name, renamed when complete). */
export async function writeHdf5(results: readonly AnalyzerResult[], path: string): Promise<string[]> {
  for (const r of results) valueShape(r.value, r.id);
  const lib = await h5wasm();
  const temp = resolve(tempNameFor(path));
  let file: InstanceType<H5['File']> | undefined;
  try {
    silently(() => {
      // track_order keeps the results in their order (HDF5 lists links by name otherwise).
      const created = new lib.File(temp, 'w', { track_order: true });
      file = created;
      created.create_attribute('format', 'timeside-results');
      created.create_attribute('version', 1, null, '<i');
      for (const r of results) writeResult(created, r);
      created.close();
      file = undefined;
    });
    renameSync(temp, path);
    return [path];
  } catch (error) {
    try {
      silently(() => file?.close());
    } catch {
      // Already failing: the temporary file is removed below either way.
    }
    rmSync(temp, { force: true });
    if (isTimesideError(error)) throw error;
    throw ioError(path, `cannot write HDF5: ${hdf5Reason(error)}`, error);
  }
}

function attr(g: Group, name: string): unknown {
  if (!Object.hasOwn(g.attrs, name)) return undefined;
  const v = g.get_attribute(name, false);
  return typeof v === 'bigint' ? Number(v) : v;
}

function numbers(d: Dataset | undefined): ArrayLike<number> | undefined {
  if (!d) return undefined;
  const v = d.value;
  if (typeof v === 'number') return [v];
  if (ArrayBuffer.isView(v)) {
    const arr = v as unknown as ArrayLike<number | bigint>;
    return typeof arr[0] === 'bigint' ? Array.from(arr, Number) : (arr as ArrayLike<number>);
  }
  return undefined;
}

function readResult(g: Group, file: string): AnalyzerResult {
  const where = `group ${g.path}`;
  const s = (name: string) => attr(g, name) as string;
  const n = (name: string) => attr(g, name) as number;
  let params: unknown;
  try {
    params = decodeTree(JSON.parse(s('processor_params') ?? '{}'));
  } catch (error) {
    throw readError(file, `${where}: processor_params is not JSON`, error);
  }
  const meta: ResultMeta = checkMeta(
    {
      id: s('id'),
      name: s('name'),
      unit: s('unit'),
      description: s('description'),
      processor: encodeTree({ id: s('processor_id'), version: s('processor_version'), params }),
      audio: {
        uri: s('audio_uri'),
        start: n('audio_start'),
        duration: n('audio_duration'),
        sampleRate: n('audio_sample_rate'),
        channels: n('audio_channels'),
      },
      timeMode: s('time_mode'),
      dataMode: s('data_mode'),
      valueKind: s('value_kind'),
      count: n('count'),
    },
    file,
    where,
  );
  const typeName = s('value_type');
  if (typeName && typeName !== 'number') meta.valueType = typeName as TypedName;
  if (attr(g, 'frame_hop') !== undefined) {
    meta.frame = { sampleRate: n('frame_sample_rate'), size: n('frame_size'), hop: n('frame_hop') };
  }
  const labels = s('label_metadata');
  if (labels !== undefined) meta.labelMetadata = JSON.parse(labels);
  const keys = new Set(g.keys());
  const dataset = (name: string) => (keys.has(name) ? (g.get(name) as Dataset) : undefined);
  const time = numbers(dataset('time'));
  const duration = numbers(dataset('duration'));
  const label = numbers(dataset('label'));
  if (time) meta.hasTime = true;
  if (duration) meta.hasDuration = true;
  if (label) meta.hasLabel = true;
  let value: ResultValue | undefined;
  const kind = meta.valueKind as ValueKind;
  if (kind !== 'none') {
    const d = dataset('value');
    const data = numbers(d);
    if (!d || !data) throw readError(file, `${where}: no "value" dataset`);
    const dims = d.shape ?? [];
    value = buildValue(kind, meta.valueType, dims[0] ?? 1, dims[1] ?? 1, data);
  }
  return resultOf(meta, {
    value,
    label: label ? Array.from(label) : undefined,
    time: time ? Float64Array.from(time) : undefined,
    duration: duration ? Float64Array.from(duration) : undefined,
  });
}

/** Reads an HDF5 results file. */
export async function readHdf5(path: string): Promise<AnalyzerResult[]> {
  let signed: boolean;
  try {
    signed = hasSignature(path);
  } catch (error) {
    throw ioError(path, `cannot read: ${(error as Error).message}`, error);
  }
  if (!signed) throw readError(path, 'not an HDF5 file (no HDF5 signature)');
  const lib = await h5wasm();
  let file: InstanceType<H5['File']> | undefined;
  try {
    return silently(() => {
      const opened = new lib.File(resolve(path), 'r');
      file = opened;
      if (attr(opened, 'format') !== 'timeside-results') {
        throw readError(
          path,
          'an HDF5 file, but not TimeSide results (its root has no format = "timeside-results")',
        );
      }
      const results: AnalyzerResult[] = [];
      for (const name of opened.keys()) {
        const g = opened.get(name);
        if (g instanceof lib.Group) results.push(readResult(g, path));
      }
      return results;
    });
  } catch (error) {
    if (isTimesideError(error)) throw error;
    throw readError(path, `truncated or damaged HDF5 file (${hdf5Reason(error)})`, error);
  } finally {
    try {
      silently(() => file?.close());
    } catch {
      // Closing a file that failed to open: nothing to release.
    }
  }
}
