import { readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { cosmiconfig, defaultLoaders, type Loader, type Loaders } from 'cosmiconfig';
import { configError, isTimesideError, type TimesideError } from '../errors/index.js';
import { isRacy } from './manifest-cache.js';

/** Default parameters by processor id: `{ level: { blockSize: 2048 } }`. */
export type ProcessorParamsConfig = Record<string, Record<string, unknown>>;

/** A named set of processors and parameters, run with `timeside run --preset NAME`. */
export interface PresetConfig {
  /** What the preset is for (shown by the CLI). */
  description?: string;
  /** Processor ids of the fx chain, in order. */
  fx?: string[];
  /** Analyzer ids. */
  analyzers?: string[];
  /** Grapher ids. */
  graphers?: string[];
  /** Encoder ids. */
  encoders?: string[];
  /** Parameters by processor id; they override the config's top-level `params`. */
  params?: ProcessorParamsConfig;
}

/**
 * The TimeSide configuration, found by cosmiconfig: `timeside.config.{js,mjs,cjs,ts,json,yaml,yml}`,
 * `.timesiderc` (YAML or JSON), `.timesiderc.{json,yaml,yml,js,mjs,cjs,ts}`, `.config/timesiderc*`,
 * or the `"timeside"` key of package.json.
 */
export interface TimesideConfig {
  /**
   * Load `plugins` given as paths that lead outside the project — the directory of the config —
   * once symlinks are followed (default: false: such a path is refused and reported). Installed
   * packages named by their package name are always allowed.
   */
  allowExternalPlugins?: boolean;
  /** Plugins to load besides (or, with `discover: false`, instead of) discovered ones: package names or paths. */
  plugins?: string[];
  /** Scan node_modules for plugins (default: true). */
  discover?: boolean;
  /** Default parameters by processor id. */
  params?: ProcessorParamsConfig;
  /** Named presets. */
  presets?: Record<string, PresetConfig>;
  /** Which package provides a processor id claimed by several plugins: `{ level: 'my-plugin' }`. */
  prefer?: Record<string, string>;
}

/** A loaded configuration and where it came from. */
export interface LoadedConfig {
  config: TimesideConfig;
  /** The file it was read from; undefined when none was found (the config is then `{}`). */
  filepath?: string;
  /** The directory relative `plugins` paths resolve against: the config file's (the one holding `.config/`), else `cwd`. */
  dir: string;
}

export interface LoadConfigOptions {
  /** Where the search starts (default: `process.cwd()`); it goes up to the nearest package.json. */
  cwd?: string;
  /** Load this file instead of searching. */
  file?: string;
}

const MODULE_NAME = 'timeside';

/** Where cosmiconfig looks, in each directory from `cwd` up to the project root. */
export const CONFIG_SEARCH_PLACES: readonly string[] = [
  'package.json',
  `.${MODULE_NAME}rc`,
  ...['json', 'yaml', 'yml', 'js', 'mjs', 'cjs', 'ts'].map((ext) => `.${MODULE_NAME}rc.${ext}`),
  `.config/${MODULE_NAME}rc`,
  ...['json', 'yaml', 'yml', 'js', 'mjs', 'cjs', 'ts'].map((ext) => `.config/${MODULE_NAME}rc.${ext}`),
  ...['js', 'mjs', 'cjs', 'ts', 'json', 'yaml', 'yml'].map((ext) => `${MODULE_NAME}.config.${ext}`),
];

const TOP_KEYS = ['allowExternalPlugins', 'discover', 'params', 'plugins', 'prefer', 'presets'] as const;
const PRESET_KEYS = ['analyzers', 'description', 'encoders', 'fx', 'graphers', 'params'] as const;

/** Types a config file written in TypeScript or checked JavaScript: `export default defineConfig({...})`. */
export function defineConfig(config: TimesideConfig): TimesideConfig {
  return config;
}

/** Makes each cosmiconfig loader fail with an E_CONFIG error naming the file. */
function wrapLoaders(): Loaders {
  const wrapped: Loaders = {};
  for (const [ext, loader] of Object.entries(defaultLoaders)) {
    wrapped[ext] = (async (filepath: string, content: string) => {
      try {
        return await (loader as Loader)(filepath, content);
      } catch (error) {
        throw loadFailure(filepath, error);
      }
    }) as Loader;
  }
  return wrapped;
}

function loadFailure(filepath: string, error: unknown): TimesideError {
  if (isTimesideError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  const missingTypescript =
    /\.[cm]?ts$/.test(filepath) &&
    (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') &&
    /typescript/.test(message);
  if (missingTypescript) {
    return configError(
      filepath,
      'a TypeScript config needs the "typescript" package, which is not installed: ' +
        'run `npm install --save-dev typescript`, or rename the file to timeside.config.mjs (plain JavaScript)',
      error,
    );
  }
  // Loaders put the path in their own message ("JSON Error in /x/.timesiderc: ..."): keep only the reason.
  const reason = message.replace(/^(JSON|YAML|TypeScript) Error in [^\n]*:\n/, '');
  return configError(filepath, `cannot be read: ${reason.trim()}`, error);
}

/**
 * Finds and loads the TimeSide config with cosmiconfig, from `cwd` up to the nearest directory
 * holding a package.json, and validates it. Resolves `{ config: {} }` when there is none; a
 * config that cannot be read or is invalid throws a TimesideError (E_CONFIG) naming the file and
 * the key. A search repeated in the same process is answered from memory while none of the paths
 * it looked at was created, changed or deleted (one stat each).
 */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const cwd = resolve(options.cwd ?? process.cwd());
  if (options.file) return searchOrLoad(cwd, options.file);
  // Taken before the search: a file that changes during it differs from this snapshot next time.
  const startedAt = Date.now();
  const stamps = searchStamps(cwd);
  const cached = searches.get(cwd);
  if (cached && sameStamps(cached.stamps, stamps)) {
    configSearchStats.hits++;
    return copyLoaded(cached.loaded);
  }
  searches.delete(cwd);
  configSearchStats.searches++;
  const loaded = await searchOrLoad(cwd);
  if (isCacheable(loaded, stamps, startedAt)) searches.set(cwd, { stamps, loaded: copyLoaded(loaded) });
  return loaded;
}

/**
 * Searches already done in this process, by start directory, with the stamps of every path the
 * search looked at (each search place in each directory, and the package.json/package.yaml that
 * end the walk). cosmiconfig's own cache never notices a created, changed or deleted file; this
 * one is used only while every stamp is unchanged, which costs one stat per path instead of
 * cosmiconfig's reads.
 */
const searches = new Map<string, { stamps: Map<string, string>; loaded: LoadedConfig }>();

/** Config searches of this process: done with cosmiconfig, and answered from memory. @internal (tests) */
export const configSearchStats = { searches: 0, hits: 0 };

/** Forgets the config searches of this process. @internal (tests) */
export function clearConfigCache(): void {
  searches.clear();
  configSearchStats.searches = 0;
  configSearchStats.hits = 0;
}

/** Absent, or the kind, inode, size, mtime and ctime of `path` (a directory: its kind only). */
function stamp(path: string): string {
  try {
    const s = statSync(path, { throwIfNoEntry: false });
    if (!s) return '-';
    // A directory's times change with its entries; the search only cares that it is one.
    if (s.isDirectory()) return 'd';
    return `${s.isFile() ? 'f' : 'o'}:${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`;
  } catch (error) {
    return `!${(error as NodeJS.ErrnoException).code}`; // ENOTDIR, EACCES…
  }
}

/** Stamps of what a 'project' search from `cwd` reads, walking up as cosmiconfig does. */
function searchStamps(cwd: string): Map<string, string> {
  const stamps = new Map<string, string>();
  let dir = cwd;
  for (;;) {
    stamps.set(dir, stamp(dir));
    for (const place of CONFIG_SEARCH_PLACES) {
      const path = join(dir, place);
      stamps.set(path, stamp(path));
    }
    const yamlPackage = join(dir, 'package.yaml');
    stamps.set(yamlPackage, stamp(yamlPackage));
    // cosmiconfig stops at the first directory holding a package.json or package.yaml (of any kind).
    if (stamps.get(join(dir, 'package.json')) !== '-' || stamps.get(yamlPackage) !== '-') return stamps;
    const parent = dirname(dir);
    if (parent === dir) return stamps;
    dir = parent;
  }
}

function sameStamps(a: Map<string, string>, b: Map<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [path, s] of a) if (b.get(path) !== s) return false;
  return true;
}

/**
 * Whether a search's result may be reused while its stamps hold: not when the file found pulls in
 * others (`$import`, which cosmiconfig merges), nor when a file it looked at changed so recently
 * that a further change could keep the same timestamp.
 */
function isCacheable(loaded: LoadedConfig, stamps: Map<string, string>, startedAt: number): boolean {
  if (loaded.filepath !== undefined) {
    if (!stamps.has(loaded.filepath)) return false;
    try {
      if (readFileSync(loaded.filepath, 'utf8').includes('$import')) return false;
    } catch {
      return false;
    }
  }
  for (const s of stamps.values()) {
    if (!s.startsWith('f:') && !s.startsWith('o:')) continue;
    const [, , , m, c] = s.split(':');
    if (isRacy(Math.max(Number(m), Number(c)), startedAt)) return false;
  }
  return true;
}

/** A copy, so that a caller changing its config does not change the cached one. */
function copyLoaded(loaded: LoadedConfig): LoadedConfig {
  return { ...loaded, config: structuredClone(loaded.config) };
}

async function searchOrLoad(cwd: string, file?: string): Promise<LoadedConfig> {
  const explorer = cosmiconfig(MODULE_NAME, {
    searchPlaces: [...CONFIG_SEARCH_PLACES],
    searchStrategy: 'project',
    loaders: wrapLoaders(),
    cache: false,
  });
  let found: Awaited<ReturnType<typeof explorer.search>>;
  try {
    found = file ? await explorer.load(resolve(cwd, file)) : await explorer.search(cwd);
  } catch (error) {
    if (isTimesideError(error)) throw error;
    throw configError(
      file ? resolve(cwd, file) : undefined,
      `cannot be loaded: ${error instanceof Error ? error.message : String(error)}`,
      error,
    );
  }
  if (!found) return { config: {}, dir: cwd };
  const { filepath } = found;
  const prefix = basename(filepath) === 'package.json' ? `${MODULE_NAME}.` : '';
  const config = found.isEmpty || found.config == null ? {} : validateConfig(found.config, filepath, prefix);
  // A config under .config/ belongs to the directory holding .config/: paths resolve from there.
  const dir = basename(dirname(filepath)) === '.config' ? dirname(dirname(filepath)) : dirname(filepath);
  return { config, filepath, dir };
}

type Fail = (key: string, reason: string) => TimesideError;

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return JSON.stringify(value) ?? String(value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function unknownKey(fail: Fail, key: string, known: readonly string[]): TimesideError {
  return fail(key, `is not a known key (known: ${known.join(', ')})`);
}

function checkIdList(fail: Fail, key: string, value: unknown, items: string, item: string): string[] {
  if (!Array.isArray(value)) throw fail(key, `must be a list of ${items}, got ${describe(value)}`);
  return value.map((entry, i) => {
    if (typeof entry !== 'string' || entry.trim() === '') {
      throw fail(`${key}[${i}]`, `must be ${item} (a non-empty string), got ${describe(entry)}`);
    }
    return entry;
  });
}

function isParamValue(value: unknown): boolean {
  if (value === null || ['number', 'string', 'boolean'].includes(typeof value)) return true;
  return Array.isArray(value) && value.every((v) => typeof v === 'number' || typeof v === 'string');
}

function checkParams(fail: Fail, key: string, value: unknown): ProcessorParamsConfig {
  if (!isPlainObject(value)) {
    throw fail(
      key,
      `must map processor ids to parameters, like { "level": { "blockSize": 2048 } }; got ${describe(value)}`,
    );
  }
  const out: ProcessorParamsConfig = {};
  for (const [id, params] of Object.entries(value)) {
    if (!isPlainObject(params))
      throw fail(`${key}.${id}`, `must be an object of parameters, got ${describe(params)}`);
    for (const [name, v] of Object.entries(params)) {
      if (!isParamValue(v)) {
        throw fail(
          `${key}.${id}.${name}`,
          `must be a number, string, boolean, null or a list of them, got ${describe(v)}`,
        );
      }
    }
    out[id] = { ...params };
  }
  return out;
}

/**
 * Validates a raw config object (as a config file exports it). Throws E_CONFIG naming `file` and
 * the offending key (`presets.fast.analyzers[1]`); `keyPrefix` is `timeside.` for package.json.
 */
export function validateConfig(raw: unknown, file?: string, keyPrefix = ''): TimesideConfig {
  const fail: Fail = (key, reason) => configError(file, `"${keyPrefix}${key}" ${reason}`);
  if (!isPlainObject(raw)) {
    throw configError(
      file,
      `${keyPrefix ? `"${keyPrefix.slice(0, -1)}" ` : ''}must be an object, got ${describe(raw)}`,
    );
  }
  const config: TimesideConfig = {};
  for (const [key, value] of Object.entries(raw)) {
    if (key === '$schema') continue;
    switch (key) {
      case 'plugins':
        config.plugins = checkIdList(fail, key, value, 'package names or paths', 'a package name or a path');
        break;
      case 'allowExternalPlugins':
      case 'discover':
        if (typeof value !== 'boolean') throw fail(key, `must be true or false, got ${describe(value)}`);
        config[key] = value;
        break;
      case 'params':
        config.params = checkParams(fail, key, value);
        break;
      case 'prefer': {
        if (!isPlainObject(value)) {
          throw fail(
            key,
            `must map processor ids to package names, like { "level": "my-plugin" }; got ${describe(value)}`,
          );
        }
        const prefer: Record<string, string> = {};
        for (const [id, pkg] of Object.entries(value)) {
          if (typeof pkg !== 'string' || pkg === '') {
            throw fail(`${key}.${id}`, `must be a package name, got ${describe(pkg)}`);
          }
          prefer[id] = pkg;
        }
        config.prefer = prefer;
        break;
      }
      case 'presets': {
        if (!isPlainObject(value))
          throw fail(key, `must map preset names to presets, got ${describe(value)}`);
        const presets: Record<string, PresetConfig> = {};
        for (const [name, preset] of Object.entries(value)) {
          presets[name] = checkPreset(fail, `${key}.${name}`, preset);
        }
        config.presets = presets;
        break;
      }
      default:
        throw unknownKey(fail, key, TOP_KEYS);
    }
  }
  return config;
}

function checkPreset(fail: Fail, key: string, value: unknown): PresetConfig {
  if (!isPlainObject(value)) {
    throw fail(
      key,
      `must be an object like { "analyzers": ["level"], "params": {} }, got ${describe(value)}`,
    );
  }
  const preset: PresetConfig = {};
  for (const [k, v] of Object.entries(value)) {
    switch (k) {
      case 'description':
        if (typeof v !== 'string') throw fail(`${key}.${k}`, `must be a string, got ${describe(v)}`);
        preset.description = v;
        break;
      case 'fx':
      case 'analyzers':
      case 'graphers':
      case 'encoders':
        preset[k] = checkIdList(fail, `${key}.${k}`, v, 'processor ids', 'a processor id');
        break;
      case 'params':
        preset.params = checkParams(fail, `${key}.${k}`, v);
        break;
      default:
        throw unknownKey(fail, `${key}.${k}`, PRESET_KEYS);
    }
  }
  return preset;
}

/**
 * The preset `name` of a config; throws E_CONFIG listing the known presets when there is none.
 */
export function resolvePreset(loaded: LoadedConfig, name: string): PresetConfig {
  const presets = loaded.config.presets ?? {};
  const preset = Object.hasOwn(presets, name) ? presets[name] : undefined;
  if (!preset) {
    const known = Object.keys(presets);
    throw configError(
      loaded.filepath,
      `there is no preset "${name}"${known.length ? ` (known: ${known.join(', ')})` : '; the config defines no "presets"'}`,
    );
  }
  return preset;
}

/**
 * Parameters for processor `id`: the config's `params[id]`, then the preset's `params[id]`, then
 * `given` (the user's own, e.g. from the command line), each overriding the one before.
 */
export function paramsFor(
  config: TimesideConfig,
  id: string,
  preset?: PresetConfig,
  given: Record<string, unknown> = {},
): Record<string, unknown> {
  return { ...config.params?.[id], ...preset?.params?.[id], ...given };
}
