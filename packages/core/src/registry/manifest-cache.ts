import {
  mkdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { PLUGIN_MANIFEST_KEY } from './manifest.js';

/** What discovery needs from a package.json. */
export interface PackageInfo {
  name?: string;
  version?: string;
  /** The raw `"timeside-plugin"` value; undefined when the package has none (not a plugin). */
  manifest?: unknown;
  /** Names of `dependencies` and `optionalDependencies` (read only when asked for). */
  dependencies?: string[];
  /** Why the package.json could not be used (not JSON, not an object); the other fields are then absent. */
  invalid?: string;
}

/** One cached package.json, keyed by its real path; `m`/`s` are its mtime (ms) and size. */
interface CacheEntry {
  m: number;
  s: number;
  info: PackageInfo;
}

/** One resolved symlink: its target as read by readlink, and the real path it led to. */
interface LinkEntry {
  t: string;
  r: string;
}

interface CacheFile {
  version: 1;
  entries: Record<string, CacheEntry>;
  links?: Record<string, LinkEntry>;
}

const CACHE_VERSION = 1;
/** Where the cache persists, under the project's nearest node_modules. */
export const CACHE_SUBPATH = join('.cache', 'timeside', 'manifests.json');

/** Cached package.json summaries of this process, shared by every discovery. */
const memory = new Map<string, CacheEntry>();
const memoryLinks = new Map<string, LinkEntry>();
/** Number of entries (package.json files + links) each cache file holds on disk, as last read or written here. */
const onDisk = new Map<string, number>();

/** Forgets the in-memory cache (tests; the persisted file stays). */
export function clearManifestCache(): void {
  memory.clear();
  memoryLinks.clear();
  onDisk.clear();
}

/** The real path of `path`, or why there is none (a symlink loop, a dangling link). */
export function safeRealpath(path: string): string | { error: string } {
  try {
    return realpathSync.native(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return {
      error: code === 'ELOOP' ? 'symlink loop' : code === 'ENOENT' ? 'dangling symlink' : String(code),
    };
  }
}

/**
 * Reads package.json summaries through a cache keyed by path + mtime + size: a package.json whose
 * stat is unchanged is not read again, in this process (memory) or the next (the JSON file under
 * `node_modules/.cache/timeside/`). One instance per discovery run, counting reads and hits.
 */
export class ManifestCache {
  /** package.json files read and parsed during this run. */
  reads = 0;
  /** package.json files answered from the cache. */
  hits = 0;
  /** The file the cache persists to, if any. */
  readonly file: string | undefined;
  /** Symlinks resolved with realpath during this run (the others came from the cache). */
  linkResolves = 0;
  readonly #seen = new Map<string, CacheEntry>();
  readonly #seenLinks = new Map<string, LinkEntry>();

  constructor(file: string | undefined) {
    this.file = file;
    if (file && !onDisk.has(file)) {
      onDisk.set(file, 0);
      try {
        const parsed = JSON.parse(readFileSync(file, 'utf8')) as CacheFile;
        if (parsed?.version === CACHE_VERSION && parsed.entries && typeof parsed.entries === 'object') {
          for (const [path, entry] of Object.entries(parsed.entries)) {
            if (typeof entry?.m === 'number' && typeof entry.s === 'number' && entry.info)
              memory.set(path, entry);
          }
          const links = parsed.links && typeof parsed.links === 'object' ? parsed.links : {};
          for (const [path, link] of Object.entries(links)) {
            if (typeof link?.t === 'string' && typeof link.r === 'string') memoryLinks.set(path, link);
          }
          onDisk.set(file, Object.keys(parsed.entries).length + Object.keys(links).length);
        }
      } catch {
        // no cache yet, or an unreadable one: it is rebuilt
      }
    }
  }

  /**
   * The real path a symlink leads to. One readlink per link when its target is unchanged since it
   * was last resolved; a full realpath (one lstat per path component) otherwise.
   */
  resolveLink(link: string): string | { error: string } {
    let target: string;
    try {
      target = readlinkSync(link);
    } catch {
      return safeRealpath(link);
    }
    const cached = memoryLinks.get(link);
    if (cached && cached.t === target) {
      this.#seenLinks.set(link, cached);
      return cached.r;
    }
    const real = safeRealpath(link);
    if (typeof real === 'string') {
      this.linkResolves++;
      const entry = { t: target, r: real };
      memoryLinks.set(link, entry);
      this.#seenLinks.set(link, entry);
    }
    return real;
  }

  /**
   * The summary of the package.json at `path` (a real path), or undefined when there is none. One
   * that is not valid JSON gives `{ invalid: reason }`, cached like the others so that it is not
   * read again while unchanged.
   */
  read(path: string, wantDependencies = false): PackageInfo | undefined {
    let stat: { mtimeMs: number; size: number } | undefined;
    try {
      stat = statSync(path, { throwIfNoEntry: false });
    } catch {
      // EACCES, ENOTDIR…: not a package discovery can read
    }
    if (!stat) return undefined;
    const cached = memory.get(path);
    if (
      cached &&
      cached.m === stat.mtimeMs &&
      cached.s === stat.size &&
      (!wantDependencies || cached.info.dependencies || cached.info.invalid)
    ) {
      this.hits++;
      this.#seen.set(path, cached);
      return cached.info;
    }
    this.reads++;
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      return undefined; // EISDIR, EACCES…: no package.json discovery can read
    }
    let info: PackageInfo;
    try {
      info = summarize(JSON.parse(text), wantDependencies);
    } catch (error) {
      info = { invalid: `package.json is not valid JSON: ${(error as Error).message}` };
    }
    const entry: CacheEntry = { m: stat.mtimeMs, s: stat.size, info };
    memory.set(path, entry);
    this.#seen.set(path, entry);
    return info;
  }

  /**
   * Writes the entries seen in this run to the cache file when anything changed (atomically:
   * temporary file + rename). Returns whether it wrote; a read-only tree is not an error.
   */
  persist(): boolean {
    if (!this.file) return false;
    const size = this.#seen.size + this.#seenLinks.size;
    if (this.reads === 0 && this.linkResolves === 0 && onDisk.get(this.file) === size) return false;
    const data: CacheFile = {
      version: CACHE_VERSION,
      entries: Object.fromEntries(this.#seen),
      links: Object.fromEntries(this.#seenLinks),
    };
    const temp = `${this.file}.${process.pid}.${threadId}.${Date.now()}.tmp`;
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      writeFileSync(temp, JSON.stringify(data));
      renameSync(temp, this.file);
      onDisk.set(this.file, size);
      return true;
    } catch {
      rmSync(temp, { force: true });
      return false;
    }
  }
}

/** What discovery keeps of a parsed package.json. */
function summarize(value: unknown, wantDependencies: boolean): PackageInfo {
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    return { invalid: 'package.json is not a JSON object' };
  }
  const pkg = value as Record<string, unknown>;
  const info: PackageInfo = {};
  if (typeof pkg.name === 'string') info.name = pkg.name;
  if (typeof pkg.version === 'string') info.version = pkg.version;
  if (Object.hasOwn(pkg, PLUGIN_MANIFEST_KEY)) info.manifest = pkg[PLUGIN_MANIFEST_KEY];
  if (wantDependencies) {
    info.dependencies = [
      ...Object.keys(objectOr(pkg.dependencies)),
      ...Object.keys(objectOr(pkg.optionalDependencies)),
    ];
  }
  return info;
}

function objectOr(value: unknown): object {
  return value && typeof value === 'object' ? value : {};
}
