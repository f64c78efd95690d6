/**
 * Synthetic package trees for the discovery tests: packages are written into temp dirs as
 * package.json + a plain ES module entry (no build, no import of core: a processor class is
 * anything with a valid static `meta`, which is all discovery checks).
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface FakeProcessor {
  id: string;
  kind?: string;
}

/** Source of an entry module whose default export is a plugin definition with these processors. */
export function pluginSource(name: string, processors: readonly FakeProcessor[], extra = ''): string {
  const classes = processors.map(
    (p, i) =>
      `class P${i} { static meta = ${JSON.stringify({
        id: p.id,
        kind: p.kind ?? 'analyzer',
        name: p.id,
        version: '1.0.0',
        description: `test processor ${p.id}`,
        params: {},
      })}; }`,
  );
  return [
    `globalThis.__timesideImported ??= []; globalThis.__timesideImported.push(${JSON.stringify(name)});`,
    extra,
    ...classes,
    `export default { name: ${JSON.stringify(name)}, processors: [${processors.map((_, i) => `P${i}`).join(', ')}] };`,
  ].join('\n');
}

export interface PackageSpec {
  name: string;
  version?: string;
  /** The manifest; `undefined` writes none (not a plugin); default: apiVersion 1, ./index.js. */
  manifest?: unknown;
  /** Entry file contents by relative path; default: index.js with `processors`. */
  files?: Record<string, string>;
  processors?: FakeProcessor[];
  dependencies?: Record<string, string>;
}

/** Writes a package into `dir`. */
export function writePackage(dir: string, spec: PackageSpec): string {
  mkdirSync(dir, { recursive: true });
  const pkg: Record<string, unknown> = { name: spec.name, version: spec.version ?? '1.0.0', type: 'module' };
  if (spec.dependencies) pkg.dependencies = spec.dependencies;
  if ('manifest' in spec) {
    if (spec.manifest !== undefined) pkg['timeside-plugin'] = spec.manifest;
  } else {
    pkg['timeside-plugin'] = { apiVersion: 1, entry: './index.js' };
  }
  writeFileSync(join(dir, 'package.json'), JSON.stringify(pkg, null, 2));
  const files =
    spec.files ?? (spec.processors ? { 'index.js': pluginSource(spec.name, spec.processors) } : {});
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

/** A plugin package with the standard manifest and one analyzer per id. */
export function plugin(name: string, ids: readonly string[], more: Partial<PackageSpec> = {}): PackageSpec {
  return { name, processors: ids.map((id) => ({ id })), ...more };
}

/** A fresh temp directory (removed by `cleanup`). */
export function tempDir(prefix = 'timeside-discovery-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function cleanup(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** A project: package.json (not a plugin) in `dir`. */
export function writeProject(dir: string, pkg: Record<string, unknown> = {}): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'project', private: true, ...pkg }));
  return dir;
}

export function link(target: string, path: string): void {
  mkdirSync(dirname(path), { recursive: true });
  symlinkSync(target, path);
}

/** Names of the packages whose entries have been imported in this process. */
export function importedPackages(): string[] {
  return (globalThis as { __timesideImported?: string[] }).__timesideImported ?? [];
}
