import {
  type Dirent,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, sep } from 'node:path';
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

/** A directory or a symlink found in a directory: its name and the real path it leads to. */
export interface ListedEntry {
  name: string;
  /** The real path, or why there is none (a dangling link, a loop). */
  real: string | { error: string };
}

/** One directory as last listed: its stamp then, and its directories and resolved links. */
interface DirListing {
  stamp: string;
  /** Whether the stamp can be trusted to change with the next change (see `isRacy`). */
  settled: boolean;
  entries: ListedEntry[];
  /** For each entry that is a resolved link, its cache entry (to mark it seen); else undefined. */
  links: (LinkEntry | undefined)[];
}

/**
 * Whether something changed at `changedMs` may change again without its timestamp moving, as seen
 * at `nowMs` (both wall-clock ms). Timestamps come from a clock that ticks coarsely: Linux's every
 * jiffy (≤ 10 ms), Windows' every 15.6 ms; whole seconds betray a filesystem that keeps only
 * seconds (FAT: 2 s). Like git's "racy" index entries, what was seen within a tick of its last
 * change is not trusted to stay unchanged while its stamp does; it is read again next time.
 */
export function isRacy(changedMs: number, nowMs: number): boolean {
  return changedMs > nowMs - (changedMs % 1000 === 0 ? 2000 : 50);
}

const CACHE_VERSION = 1;
/** Where the cache persists, under the project's nearest node_modules. */
export const CACHE_SUBPATH = join('.cache', 'timeside', 'manifests.json');

/** Cached package.json summaries of this process, shared by every discovery. */
const memory = new Map<string, CacheEntry>();
const memoryLinks = new Map<string, LinkEntry>();
/** Directory listings of this process, by real path (see `ManifestCache.list`). */
const memoryDirs = new Map<string, DirListing>();
/** Number of entries (package.json files + links) each cache file holds on disk, as last read or written here. */
const onDisk = new Map<string, number>();

/** Forgets the in-memory cache (tests; the persisted file stays). */
export function clearManifestCache(): void {
  memory.clear();
  memoryLinks.clear();
  memoryDirs.clear();
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
  /** Directories read with readdir during this run (an unchanged one is reused from memory). */
  listings = 0;
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
   * The directories and symlinks in directory `realDir` (a real path), sorted by name so that
   * "found first" does not depend on the filesystem's order, with the real path each leads to;
   * undefined when it cannot be listed. Entries whose name starts with a dot are left out.
   *
   * A directory whose stamp (inode, mtime, ctime) is unchanged since it was listed in this process
   * still holds the same entries, and its links the same targets (a symlink cannot be changed in
   * place: pointing it elsewhere replaces it, which changes the directory): its listing and link
   * resolutions are reused, for one stat instead of a readdir and a readlink per link. A link that
   * led nowhere is resolved again (its target may have appeared).
   */
  list(realDir: string): ListedEntry[] | undefined {
    // Stamped before listing: a change made while listing differs from this stamp next time.
    const now = Date.now();
    let stamp: string | undefined;
    let changed = 0;
    try {
      const s = statSync(realDir, { throwIfNoEntry: false });
      if (s) {
        stamp = `${s.ino}:${s.mtimeMs}:${s.ctimeMs}`;
        changed = Math.max(s.mtimeMs, s.ctimeMs);
      }
    } catch {
      // EACCES, ENOTDIR…: listed (and failing) below
    }
    const cached = stamp === undefined ? undefined : memoryDirs.get(realDir);
    if (cached?.settled && cached.stamp === stamp) {
      const { entries, links } = cached;
      for (let i = 0; i < entries.length; i++) {
        const link = links[i];
        if (link) this.#seenLinks.set(realDir + sep + entries[i].name, link);
        else if (typeof entries[i].real !== 'string') {
          const path = realDir + sep + entries[i].name;
          const real = this.resolveLink(path);
          entries[i] = { name: entries[i].name, real };
          if (typeof real === 'string') links[i] = memoryLinks.get(path);
        }
      }
      return entries;
    }
    this.listings++;
    let dirents: Dirent[];
    try {
      dirents = readdirSync(realDir, { withFileTypes: true });
    } catch {
      memoryDirs.delete(realDir);
      return undefined;
    }
    dirents.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const entries: ListedEntry[] = [];
    const links: (LinkEntry | undefined)[] = [];
    for (const entry of dirents) {
      const name = entry.name;
      if (name.startsWith('.')) continue;
      // Plain concatenation: names hold no separator, and this loop runs once per installed package.
      const path = realDir + sep + name;
      if (entry.isSymbolicLink()) {
        const real = this.resolveLink(path);
        entries.push({ name, real });
        links.push(typeof real === 'string' ? memoryLinks.get(path) : undefined);
      } else if (entry.isDirectory()) {
        entries.push({ name, real: path });
        links.push(undefined);
      }
    }
    if (stamp !== undefined) {
      memoryDirs.set(realDir, { stamp, settled: !isRacy(changed, now), entries, links });
    }
    return entries;
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
