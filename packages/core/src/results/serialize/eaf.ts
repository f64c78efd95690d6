/**
 * ELAN annotation documents (EAF 3.0) through fast-xml-parser: one time-alignable tier per event
 * or segment result, annotations on time slots in milliseconds (ELAN's unit), the media file in
 * the header. Each tier's result metadata rides in a header `PROPERTY` (`timeside:result`, JSON),
 * which ELAN keeps when it saves, so a document read back is the results again (times to the
 * millisecond). A tier without it (one made in ELAN) reads back as a segment result with labels.
 *
 * Structure after the EAF 3.0 schema (EAFv3.0.xsd): ANNOTATION_DOCUMENT > HEADER (MEDIA_DESCRIPTOR,
 * PROPERTY) > TIME_ORDER > TIME_SLOT, TIER > ANNOTATION > ALIGNABLE_ANNOTATION > ANNOTATION_VALUE,
 * then the LINGUISTIC_TYPE the tiers name.
 */
import { dirname, extname, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';
import type { AnalyzerResult } from '../result.js';
import { writeFileAtomic } from './atomic.js';
import {
  buildValue,
  checkMeta,
  formatNumber,
  isSingle,
  labelReader,
  labelsAmbiguous,
  labelText,
  metaOf,
  parseNumber,
  type ResultMeta,
  readError,
  resultOf,
  valueCell,
  valueShape,
} from './shape.js';

/** The linguistic type of every tier written here. */
const LINGUISTIC_TYPE = 'timeside-result';
/** The header property holding one tier's result metadata. */
const META_PROPERTY = 'timeside:result';
/**
 * Length of an event's annotation (ms): ELAN annotations are intervals, and tools such as pympi
 * refuse empty ones, so an event lasts 1 ms (less when the next event is closer).
 */
const EVENT_MS = 1;

const MIME: Record<string, string> = {
  '.wav': 'audio/x-wav',
  '.mp3': 'audio/mpeg',
  '.ogg': 'audio/ogg',
  '.flac': 'audio/flac',
  '.m4a': 'audio/mp4',
  '.mp4': 'video/mp4',
  '.mpg': 'video/mpeg',
};

/** True for the results a tier can show. */
export function isTierResult(r: AnalyzerResult): boolean {
  return (r.timeMode === 'event' || r.timeMode === 'segment') && r.time !== undefined;
}

function mediaDescriptor(uri: string, eafPath: string): Record<string, string> {
  const isUrl = /^[a-z][a-z0-9+.-]*:/i.test(uri) && !/^[a-z]:[\\/]/i.test(uri);
  let local: string | undefined;
  try {
    local = isUrl ? (uri.startsWith('file:') ? fileURLToPath(uri) : undefined) : resolve(uri);
  } catch {
    // A malformed file: URL is written as it is.
  }
  const out: Record<string, string> = {
    '@_MEDIA_URL': local ? pathToFileURL(local).href : uri,
    '@_MIME_TYPE': MIME[extname(local ?? uri).toLowerCase()] ?? 'audio/*',
  };
  if (local) out['@_RELATIVE_MEDIA_URL'] = `./${relative(dirname(resolve(eafPath)), local)}`;
  return out;
}

/** Characters XML 1.0 cannot hold (controls, lone surrogates, U+FFFE/FFFF) become U+FFFD. */
function xmlSafe(text: string): string {
  return text.replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '\uFFFD');
}

/** The text of an annotation: the label's name, the value's numbers, or the result's name. */
function annotationText(r: AnalyzerResult, shape: ReturnType<typeof valueShape>, i: number): string {
  if (r.label) return xmlSafe(labelText(r, r.label[i]));
  if (shape.kind === 'none') return xmlSafe(r.name);
  const cols = shape.kind === 'rows' || shape.kind === 'matrix' ? shape.cols : 1;
  const row = shape.kind === 'scalar' ? 0 : i;
  return Array.from({ length: cols }, (_, j) =>
    formatNumber(valueCell(r.value, shape, row, j), isSingle(shape)),
  ).join(' ');
}

/** The EAF document of the event and segment results among `results`. */
export function eafOf(results: readonly AnalyzerResult[], path: string, date = new Date()): string {
  const tiers = results.filter(isTierResult);
  const slots: { ms: number; order: number }[] = [];
  const slot = (ms: number) => {
    slots.push({ ms, order: slots.length });
    return slots.length - 1;
  };
  const pending = tiers.map((r) => {
    const shape = valueShape(r.value, r.id);
    const time = r.time as Float64Array;
    const annotations = Array.from(time, (t, i) => {
      const start = Math.max(0, Math.round(t * 1000));
      let end: number;
      if (r.timeMode === 'segment' && r.duration)
        end = Math.max(start, Math.round((t + r.duration[i]) * 1000));
      else {
        const next = i + 1 < time.length ? Math.round(time[i + 1] * 1000) : Number.POSITIVE_INFINITY;
        end = start + (next > start ? Math.min(EVENT_MS, next - start) : EVENT_MS);
      }
      return { from: slot(start), to: slot(end), text: annotationText(r, shape, i) };
    });
    const meta = metaOf(r, shape);
    if (labelsAmbiguous(r, xmlSafe)) meta.labels = [...(r.label ?? [])];
    return { r, meta, annotations };
  });
  // Slot ids in time order, as ELAN writes them.
  const sorted = [...slots].sort((a, b) => a.ms - b.ms || a.order - b.order);
  const slotId = new Array<string>(slots.length);
  sorted.forEach((s, k) => {
    slotId[s.order] = `ts${k + 1}`;
  });
  let annotationCount = 0;
  const tierNodes = pending.map(({ r, annotations }) => ({
    '@_TIER_ID': r.id,
    '@_LINGUISTIC_TYPE_REF': LINGUISTIC_TYPE,
    ANNOTATION: annotations.map((a) => ({
      ALIGNABLE_ANNOTATION: {
        '@_ANNOTATION_ID': `a${++annotationCount}`,
        '@_TIME_SLOT_REF1': slotId[a.from],
        '@_TIME_SLOT_REF2': slotId[a.to],
        ANNOTATION_VALUE: a.text,
      },
    })),
  }));
  const uris = [...new Set(tiers.map((r) => r.audio.uri).filter((u) => u))];
  const doc = {
    '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' },
    ANNOTATION_DOCUMENT: {
      '@_AUTHOR': 'TimeSide-TS',
      '@_DATE': date.toISOString(),
      '@_FORMAT': '3.0',
      '@_VERSION': '3.0',
      '@_xmlns:xsi': 'http://www.w3.org/2001/XMLSchema-instance',
      '@_xsi:noNamespaceSchemaLocation': 'http://www.mpi.nl/tools/elan/EAFv3.0.xsd',
      HEADER: {
        '@_MEDIA_FILE': '',
        '@_TIME_UNITS': 'milliseconds',
        MEDIA_DESCRIPTOR: uris.map((u) => mediaDescriptor(u, path)),
        PROPERTY: [
          { '@_NAME': 'lastUsedAnnotationId', '#text': String(annotationCount) },
          ...pending.map(({ meta }) => ({ '@_NAME': META_PROPERTY, '#text': JSON.stringify(meta) })),
        ],
      },
      TIME_ORDER: {
        TIME_SLOT: sorted.map((s) => ({ '@_TIME_SLOT_ID': slotId[s.order], '@_TIME_VALUE': String(s.ms) })),
      },
      TIER: tierNodes,
      LINGUISTIC_TYPE: {
        '@_GRAPHIC_REFERENCES': 'false',
        '@_LINGUISTIC_TYPE_ID': LINGUISTIC_TYPE,
        '@_TIME_ALIGNABLE': 'true',
      },
    },
  };
  const builder = new XMLBuilder({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    format: true,
    indentBy: '    ',
    suppressEmptyNode: true,
    suppressBooleanAttributes: false,
  });
  return builder.build(doc);
}

/** Writes the event and segment results to `path` as an ELAN document. */
export function writeEaf(results: readonly AnalyzerResult[], path: string): string[] {
  writeFileAtomic(path, eafOf(results, path));
  return [path];
}

type Node = Record<string, unknown>;

const ARRAYS = new Set([
  'TIME_SLOT',
  'TIER',
  'ANNOTATION',
  'PROPERTY',
  'MEDIA_DESCRIPTOR',
  'LINGUISTIC_TYPE',
]);

/** Parses an EAF text to its element tree after checking it is well-formed XML. */
export function parseEaf(text: string, file: string): Node {
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    throw readError(file, `not well-formed XML, or cut short (line ${valid.err.line}: ${valid.err.msg})`);
  }
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    parseTagValue: false,
    parseAttributeValue: false,
    // Label names are compared as written: keep their spaces.
    trimValues: false,
    isArray: (name) => ARRAYS.has(name),
  });
  const tree = parser.parse(text) as Node;
  const root = tree.ANNOTATION_DOCUMENT as Node | undefined;
  if (!root || typeof root !== 'object')
    throw readError(file, 'XML, but not an ELAN document (no ANNOTATION_DOCUMENT)');
  return root;
}

function textOf(node: unknown): string {
  if (node === undefined || node === null) return '';
  if (typeof node === 'object') return String((node as Node)['#text'] ?? '');
  return String(node);
}

/** Reads an ELAN document (its text already read): its time-aligned tiers as results. */
export function readEaf(text: string, file: string): AnalyzerResult[] {
  const root = parseEaf(text, file);
  const header = (root.HEADER ?? {}) as Node;
  const metas = new Map<string, ResultMeta>();
  for (const p of (header.PROPERTY ?? []) as Node[]) {
    if (p['@_NAME'] !== META_PROPERTY) continue;
    let meta: ResultMeta;
    try {
      meta = checkMeta(JSON.parse(textOf(p)), file, `property ${META_PROPERTY}`);
    } catch (error) {
      throw readError(file, `a ${META_PROPERTY} property is not result metadata`, error);
    }
    metas.set(meta.id, meta);
  }
  const slots = new Map<string, number>();
  for (const s of (((root.TIME_ORDER ?? {}) as Node).TIME_SLOT ?? []) as Node[]) {
    const ms = Number(s['@_TIME_VALUE']);
    if (s['@_TIME_VALUE'] !== undefined && Number.isFinite(ms)) slots.set(String(s['@_TIME_SLOT_ID']), ms);
  }
  const media = ((header.MEDIA_DESCRIPTOR ?? []) as Node[])[0];
  const results: AnalyzerResult[] = [];
  for (const tier of (root.TIER ?? []) as Node[]) {
    const id = String(tier['@_TIER_ID'] ?? '');
    const spans: { start: number; end: number; text: string }[] = [];
    for (const a of (tier.ANNOTATION ?? []) as Node[]) {
      const aligned = a.ALIGNABLE_ANNOTATION as Node | undefined;
      if (!aligned) continue;
      const start = slots.get(String(aligned['@_TIME_SLOT_REF1']));
      const end = slots.get(String(aligned['@_TIME_SLOT_REF2']));
      if (start === undefined || end === undefined) {
        throw readError(
          file,
          `tier "${id}": annotation ${aligned['@_ANNOTATION_ID']} refers to a missing time slot`,
        );
      }
      spans.push({ start: start / 1000, end: end / 1000, text: textOf(aligned.ANNOTATION_VALUE) });
    }
    const meta = metas.get(id);
    results.push(meta ? tierResult(meta, spans, file) : foreignTier(id, spans, media));
  }
  return results;
}

function tierResult(meta: ResultMeta, spans: { start: number; end: number; text: string }[], file: string) {
  if (spans.length !== meta.count) {
    throw readError(file, `tier "${meta.id}" is cut short: ${spans.length} annotations of ${meta.count}`);
  }
  const read = labelReader(meta.labelMetadata, xmlSafe);
  const data: Parameters<typeof resultOf>[1] = {
    time: Float64Array.from(spans, (s) => s.start),
    duration: Float64Array.from(spans, (s) => s.end - s.start),
  };
  if (meta.hasLabel) data.label = meta.labels ?? spans.map((s) => read(s.text));
  if (meta.valueKind !== 'none') {
    const cols = meta.valueKind === 'rows' || meta.valueKind === 'matrix' ? (meta.valueCols ?? 1) : 1;
    const count = meta.valueKind === 'scalar' ? 1 : spans.length;
    const flat = new Float64Array(count * cols);
    for (let i = 0; i < count; i++) {
      const parts = spans[i].text.split(/\s+/);
      for (let j = 0; j < cols; j++) {
        const v = parseNumber(parts[j] ?? '');
        if (v === undefined)
          throw readError(
            file,
            `tier "${meta.id}", annotation ${i + 1}: "${spans[i].text}" is not its value`,
          );
        flat[i * cols + j] = v;
      }
    }
    data.value = buildValue(meta.valueKind, meta.valueType, count, cols, flat);
  }
  if (!meta.hasDuration) delete data.duration;
  return resultOf(meta, data);
}

/** A tier made in ELAN: a segment result whose labels are the annotation texts. */
function foreignTier(
  id: string,
  spans: { start: number; end: number; text: string }[],
  media?: Node,
): AnalyzerResult {
  const names: string[] = [];
  const label = spans.map((s) => {
    let k = names.indexOf(s.text);
    if (k < 0) k = names.push(s.text) - 1;
    return k;
  });
  return {
    id,
    name: id,
    unit: '',
    description: 'an ELAN tier',
    processor: { id: 'elan', version: '', params: {} },
    audio: {
      uri: media ? String(media['@_MEDIA_URL'] ?? '') : '',
      start: 0,
      duration: spans.reduce((m, s) => Math.max(m, s.end), 0),
      sampleRate: 0,
      channels: 0,
    },
    timeMode: 'segment',
    dataMode: 'label',
    time: Float64Array.from(spans, (s) => s.start),
    duration: Float64Array.from(spans, (s) => s.end - s.start),
    label,
    labelMetadata: Object.fromEntries(names.map((n, k) => [k, n])),
  };
}
