/**
 * Writing and reading results files in every format (`ResultContainer#toFile` / `fromFile`).
 * Each format's module, and the library behind it, is imported on first use, so importing core
 * costs nothing for formats a program never writes.
 */
import { readFileSync } from 'node:fs';
import { ioError, isTimesideError, resultError } from '../../errors/index.js';
import type { AnalyzerResult } from '../result.js';
import { writeFilesAtomic } from './atomic.js';
import { formatFromPath, formatInfo, perResultPath, RESULT_FORMATS, type ResultFormat } from './formats.js';
import { readError } from './shape.js';

/** The format of `path`: the one given, else the one its name says; throws E_RESULT when neither. */
export function resolveFormat(path: string, format?: ResultFormat | string): ResultFormat {
  if (format !== undefined) return formatInfo(format).id;
  const found = formatFromPath(path);
  if (!found) {
    const names = RESULT_FORMATS.map((f) => `${f.extensions.join('/')} (${f.id})`).join(', ');
    throw resultError(
      `cannot tell the results format of ${path} from its name: use ${names}, or give the format`,
      path,
    );
  }
  return found;
}

/** The files of a per-result format, one per result that `keep` accepts, named so none collide. */
function perResultFiles(
  results: readonly AnalyzerResult[],
  path: string,
  format: ResultFormat,
  keep: (r: AnalyzerResult) => boolean,
  text: (r: AnalyzerResult) => string,
): { path: string; data: string }[] {
  const used = new Set<string>();
  return results.filter(keep).map((r) => {
    let p = perResultPath(path, format, r.id);
    for (let k = 2; used.has(p); k++) p = perResultPath(path, format, `${r.id}-${k}`);
    used.add(p);
    return { path: p, data: text(r) };
  });
}

/**
 * Writes results to `path` in `format` (default: from the name) and resolves with the files
 * written. Per-result formats (csv, audacity, sv) write `<stem>.<result id><ext>` beside `path`.
 * Every file is written under a temporary name and renamed when complete: on failure none remains.
 */
export async function writeResults(
  results: readonly AnalyzerResult[],
  path: string,
  format?: ResultFormat | string,
): Promise<string[]> {
  const id = resolveFormat(path, format);
  switch (id) {
    case 'json':
      return (await import('./json.js')).writeJson(results, path);
    case 'yaml':
      return (await import('./yaml.js')).writeYaml(results, path);
    case 'hdf5':
      return (await import('./hdf5.js')).writeHdf5(results, path);
    case 'eaf':
      return (await import('./eaf.js')).writeEaf(results, path);
    case 'jams':
      return (await import('./jams.js')).writeJams(results, path);
    case 'csv': {
      const { csvOf } = await import('./csv.js');
      return writeFilesAtomic(
        path,
        perResultFiles(results, path, id, () => true, csvOf),
      );
    }
    case 'audacity': {
      const { isLabelTrackResult, labelTrackOf } = await import('./audacity.js');
      return writeFilesAtomic(path, perResultFiles(results, path, id, isLabelTrackResult, labelTrackOf));
    }
    case 'sv': {
      const { isLayerResult, layerOf } = await import('./sv.js');
      return writeFilesAtomic(path, perResultFiles(results, path, id, isLayerResult, layerOf));
    }
  }
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw ioError(path, `cannot read: ${(error as Error).message}`, error);
  }
}

/**
 * Reads a results file in `format` (default: from the name). A CSV file holds one result.
 * Throws one TimesideError naming the file: E_IO when it cannot be read, E_RESULT when it is not
 * a results file of that format, or is cut short.
 */
export async function readResults(path: string, format?: ResultFormat | string): Promise<AnalyzerResult[]> {
  const id = resolveFormat(path, format);
  const info = formatInfo(id);
  if (!info.readable) {
    throw readError(
      path,
      `${id} files (${info.description}) carry no metadata and are not read back; read the json, yaml or hdf5 file written beside it`,
    );
  }
  try {
    return await readFormat(path, id);
  } catch (error) {
    // Whatever a reader met in a file, the caller gets one error that names it.
    if (isTimesideError(error) && error.file === path) throw error;
    throw readError(path, isTimesideError(error) ? error.message : `unreadable (${String(error)})`, error);
  }
}

async function readFormat(path: string, id: ResultFormat): Promise<AnalyzerResult[]> {
  switch (id) {
    case 'json':
      return (await import('./json.js')).readJson(readText(path), path);
    case 'yaml':
      return (await import('./yaml.js')).readYaml(readText(path), path);
    case 'csv':
      return (await import('./csv.js')).readCsv(readText(path), path);
    case 'hdf5':
      return (await import('./hdf5.js')).readHdf5(path);
    case 'eaf':
      return (await import('./eaf.js')).readEaf(readText(path), path);
    default:
      return (await import('./jams.js')).readJams(readText(path), path);
  }
}

export { isTempNameOf, tempNameFor, writeFileAtomic } from './atomic.js';
export {
  formatFromPath,
  formatInfo,
  perResultPath,
  RESULT_FORMATS,
  type ResultFormat,
  type ResultFormatInfo,
} from './formats.js';
