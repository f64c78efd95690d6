import { statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { pluginError } from '../errors/index.js';
import type { ProcessorClass } from '../processor/processor.js';
import { type LoadedConfig, loadConfig } from './config.js';
import { corePackage } from './host.js';
import { checkManifest } from './manifest.js';
import {
  CACHE_SUBPATH,
  type ListedEntry,
  ManifestCache,
  type PackageInfo,
  safeRealpath,
} from './manifest-cache.js';
import {
  checkProcessorClass,
  markDiscovered,
  type PluginProblem,
  type ProcessorSource,
  pluginProblems,
  registerProcessor,
  reportPluginProblem,
  setDiscoverer,
} from './registry.js';

/** How a plugin was found: in a node_modules directory, listed in the config, or a dependency of core. */
export type PluginOrigin = 'discovery' | 'config' | 'host';

/** One plugin seen by discovery, for `timeside doctor`. */
export interface PluginRecord {
  /** npm package name (or the file name of a plugin listed by path as a bare module). */
  package: string;
  version?: string;
  /** Real path of the package directory (or of the module file). */
  path: string;
  via: PluginOrigin;
  /** Where it was found: the node_modules directory, the config file, or core's package.json. */
  foundIn: string;
  /** Absolute path of the entry module, when the manifest is valid. */
  entry?: string;
  apiVersion?: number;
  /**
   * `loaded`: its entry was imported (see `processors` for what was registered); `failed`: skipped,
   * see `problems`; `shadowed`: another copy of the same package, nearer to the working directory, won.
   */
  status: 'loaded' | 'failed' | 'shadowed';
  /** Processor ids registered from it. */
  processors: string[];
  /** Why it (or some of its processors) was skipped. */
  problems: string[];
}

/** What a discovery run did: for `timeside doctor` and for tests. */
export interface DiscoveryReport {
  cwd: string;
  /** The config file used, if any. */
  configFile?: string;
  /** False when the config says `discover: false` (only its `plugins` are loaded). */
  discover: boolean;
  /** node_modules directories scanned, nearest first. */
  nodeModules: string[];
  /** Packages looked at (every top-level and `@scope/*` entry, the host's dependencies, the config's plugins). */
  packagesSeen: number;
  plugins: PluginRecord[];
  problems: PluginProblem[];
  /** Entries skipped while walking (dangling symlinks, symlink loops, a package.json that is not JSON). */
  skipped: { path: string; reason: string }[];
  cache: {
    /** The persisted cache file, if a node_modules directory holds one. */
    file?: string;
    /** package.json files read during this run. */
    reads: number;
    /** package.json files answered from the cache. */
    hits: number;
    /** Symlinks resolved with a full realpath (the others: one readlink, target unchanged). */
    realpaths: number;
    /** Directories listed with readdir (the others, unchanged since this process listed them: one stat). */
    listed: number;
    written: boolean;
  };
  durationMs: number;
  /** Where the time went (ms): loading the config, walking and reading manifests, importing entries, registering. */
  phases: { config: number; scan: number; import: number; register: number };
}

export interface DiscoverOptions {
  /** Where the search starts (default: `process.cwd()`). */
  cwd?: string;
  /** An already loaded config; by default `loadConfig({ cwd })` finds it. */
  config?: LoadedConfig;
  /** Directory of the host package whose dependencies are candidates (default: @timeside/core's own); false for none. */
  host?: string | false;
  /** Persist the manifest cache under node_modules/.cache/timeside/ (default: true). */
  persistCache?: boolean;
  /** Register the processors found (default: true); false only reports what would load. */
  register?: boolean;
  /** How long an entry may take to import before it is reported and skipped (default: 30 s). */
  importTimeoutMs?: number;
}

const IMPORT_TIMEOUT_MS = 30_000;

interface Candidate {
  name: string;
  /** Real directory of the package, or the module file of a bare-module plugin. */
  path: string;
  info?: PackageInfo;
  via: PluginOrigin;
  foundIn: string;
  /** A module listed by path in the config: imported without a manifest. */
  bareModule?: boolean;
}

interface Loaded {
  record: PluginRecord;
  processors: ProcessorClass[];
}

let lastReport: DiscoveryReport | undefined;
/**
 * Imported entries by path. Node caches ES modules by URL anyway (a module that threw stays
 * failed); keeping the promise spares the loader's resolution on later discoveries.
 */
const entryModules = new Map<string, Promise<Record<string, unknown>>>();
/** Entries whose import has succeeded: a later discovery takes them without a promise or a timer. */
const importedModules = new Map<string, Record<string, unknown>>();

/** The report of the last discovery run (the lazy one of `listProcessors`, or an explicit one). */
export function getDiscoveryReport(): DiscoveryReport | undefined {
  return lastReport;
}

/** node_modules directories Node's resolution would search from `dir`, nearest first. */
export function nodeModulesPaths(dir: string): string[] {
  const out: string[] = [];
  let current = resolve(dir);
  for (;;) {
    if (basename(current) !== 'node_modules') out.push(join(current, 'node_modules'));
    const parent = dirname(current);
    if (parent === current) return out;
    current = parent;
  }
}

function isFirstParty(name: string): boolean {
  return name.startsWith('@timeside/');
}

function isPathSpec(spec: string): boolean {
  return spec.startsWith('.') || isAbsolute(spec);
}

/**
 * Walks one node_modules directory: its top-level and `@scope/*` entries, following symlinks to
 * their real path (pnpm links direct dependencies into its `.pnpm` store; the store itself is not
 * walked). Dot-entries (.bin, .pnpm, .cache) are skipped. Listings come through the cache: an
 * unchanged directory costs one stat.
 */
function scanNodeModules(
  nm: string,
  realNm: string,
  cache: ManifestCache,
  visit: (name: string, realDir: string) => void,
  skipped: DiscoveryReport['skipped'],
): void {
  // Links are resolved through the real parent: a link's cached target stays right when `dir` is
  // reached through a symlink that later points elsewhere (a deploy's `current`).
  const walk = (dir: string, entries: ListedEntry[], scope: string) => {
    for (const { name, real } of entries) {
      if (typeof real !== 'string') {
        // Plain concatenation: names hold no separator, and this loop runs once per installed package.
        skipped.push({ path: dir + sep + name, reason: real.error });
        continue;
      }
      if (!scope && name.startsWith('@')) {
        const inner = cache.list(real);
        if (inner) walk(dir + sep + name, inner, name);
        continue;
      }
      visit(scope ? `${scope}/${name}` : name, real);
    }
  };
  const entries = cache.list(realNm);
  if (entries) walk(nm, entries, '');
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** The directory of installed package `name` as seen from `fromDir` (Node's lookup), or undefined. */
function locatePackage(name: string, fromDir: string): { dir: string; nm: string } | undefined {
  for (const nm of nodeModulesPaths(fromDir)) {
    const dir = join(nm, name);
    try {
      if (statSync(join(dir, 'package.json')).isFile()) {
        const real = safeRealpath(dir);
        if (typeof real === 'string') return { dir: real, nm };
      }
    } catch {
      // not in this node_modules
    }
  }
  return undefined;
}

/** The nearest directory from `cwd` up that holds a package.json (the project), if any. */
function projectDir(cwd: string): string | undefined {
  let dir = cwd;
  for (;;) {
    try {
      if (statSync(join(dir, 'package.json')).isFile()) return dir;
    } catch {
      // keep going up
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * Discovers installed plugins and registers their processors (DESIGN.md §6).
 *
 * Candidates, in order: the config's explicit `plugins` (package names, resolved from the config's
 * directory, or paths to a package or a module); the project's own package (a plugin under
 * development); the top-level and `@scope/*` entries of every node_modules directory from `cwd` up
 * to the filesystem root, as Node's resolution walks them (npm's hoisted tree, pnpm's direct
 * dependencies, workspaces), following symlinks and deduplicated by real path; and the
 * dependencies of the host package (@timeside/core itself), so a globally installed CLI finds the
 * plugins installed beside it. `discover: false` in the config keeps only the explicit plugins.
 *
 * Only package.json files are read (through a cache keyed by path + mtime); an entry is imported
 * only when its manifest is valid and its apiVersion supported. A plugin that fails is reported
 * (`listProcessors({ withErrors: true })`, `timeside doctor`) and skipped; the others still load.
 * When two plugins claim one processor id, the config's `prefer[id]` wins, else a first-party
 * (`@timeside/*`) plugin, else the one found first; the other is reported, naming both packages.
 * Unless `register` is false, the call stands for the lazy discovery of `listProcessors()`,
 * which then does not run.
 */
export async function discoverPlugins(options: DiscoverOptions = {}): Promise<DiscoveryReport> {
  const started = performance.now();
  const cwd = resolve(options.cwd ?? process.cwd());
  const loaded = options.config ?? (await loadConfig({ cwd }));
  const configDone = performance.now();
  const discover = loaded.config.discover !== false;
  const nmDirs = nodeModulesPaths(cwd);
  const firstNm = nmDirs.find(isDirectory);
  const cache = new ManifestCache(
    options.persistCache === false || !firstNm ? undefined : join(firstNm, CACHE_SUBPATH),
  );
  const report: DiscoveryReport = {
    cwd,
    configFile: loaded.filepath,
    discover,
    nodeModules: [],
    packagesSeen: 0,
    plugins: [],
    problems: [],
    skipped: [],
    cache: { file: cache.file, reads: 0, hits: 0, realpaths: 0, listed: 0, written: false },
    durationMs: 0,
    phases: { config: configDone - started, scan: 0, import: 0, register: 0 },
  };
  const problem = (p: PluginProblem, record?: PluginRecord) => {
    report.problems.push(p);
    record?.problems.push(p.reason);
    // A second discovery without resetDiscovery() does not list the same problem twice.
    const known = pluginProblems().some((q) => q.package === p.package && q.reason === p.reason);
    if (options.register !== false && !known) reportPluginProblem(p);
  };

  // 1. Candidates: the config's explicit plugins first, then what is installed.
  const ctx: ScanContext = { cache, report, problem };
  const candidates = configCandidates(loaded, ctx);
  if (discover) candidates.push(...installedCandidates(cwd, nmDirs, options, ctx));

  // 2. Deduplicate: one record per real path; per package name, the first found (nearest) wins.
  const byPath = new Set<string>();
  const byName = new Map<string, PluginRecord>();
  const unique: { candidate: Candidate; record: PluginRecord }[] = [];
  for (const c of candidates) {
    if (byPath.has(c.path)) continue;
    byPath.add(c.path);
    const record: PluginRecord = {
      package: c.name,
      version: c.info?.version,
      path: c.path,
      via: c.via,
      foundIn: c.foundIn,
      status: 'failed',
      processors: [],
      problems: [],
    };
    report.plugins.push(record);
    const first = byName.get(c.name);
    if (first) {
      record.status = 'shadowed';
      record.problems.push(`shadowed by ${first.path} (found first)`);
      continue;
    }
    byName.set(c.name, record);
    unique.push({ candidate: c, record });
  }

  const scanDone = performance.now();
  report.phases.scan = scanDone - configDone;

  // 3. Check manifests, then import entries (in parallel): a failure skips that plugin only.
  const timeoutMs = options.importTimeoutMs ?? IMPORT_TIMEOUT_MS;
  const imported = await Promise.all(
    unique.map(({ candidate, record }) => loadPlugin(candidate, record, problem, timeoutMs)),
  );
  const plugins = imported.filter((p): p is Loaded => p !== undefined);
  const importDone = performance.now();
  report.phases.import = importDone - scanDone;

  // 4. Register, resolving id conflicts.
  if (options.register !== false) registerAll(plugins, loaded, problem);
  else for (const p of plugins) p.record.processors = p.processors.map((cls) => cls.meta.id);

  report.phases.register = performance.now() - importDone;
  report.cache.reads = cache.reads;
  report.cache.hits = cache.hits;
  report.cache.realpaths = cache.linkResolves;
  report.cache.listed = cache.listings;
  report.cache.written = cache.persist();
  report.durationMs = performance.now() - started;
  lastReport = report;
  if (options.register !== false) markDiscovered();
  return report;
}

interface ScanContext {
  cache: ManifestCache;
  report: DiscoveryReport;
  problem: (p: PluginProblem, record?: PluginRecord) => void;
}

/**
 * Why a plugin path of the config may not be loaded, or undefined when it may: a path whose real
 * location (symlinks followed) is outside the project — the config's directory — runs code the
 * project does not hold, so it needs `allowExternalPlugins: true` (docs/plugins.md, "Trust").
 */
function outsideProject(target: string, loaded: LoadedConfig): string | undefined {
  if (loaded.config.allowExternalPlugins === true) return undefined;
  const project = safeRealpath(loaded.dir);
  const root = typeof project === 'string' ? project : resolve(loaded.dir);
  const inside = relative(root, target);
  if (inside === '' || (!inside.startsWith(`..${sep}`) && inside !== '..' && !isAbsolute(inside))) {
    return undefined;
  }
  return (
    `it leads to ${target}, outside the project (${root}): refused, as code outside the project is not ` +
    'loaded unless the config says "allowExternalPlugins": true'
  );
}

/** The config's `plugins`: package names resolved from the config's directory, or paths. */
function configCandidates(loaded: LoadedConfig, { cache, report, problem }: ScanContext): Candidate[] {
  const candidates: Candidate[] = [];
  const configFile = loaded.filepath ?? join(loaded.dir, '(config)');
  for (const spec of loaded.config.plugins ?? []) {
    report.packagesSeen++;
    if (isPathSpec(spec)) {
      const target = safeRealpath(resolve(loaded.dir, spec));
      if (typeof target !== 'string') {
        problem({
          package: spec,
          reason: `is listed in ${configFile} but ${resolve(loaded.dir, spec)} does not exist`,
        });
        continue;
      }
      const outside = outsideProject(target, loaded);
      if (outside) {
        problem({ package: spec, path: target, reason: `is listed in ${configFile} but ${outside}` });
        continue;
      }
      if (statSync(target).isFile()) {
        candidates.push({ name: spec, path: target, via: 'config', foundIn: configFile, bareModule: true });
        continue;
      }
      const info = cache.read(join(target, 'package.json'));
      if (!info || info.invalid) {
        problem({
          package: spec,
          path: target,
          reason: `is listed in ${configFile} but ${info ? `its ${info.invalid}` : 'has no readable package.json'}`,
        });
        continue;
      }
      candidates.push({ name: info.name ?? spec, path: target, info, via: 'config', foundIn: configFile });
      continue;
    }
    const found = locatePackage(spec, loaded.dir);
    const info = found && cache.read(join(found.dir, 'package.json'));
    if (!found || !info || info.invalid) {
      problem({
        package: spec,
        path: found?.dir,
        reason: info?.invalid
          ? `is listed in ${configFile} but its ${info.invalid} (reinstall it)`
          : `is listed in ${configFile} but is not installed (run \`npm install ${spec}\`)`,
      });
      continue;
    }
    candidates.push({ name: info.name ?? spec, path: found.dir, info, via: 'config', foundIn: configFile });
  }
  return candidates;
}

/**
 * What is installed: the project itself when it is a plugin, the top-level and `@scope/*` entries
 * of every node_modules from `cwd` up, and the host package's dependencies.
 */
function installedCandidates(
  cwd: string,
  nmDirs: readonly string[],
  options: DiscoverOptions,
  { cache, report }: ScanContext,
): Candidate[] {
  const candidates: Candidate[] = [];
  const project = projectDir(cwd);
  if (project) {
    report.packagesSeen++;
    const real = safeRealpath(project);
    const info = typeof real === 'string' ? cache.read(join(real, 'package.json')) : undefined;
    if (typeof real === 'string' && info?.manifest !== undefined) {
      candidates.push({
        name: info.name ?? basename(real),
        path: real,
        info,
        via: 'discovery',
        foundIn: project,
      });
    }
  }
  const scanned = new Set<string>();
  const scan = (nm: string, via: 'discovery' | 'host') => {
    const realNm = safeRealpath(nm);
    if (typeof realNm !== 'string' || scanned.has(realNm)) return;
    scanned.add(realNm);
    report.nodeModules.push(nm);
    scanNodeModules(
      nm,
      realNm,
      cache,
      (name, realDir) => {
        report.packagesSeen++;
        const info = cache.read(`${realDir}${sep}package.json`);
        if (info?.invalid) report.skipped.push({ path: realDir, reason: info.invalid });
        else if (info?.manifest !== undefined) {
          candidates.push({ name: info.name ?? name, path: realDir, info, via, foundIn: nm });
        }
      },
      report.skipped,
    );
  };
  for (const nm of nmDirs) scan(nm, 'discovery');
  const host = options.host === undefined ? corePackage()?.dir : options.host || undefined;
  // The node_modules around the host itself: a global install (`npm i -g @timeside/core
  // some-plugin`) or `npx` puts the plugins beside core, not under the user's cwd.
  if (host) for (const nm of nodeModulesPaths(host)) if (isDirectory(nm)) scan(nm, 'host');
  const hostInfo = host ? cache.read(join(host, 'package.json'), true) : undefined;
  if (host && hostInfo) {
    for (const dep of hostInfo.dependencies ?? []) {
      report.packagesSeen++;
      const found = locatePackage(dep, host);
      const info = found && cache.read(join(found.dir, 'package.json'));
      if (found && info?.manifest !== undefined) {
        candidates.push({
          name: info.name ?? dep,
          path: found.dir,
          info,
          via: 'host',
          foundIn: join(host, 'package.json'),
        });
      }
    }
  }
  return candidates;
}

class ImportTimeout extends Error {}

/** Imports an entry once per process; rejects with ImportTimeout when it takes over `timeoutMs`. */
async function importEntry(entryPath: string, timeoutMs: number): Promise<Record<string, unknown>> {
  let pending = entryModules.get(entryPath);
  if (!pending) {
    pending = import(pathToFileURL(entryPath).href) as Promise<Record<string, unknown>>;
    entryModules.set(entryPath, pending);
    pending.then(
      (mod) => importedModules.set(entryPath, mod),
      () => {}, // reported by the race below
    );
  }
  // An entry whose top-level await never settles must not hang discovery (and every listProcessors()).
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    // Not unref'd: with only a stuck import left, the process must wait and report, not exit quietly.
    timer = setTimeout(() => reject(new ImportTimeout()), timeoutMs);
  });
  try {
    return await Promise.race([pending, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function loadPlugin(
  c: Candidate,
  record: PluginRecord,
  problem: (p: PluginProblem, record?: PluginRecord) => void,
  timeoutMs: number,
): Promise<Loaded | undefined> {
  const fail = (reason: string, cause?: unknown) => {
    const error = pluginError(c.name, reason, cause, record.entry ?? c.path);
    problem({ package: c.name, path: c.path, reason, error }, record);
    return undefined;
  };
  let entryPath: string;
  if (c.bareModule) {
    entryPath = c.path;
  } else {
    if (c.info?.manifest === undefined) return fail('has no "timeside-plugin" manifest in its package.json');
    const check = checkManifest(c.info.manifest, c.path);
    if (!check.ok) return fail(check.reason);
    record.apiVersion = check.manifest.apiVersion;
    entryPath = check.entryPath;
    record.entry = entryPath;
    try {
      if (!statSync(entryPath).isFile()) throw new Error('not a file');
    } catch {
      return fail(
        `its entry ${check.manifest.entry} does not exist (a plugin in development must be built first: npm run build)`,
      );
    }
  }
  record.entry = entryPath;
  let mod = importedModules.get(entryPath);
  if (!mod) {
    try {
      mod = await importEntry(entryPath, timeoutMs);
    } catch (error) {
      if (error instanceof ImportTimeout) {
        return fail(
          `its entry did not finish importing within ${timeoutMs / 1000} s (a top-level await that never settles, ` +
            'or a call to listProcessors() while being discovered?)',
        );
      }
      const reason = error instanceof Error ? error.message : String(error);
      return fail(`its entry threw on import: ${reason}`, error);
    }
  }
  let definition = mod.default as { name?: unknown; processors?: unknown; default?: unknown } | undefined;
  // A CommonJS entry compiled from `export default` arrives as { default: { default: plugin } }.
  if (definition && !Array.isArray(definition.processors) && definition.default) {
    definition = definition.default as typeof definition;
  }
  if (!definition || typeof definition !== 'object' || !Array.isArray(definition.processors)) {
    return fail(
      'its entry does not export a plugin: `export default definePlugin({ name, processors: [...] })` expected',
    );
  }
  const processors: ProcessorClass[] = [];
  for (const [i, cls] of (definition.processors as unknown[]).entries()) {
    const reason = checkProcessorClass(cls);
    if (reason) {
      const label = (cls as { name?: string } | null)?.name || `processors[${i}]`;
      fail(`${label} ${reason}; it is skipped`);
      continue;
    }
    processors.push(cls as ProcessorClass);
  }
  if (processors.length === 0 && definition.processors.length > 0) return undefined;
  record.status = 'loaded';
  return { record, processors };
}

function registerAll(
  plugins: Loaded[],
  loaded: LoadedConfig,
  problem: (p: PluginProblem, record?: PluginRecord) => void,
): void {
  const claims = new Map<string, { plugin: Loaded; cls: ProcessorClass }[]>();
  for (const plugin of plugins) {
    const own = new Set<string>();
    for (const cls of plugin.processors) {
      const id = cls.meta.id;
      if (own.has(id)) {
        problem(
          {
            package: plugin.record.package,
            path: plugin.record.path,
            reason: `declares processor id "${id}" twice`,
          },
          plugin.record,
        );
        continue;
      }
      own.add(id);
      const list = claims.get(id) ?? [];
      list.push({ plugin, cls });
      claims.set(id, list);
    }
  }
  const prefer = loaded.config.prefer ?? {};
  const configFile = loaded.filepath ?? 'the config';
  for (const [id, pkg] of Object.entries(prefer)) {
    if (!claims.get(id)?.some((c) => c.plugin.record.package === pkg)) {
      problem({
        package: pkg,
        reason: `${configFile} prefers it for processor "${id}", but it provides no processor "${id}"`,
      });
    }
  }
  for (const [id, list] of claims) {
    const winner =
      list.find((c) => c.plugin.record.package === prefer[id]) ??
      list.find((c) => isFirstParty(c.plugin.record.package)) ??
      list[0];
    const why =
      winner.plugin.record.package === prefer[id]
        ? `it is preferred in ${configFile}`
        : isFirstParty(winner.plugin.record.package)
          ? `first-party plugins win; choose with prefer: { ${id}: "<package>" } in the config`
          : `it was found first; choose with prefer: { ${id}: "<package>" } in the config`;
    const source: ProcessorSource = {
      package: winner.plugin.record.package,
      path: winner.plugin.record.path,
      via: winner.plugin.record.via,
    };
    let registered = false;
    try {
      registerProcessor(winner.cls, source);
      winner.plugin.record.processors.push(id);
      registered = true;
    } catch (error) {
      // Taken by a built-in or a processor registered in code.
      const reason = error instanceof Error ? error.message.replace(/^plugin [^:]+: /, '') : String(error);
      problem({ package: source.package, path: source.path, reason, error }, winner.plugin.record);
    }
    for (const loser of list) {
      if (loser === winner) continue;
      const { package: name, path } = loser.plugin.record;
      let reason = `processor id "${id}" is already taken by ${source.package} (${why}); the one from ${name} is skipped`;
      if (!registered) {
        try {
          registerProcessor(loser.cls, { package: name, path, via: loser.plugin.record.via });
          loser.plugin.record.processors.push(id);
          continue;
        } catch (error) {
          reason = error instanceof Error ? error.message.replace(/^plugin [^:]+: /, '') : String(error);
        }
      }
      problem({ package: name, path, reason }, loser.plugin.record);
    }
  }
}

// Installed plugins are discovered lazily, on the first listProcessors()/getProcessor().
setDiscoverer(async () => {
  await discoverPlugins();
});
