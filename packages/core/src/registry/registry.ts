import { pluginError, unknownProcessorError } from '../errors/index.js';
import type { Kind, ProcessorClass, ProcessorMeta } from '../processor/processor.js';

/** Where a registered processor came from. */
export interface ProcessorSource {
  /** npm package name of the plugin, or '@timeside/core' for built-ins. */
  package: string;
  /** Directory of the package. */
  path?: string;
  /** How it was found: built in, registered in code, discovered in node_modules, listed in config. */
  via: 'builtin' | 'code' | 'discovery' | 'config' | 'host';
}

/** A registry entry: the class and where it came from. */
export interface RegisteredProcessor {
  id: string;
  kind: Kind;
  name: string;
  version: string;
  description: string;
  processor: ProcessorClass;
  source: ProcessorSource;
}

/** A plugin that failed to load, and why. */
export interface PluginProblem {
  package: string;
  path?: string;
  reason: string;
  error?: unknown;
}

const entries = new Map<string, RegisteredProcessor>();
const problems: PluginProblem[] = [];
let discovery: Promise<void> | undefined;
let discoverer: (() => Promise<void>) | undefined;

const KINDS: readonly Kind[] = ['decoder', 'fx', 'analyzer', 'grapher', 'encoder', 'adapter'];

/** Checks that a value is a processor class with usable metadata; returns the reason if not. */
export function checkProcessorClass(value: unknown): string | undefined {
  if (typeof value !== 'function') return 'is not a class';
  const meta = (value as { meta?: ProcessorMeta }).meta;
  if (!meta || typeof meta !== 'object') return 'has no static meta';
  if (typeof meta.id !== 'string' || !/^[a-z][a-z0-9_]*$/.test(meta.id)) {
    return `has an invalid id ${JSON.stringify(meta.id)} (snake_case expected)`;
  }
  if (!KINDS.includes(meta.kind)) return `${meta.id} has an invalid kind ${JSON.stringify(meta.kind)}`;
  if (typeof meta.version !== 'string') return `${meta.id} has no version`;
  if (!meta.params || typeof meta.params !== 'object') return `${meta.id} has no params schema`;
  if (typeof meta.name !== 'string') return `${meta.id} has no name`;
  if (typeof meta.description !== 'string') return `${meta.id} has no description`;
  return undefined;
}

/**
 * Registers a processor class. A second class with an id already taken throws a TimesideError
 * (E_PLUGIN) naming both packages; registering the same class twice is a no-op.
 */
export function registerProcessor(
  cls: ProcessorClass,
  source: ProcessorSource = { package: '(code)', via: 'code' },
): RegisteredProcessor {
  const problem = checkProcessorClass(cls);
  if (problem) throw pluginError(source.package, `processor ${problem}`);
  const meta = cls.meta;
  const existing = entries.get(meta.id);
  if (existing) {
    if (existing.processor === cls) return existing;
    throw pluginError(
      source.package,
      `processor id "${meta.id}" is already taken by ${existing.source.package}; ` +
        `the one from ${source.package} is skipped`,
    );
  }
  const entry: RegisteredProcessor = {
    id: meta.id,
    kind: meta.kind,
    name: meta.name,
    version: meta.version,
    description: meta.description,
    processor: cls,
    source,
  };
  entries.set(meta.id, entry);
  return entry;
}

/** Removes a processor from the registry (tests, hot reload). */
export function unregisterProcessor(id: string): boolean {
  return entries.delete(id);
}

/** Records a plugin that could not be loaded (reported by `listProcessors({ withErrors })` and doctor). */
export function reportPluginProblem(problem: PluginProblem): void {
  problems.push(problem);
}

/** Sets the function that discovers installed plugins, run once, lazily (see registry/discovery). */
export function setDiscoverer(fn: (() => Promise<void>) | undefined): void {
  discoverer = fn;
  discovery = undefined;
}

/**
 * Marks discovery as done, so the lazy one does not run: an explicit `discoverPlugins()` that
 * registered what it found calls it. No effect while a discovery is running or done.
 */
export function markDiscovered(): void {
  discovery ??= Promise.resolve();
}

/** Runs discovery once (later calls share the first run). */
export function ensureDiscovered(): Promise<void> {
  if (!discovery) discovery = discoverer ? discoverer() : Promise.resolve();
  return discovery;
}

/**
 * Forgets every processor but core's built-ins (those discovered and those registered in code)
 * and the plugin problems, so the next call discovers again.
 */
export function resetDiscovery(): void {
  for (const [id, e] of entries) if (e.source.via !== 'builtin') entries.delete(id);
  problems.length = 0;
  discovery = undefined;
}

export interface ListOptions {
  kind?: Kind | readonly Kind[];
  /** Include `adapter` nodes (downmix, frames, stft); default false unless `kind` asks for them. */
  adapters?: boolean;
}

/** Registered processors sorted by id (after discovery of installed plugins). */
export async function listProcessors(
  options?: ListOptions & { withErrors?: false },
): Promise<RegisteredProcessor[]>;
export async function listProcessors(
  options: ListOptions & { withErrors: true },
): Promise<{ processors: RegisteredProcessor[]; errors: PluginProblem[] }>;
export async function listProcessors(
  options: ListOptions & { withErrors?: boolean } = {},
): Promise<RegisteredProcessor[] | { processors: RegisteredProcessor[]; errors: PluginProblem[] }> {
  await ensureDiscovered();
  const kinds = options.kind === undefined ? undefined : ([] as Kind[]).concat(options.kind);
  const processors = [...entries.values()]
    .filter((e) => (kinds ? kinds.includes(e.kind) : options.adapters || e.kind !== 'adapter'))
    .sort((a, b) => a.id.localeCompare(b.id));
  return options.withErrors ? { processors, errors: [...problems] } : processors;
}

/** The registry entry of `id`; throws E_UNKNOWN_PROCESSOR (with suggestions) if there is none. */
export async function getProcessorEntry(id: string): Promise<RegisteredProcessor> {
  await ensureDiscovered();
  const entry = entries.get(id);
  if (!entry) throw unknownProcessorError(id, [...entries.keys()]);
  return entry;
}

/** The processor class registered as `id` (after discovery); throws if there is none. */
export async function getProcessor(id: string): Promise<ProcessorClass> {
  return (await getProcessorEntry(id)).processor;
}

/** Resolves a processor id for `requires`: built-ins without discovery, others after it. */
export async function resolveProcessor(id: string): Promise<ProcessorClass> {
  return entries.get(id)?.processor ?? getProcessor(id);
}

/** Plugins that failed to load. */
export function pluginProblems(): readonly PluginProblem[] {
  return problems;
}

/** Python-style aliases for users coming from TimeSide. */
export const list_processors = listProcessors;
export const get_processor = getProcessor;
