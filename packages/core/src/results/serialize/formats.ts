/**
 * The result file formats, their file names and which of them read back. Written by
 * `ResultContainer#toFile` and `timeside run --results`; the serializers themselves are loaded
 * only when a format is used (h5wasm's WebAssembly is 4 MB).
 */
import { basename, dirname, join } from 'node:path';
import { resultError } from '../../errors/index.js';

/** A result file format. */
export type ResultFormat = 'json' | 'yaml' | 'csv' | 'hdf5' | 'eaf' | 'jams' | 'audacity' | 'sv';

/** What a format is and how its files are named. */
export interface ResultFormatInfo {
  id: ResultFormat;
  /** File name endings, the first one written (longest match wins when reading a name). */
  extensions: readonly string[];
  /** One file per result (`<stem>.<result id><ext>`) rather than one file for all. */
  perResult: boolean;
  /** `ResultContainer.fromFile` reads it back. */
  readable: boolean;
  /** Which results it carries. */
  carries: string;
  description: string;
}

/** Every format, in the order `timeside run --results` documents them. */
export const RESULT_FORMATS: readonly ResultFormatInfo[] = [
  {
    id: 'json',
    extensions: ['.json'],
    perResult: false,
    readable: true,
    carries: 'all',
    description: 'lossless JSON (typed arrays tagged with their type, NaN/±Infinity kept)',
  },
  {
    id: 'yaml',
    extensions: ['.yaml', '.yml'],
    perResult: false,
    readable: true,
    carries: 'all',
    description: 'the same document as YAML (.nan, -.inf native)',
  },
  {
    id: 'csv',
    extensions: ['.csv'],
    perResult: true,
    readable: true,
    carries: 'all',
    description: 'one CSV per result, time column first, metadata in # comment lines',
  },
  {
    id: 'hdf5',
    extensions: ['.h5', '.hdf5'],
    perResult: false,
    readable: true,
    carries: 'all',
    description: 'HDF5 (h5wasm): a group per result, datasets for the data, attributes for the metadata',
  },
  {
    id: 'eaf',
    extensions: ['.eaf'],
    perResult: false,
    readable: true,
    carries: 'event and segment results',
    description: 'ELAN annotation document: a tier per event or segment result',
  },
  {
    id: 'jams',
    extensions: ['.jams'],
    perResult: false,
    readable: true,
    carries: 'all',
    description: 'JAMS (JSON Annotated Music Specification): an annotation per result',
  },
  {
    id: 'audacity',
    extensions: ['.txt'],
    perResult: true,
    readable: false,
    carries: 'event and segment results',
    description: 'Audacity label tracks (start, end, text), one per result',
  },
  {
    id: 'sv',
    extensions: ['.sv.csv'],
    perResult: true,
    readable: false,
    carries: 'framewise, event and segment results',
    description: 'Sonic Visualiser CSV layers (time-value, instants, regions), one per result',
  },
];

/** The format with this id; throws E_RESULT naming the known ones. */
export function formatInfo(id: string): ResultFormatInfo {
  const info = RESULT_FORMATS.find((f) => f.id === id);
  if (!info) {
    throw resultError(
      `unknown results format "${id}" (known: ${RESULT_FORMATS.map((f) => f.id).join(', ')})`,
    );
  }
  return info;
}

/** The format a file name says (`.sv.csv` before `.csv`), or undefined. */
export function formatFromPath(path: string): ResultFormat | undefined {
  const name = basename(path).toLowerCase();
  let best: { id: ResultFormat; length: number } | undefined;
  for (const f of RESULT_FORMATS) {
    for (const ext of f.extensions) {
      if (name.endsWith(ext) && name.length > ext.length && (!best || ext.length > best.length)) {
        best = { id: f.id, length: ext.length };
      }
    }
  }
  return best?.id;
}

/** A result id as a file name part: characters outside [A-Za-z0-9._-] become `_`. */
export function safeId(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]/g, '_');
}

/**
 * The file of one result of a per-result format: `out/song.csv` and `pitch.f0` give
 * `out/song.pitch.f0.csv`. The format's extension is taken off `path` when it has it.
 */
export function perResultPath(path: string, format: ResultFormat, id: string): string {
  const info = formatInfo(format);
  const name = basename(path);
  const ext = info.extensions.find((e) => name.toLowerCase().endsWith(e)) ?? info.extensions[0];
  const stem = name.toLowerCase().endsWith(ext) ? name.slice(0, name.length - ext.length) : name;
  return join(dirname(path), `${stem}.${safeId(id)}${ext}`);
}
