/**
 * JAMS, the JSON Annotated Music Specification (Humphrey et al., ISMIR 2014; the schema of the
 * `jams` Python package): one annotation per result, each observation `{time, duration, value,
 * confidence}`. Namespaces follow the result: `onset` and `beat` for value-less events named so,
 * `tempo` for a global tempo, `pitch_contour` for a framewise f0 in Hz, `segment_open` /
 * `tag_open` for labels, `vector` for rows of numbers and `blob` for everything else. The result
 * metadata rides in each annotation's `sandbox.timeside`, so the file reads back as the results.
 * JSON has no NaN or ±Infinity: such numbers are written as null (read back as NaN).
 */
import { isTimesideError } from '../../errors/index.js';
import type { AnalyzerResult } from '../result.js';
import { writeFileAtomic } from './atomic.js';
import {
  buildValue,
  checkMeta,
  entryDurations,
  entryTimes,
  labelReader,
  labelsAmbiguous,
  labelText,
  metaOf,
  type ResultMeta,
  readError,
  resultOf,
  type ValueShape,
  valueCell,
  valueShape,
} from './shape.js';

/** The JAMS schema version the files follow. */
const JAMS_VERSION = '0.3.4';

interface Observation {
  time: number;
  duration: number;
  value: unknown;
  confidence: number | null;
}

function finite(n: number): number | null {
  return Number.isFinite(n) ? n : null;
}

/** The JAMS namespace of a result. */
export function namespaceOf(r: AnalyzerResult, shape: ValueShape): string {
  const id = r.id.toLowerCase();
  if (r.dataMode === 'label') return r.timeMode === 'segment' ? 'segment_open' : 'tag_open';
  if (shape.kind === 'none') {
    if (id.startsWith('onset')) return 'onset';
    if (id.startsWith('beat')) return 'beat';
    return 'blob';
  }
  if (r.timeMode === 'global' && id.startsWith('tempo') && shape.kind === 'scalar') return 'tempo';
  if (r.timeMode === 'framewise' && r.unit === 'Hz' && (shape.kind === 'vector' || shape.kind === 'list')) {
    if (/pitch|f0/.test(id)) return 'pitch_contour';
  }
  if (shape.kind === 'rows' || shape.kind === 'matrix') return 'vector';
  return 'blob';
}

function annotationOf(r: AnalyzerResult) {
  const shape = valueShape(r.value, r.id);
  const meta = metaOf(r, shape);
  if (labelsAmbiguous(r)) meta.labels = [...(r.label ?? [])];
  const namespace = namespaceOf(r, shape);
  const times = entryTimes(r, meta.count);
  const durations = entryDurations(r, meta.count);
  const cols = shape.kind === 'rows' || shape.kind === 'matrix' ? shape.cols : 1;
  const data: Observation[] = [];
  for (let i = 0; i < meta.count; i++) {
    let value: unknown = null;
    if (r.label) value = labelText(r, r.label[i]);
    else if (shape.kind === 'scalar') value = finite(r.value as number);
    else if (shape.kind !== 'none') {
      const row = Array.from({ length: cols }, (_, j) => finite(valueCell(r.value, shape, i, j)));
      value = cols === 1 && namespace !== 'vector' ? row[0] : row;
    }
    if (namespace === 'pitch_contour') {
      const f = value as number | null;
      value = { index: 0, frequency: f !== null && f > 0 ? f : 0, voiced: f !== null && f > 0 };
    }
    data.push({ time: times[i], duration: durations[i], value, confidence: null });
  }
  return {
    namespace,
    annotation_metadata: {
      curator: { name: '', email: '' },
      annotator: {},
      version: r.processor.version,
      corpus: '',
      annotation_tools: `TimeSide-TS ${r.processor.id} ${r.processor.version}`,
      annotation_rules: '',
      validation: '',
      data_source: 'program',
    },
    data,
    time: 0,
    duration: r.audio.duration,
    sandbox: { timeside: meta },
  };
}

/** The JAMS document of the results. */
export function jamsOf(results: readonly AnalyzerResult[]): unknown {
  const audio = results[0]?.audio;
  const name = audio?.uri.split(/[\\/]/).pop() ?? '';
  let title = name;
  try {
    if (/^[a-z][a-z0-9+.-]*:/i.test(audio?.uri ?? '')) title = decodeURIComponent(name);
  } catch {
    // Not percent-encoded after all: the name as it is.
  }
  return {
    file_metadata: {
      title,
      artist: '',
      release: '',
      duration: audio?.duration ?? 0,
      identifiers: {},
      jams_version: JAMS_VERSION,
    },
    annotations: results.map(annotationOf),
    sandbox: { timeside: { format: 'timeside-results', version: 1, audio: audio ?? null } },
  };
}

/** Writes the results to `path` as JAMS. */
export function writeJams(results: readonly AnalyzerResult[], path: string): string[] {
  writeFileAtomic(path, `${JSON.stringify(jamsOf(results))}\n`);
  return [path];
}

function numberOf(v: unknown): number {
  return typeof v === 'number' ? v : Number.NaN;
}

function resultOfAnnotation(
  meta: ResultMeta,
  namespace: string,
  data: Observation[],
  file: string,
): AnalyzerResult {
  if (data.length !== meta.count) {
    throw readError(
      file,
      `annotation "${meta.id}" is cut short: ${data.length} observations of ${meta.count}`,
    );
  }
  const out: Parameters<typeof resultOf>[1] = {};
  if (meta.hasTime) out.time = Float64Array.from(data, (o) => o.time);
  if (meta.hasDuration) out.duration = Float64Array.from(data, (o) => o.duration);
  if (meta.hasLabel) {
    const read = labelReader(meta.labelMetadata);
    out.label = meta.labels ?? data.map((o) => read(String(o.value)));
  }
  if (meta.valueKind !== 'none' && !meta.hasLabel) {
    const cols = meta.valueKind === 'rows' || meta.valueKind === 'matrix' ? (meta.valueCols ?? 1) : 1;
    const count = meta.valueKind === 'scalar' ? 1 : data.length;
    const flat = new Float64Array(count * cols);
    for (let i = 0; i < count; i++) {
      let v = data[i].value;
      if (namespace === 'pitch_contour' && v && typeof v === 'object')
        v = (v as { frequency?: unknown }).frequency;
      const row = Array.isArray(v) ? v : [v];
      for (let j = 0; j < cols; j++) flat[i * cols + j] = numberOf(row[j]);
    }
    out.value = buildValue(meta.valueKind, meta.valueType, count, cols, flat);
  }
  return resultOf(meta, out);
}

/** Reads a JAMS file written here (its text already read): the annotations that carry TimeSide metadata. */
export function readJams(text: string, file: string): AnalyzerResult[] {
  let doc: { annotations?: unknown };
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw readError(file, `not JSON, or cut short (${(error as Error).message})`, error);
  }
  if (!doc || !Array.isArray(doc.annotations))
    throw readError(file, 'not a JAMS file (no "annotations" list)');
  const results: AnalyzerResult[] = [];
  doc.annotations.forEach(
    (a: { namespace?: unknown; data?: unknown; sandbox?: { timeside?: unknown } }, i) => {
      if (!a?.sandbox?.timeside) return;
      if (!Array.isArray(a.data))
        throw readError(file, `annotation ${i}: "data" is not a list of observations`);
      try {
        const meta = checkMeta(a.sandbox.timeside, file, `annotation ${i}`);
        results.push(resultOfAnnotation(meta, String(a.namespace), a.data as Observation[], file));
      } catch (error) {
        throw isTimesideError(error)
          ? error
          : readError(file, `annotation ${i}: ${(error as Error).message}`, error);
      }
    },
  );
  if (results.length === 0 && doc.annotations.length > 0) {
    throw readError(file, 'a JAMS file without TimeSide results (no annotation has sandbox.timeside)');
  }
  return results;
}
