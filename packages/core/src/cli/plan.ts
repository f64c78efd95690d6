import { join } from 'node:path';
import { usageError } from '../errors/index.js';
import type { Kind, Processor, ProcessorClass } from '../processor/processor.js';
import { type PresetConfig, paramsFor, type TimesideConfig } from '../registry/config.js';
import { getProcessorEntry } from '../registry/registry.js';

/** A processor of a `timeside run`, resolved and with its parameters (before `output` is set). */
export interface PlannedProcessor {
  id: string;
  kind: Kind;
  cls: ProcessorClass;
  params: Record<string, unknown>;
  /** True when it takes an `output` parameter: the CLI names the file it writes. */
  writesFile: boolean;
  /** Extension of the file it writes (its `meta.extension`). */
  extension: string;
}

/** What the command line asks to run. */
export interface RunRequest {
  /** `-x`: fx ids, in chain order (after the preset's). */
  fx?: readonly string[];
  analyzers: readonly string[];
  graphers: readonly string[];
  /**
   * `--images png,svg`: the image formats each grapher writes, one file per format, for the
   * graphers whose `format` parameter offers them (default: the grapher's own format).
   */
  images?: readonly string[];
  encoders: readonly string[];
  /** `-p id.param=value` assignments, as given. */
  assignments: readonly string[];
  config: TimesideConfig;
  preset?: PresetConfig;
  /** The preset's name and the config file it is in: an error in the preset names both. */
  presetName?: string;
  configFile?: string;
}

/** Image formats `--images` accepts. */
export const IMAGE_FORMATS = ['png', 'svg'] as const;

/**
 * The image formats a processor can write: those of its `format` parameter's enum (the graphers
 * of @timeside/plugin-graphers declare `format: png | svg`); empty for any other processor.
 */
export function imageFormatsOf(cls: ProcessorClass): string[] {
  const spec = cls.meta.params.format;
  if (spec?.type !== 'string' || !spec.enum) return [];
  return spec.enum.filter((f) => (IMAGE_FORMATS as readonly string[]).includes(f));
}

const FLAG_OF: Partial<Record<Kind, string>> = { fx: '-x', analyzer: '-a', grapher: '-g', encoder: '-e' };
/** The preset key that lists processors of each kind. */
const PRESET_KEY_OF: Partial<Record<Kind, keyof PresetConfig>> = {
  fx: 'fx',
  analyzer: 'analyzers',
  grapher: 'graphers',
  encoder: 'encoders',
};

/** `an analyzer`, `an fx` (said "eff-ex"), `a grapher`. */
function withArticle(kind: Kind): string {
  return `${/^(?:[aeiou]|fx)/.test(kind) ? 'an' : 'a'} ${kind}`;
}

/** Splits comma-separated id lists (`-a level,pitch -a onsets`) into ids, in order, without duplicates. */
export function splitIds(values: readonly string[]): string[] {
  const ids: string[] = [];
  for (const value of values) {
    for (const id of value.split(',')) {
      const trimmed = id.trim();
      if (trimmed && !ids.includes(trimmed)) ids.push(trimmed);
    }
  }
  return ids;
}

/**
 * Parses `-p id.param=value` assignments into parameters by processor id. Values stay strings:
 * parameter validation converts them to the declared type (numbers, booleans, comma lists).
 */
export function parseAssignments(assignments: readonly string[]): Map<string, Record<string, string>> {
  const byId = new Map<string, Record<string, string>>();
  for (const text of assignments) {
    const m = /^([a-z][a-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(text.trim());
    if (!m) {
      throw usageError(`-p ${text}: expected PROCESSOR.PARAM=VALUE, e.g. -p waveform_simple.width=2048`);
    }
    const [, id, param, value] = m;
    if (param === 'output') {
      throw usageError(`-p ${text}: the output file is named by the CLI (see -o); it cannot be set`);
    }
    const params = byId.get(id) ?? {};
    params[param] = value;
    byId.set(id, params);
  }
  return byId;
}

/**
 * Resolves the processors of a run: the preset's fx, analyzers, graphers and encoders followed by
 * those of -x, -a, -g and -e; each id must exist (E_UNKNOWN_PROCESSOR) and be of the kind of its flag
 * (E_USAGE). Parameters come from the config, then the preset, then -p; every processor is
 * constructed once here so that a bad parameter fails (E_PARAM) before any input is decoded.
 */
export async function planRun(request: RunRequest, outDir: string): Promise<PlannedProcessor[]> {
  const { preset } = request;
  const wanted: { id: string; kind: Kind; fromPreset: boolean }[] = [];
  const add = (ids: readonly string[] | undefined, kind: Kind, fromPreset = false) => {
    for (const id of ids ?? []) if (!wanted.some((w) => w.id === id)) wanted.push({ id, kind, fromPreset });
  };
  add(preset?.fx, 'fx', true);
  add(request.fx, 'fx');
  add(preset?.analyzers, 'analyzer', true);
  add(request.analyzers, 'analyzer');
  add(preset?.graphers, 'grapher', true);
  add(request.graphers, 'grapher');
  add(preset?.encoders, 'encoder', true);
  add(request.encoders, 'encoder');
  if (wanted.length === 0) {
    throw usageError(
      'nothing to run: name processors with -a (analyzers), -g (graphers), -e (encoders) or --preset',
    );
  }
  for (const f of request.images ?? []) {
    if (!(IMAGE_FORMATS as readonly string[]).includes(f)) {
      throw usageError(`--images ${f}: unknown image format (supported: ${IMAGE_FORMATS.join(', ')})`);
    }
  }
  const assignments = parseAssignments(request.assignments);
  for (const id of assignments.keys()) {
    if (!wanted.some((w) => w.id === id)) {
      throw usageError(
        `-p ${id}.…: ${id} is not among the processors to run (${wanted.map((w) => w.id).join(', ')})`,
      );
    }
  }

  const planned: PlannedProcessor[] = [];
  // A mistake in the preset is the config's: say which file and preset, not which flag.
  const inPreset = `${request.configFile ?? 'the config'}: preset "${request.presetName ?? '?'}"`;
  for (const { id, kind, fromPreset } of wanted) {
    const entry = await getProcessorEntry(id).catch((error: unknown) => {
      throw fromPreset ? usageError(`${inPreset}: ${(error as Error).message}`) : error;
    });
    if (entry.kind !== kind) {
      const mismatch = `${id} is ${withArticle(entry.kind)}, not ${withArticle(kind)}`;
      const flag = FLAG_OF[entry.kind];
      const key = PRESET_KEY_OF[entry.kind];
      throw usageError(
        fromPreset
          ? `${inPreset}: ${mismatch}${key ? `: list it under "${key}"` : ', so no preset can list it'}`
          : `${mismatch}${flag ? `: give it with ${flag}` : `, so it cannot be given with ${FLAG_OF[kind]}`}`,
      );
    }
    const meta = entry.processor.meta;
    const writesFile = Object.hasOwn(meta.params, 'output');
    const params = paramsFor(request.config, id, preset, assignments.get(id));
    delete params.output;
    const plannedProcessor: PlannedProcessor = {
      id,
      kind,
      cls: entry.processor,
      params,
      writesFile,
      extension: meta.extension ?? 'out',
    };
    for (const p of withImageFormats(plannedProcessor, request.images)) {
      instantiate(p, join(outDir, `.validate.${id}.${p.extension}`));
      planned.push(p);
    }
  }
  return planned;
}

/**
 * One planned grapher per image format asked for (`--images`), its `format` parameter set and its
 * file named with that extension; without `--images` (or for a grapher with no image format), its
 * own `format` parameter, as set by the config or -p, names the extension. Other processors pass
 * unchanged (an encoder's `format` is a sample format, not a file type).
 */
function withImageFormats(
  planned: PlannedProcessor,
  images: readonly string[] | undefined,
): PlannedProcessor[] {
  if (planned.kind !== 'grapher' || !planned.writesFile) return [planned];
  const offered = imageFormatsOf(planned.cls);
  if (offered.length === 0 || images === undefined || images.length === 0) {
    // A grapher's `format` names the file's extension (png, svg; json, dat for audiowaveform).
    const spec = planned.cls.meta.params.format;
    const formats = spec?.type === 'string' ? (spec.enum ?? []) : [];
    const format = planned.params.format;
    return [
      typeof format === 'string' && formats.includes(format) ? { ...planned, extension: format } : planned,
    ];
  }
  const missing = images.filter((f) => !offered.includes(f));
  if (missing.length > 0) {
    throw usageError(`--images ${missing.join(',')}: ${planned.id} writes ${offered.join(' and ')} only`);
  }
  return images.map((format) => ({ ...planned, params: { ...planned.params, format }, extension: format }));
}

/** A new instance of a planned processor, writing to `output` when it writes a file. */
export function instantiate(planned: PlannedProcessor, output: string): Processor {
  return new planned.cls(planned.writesFile ? { ...planned.params, output } : planned.params);
}
