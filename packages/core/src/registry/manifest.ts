import { isAbsolute, relative, resolve, sep } from 'node:path';
import { PLUGIN_API_VERSION } from './plugin.js';

/** The key of the plugin manifest in a package's `package.json`. */
export const PLUGIN_MANIFEST_KEY = 'timeside-plugin';

/** Manifest `apiVersion`s this core can load. */
export const SUPPORTED_API_VERSIONS: readonly number[] = [PLUGIN_API_VERSION];

/**
 * The plugin manifest, under `"timeside-plugin"` in package.json (docs/plugin-manifest.schema.json):
 * `{ "apiVersion": 1, "entry": "./dist/index.js" }`.
 */
export interface PluginManifest {
  /** Version of the plugin API the entry is written against; this core supports 1. */
  apiVersion: number;
  /** Path of the ES module whose default export is `definePlugin(...)`, relative to the package. */
  entry: string;
}

/** A checked manifest, or why it is unusable. */
export type ManifestCheck =
  | { ok: true; manifest: PluginManifest; entryPath: string }
  | { ok: false; reason: string };

const MANIFEST_KEYS = new Set(['apiVersion', 'entry', '$comment']);

/**
 * Checks the raw `"timeside-plugin"` value of the package in `packageDir`. Nothing is imported
 * here: discovery runs a plugin's code only when this returns `ok`.
 */
export function checkManifest(raw: unknown, packageDir: string): ManifestCheck {
  const where = `"${PLUGIN_MANIFEST_KEY}" in package.json`;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return {
      ok: false,
      reason: `${where} must be an object like { "apiVersion": 1, "entry": "./dist/index.js" }`,
    };
  }
  const manifest = raw as Record<string, unknown>;
  const { apiVersion, entry } = manifest;
  if (typeof apiVersion !== 'number' || !Number.isInteger(apiVersion)) {
    return {
      ok: false,
      reason: `${where} needs an integer "apiVersion" (this core supports ${supported()})`,
    };
  }
  if (!SUPPORTED_API_VERSIONS.includes(apiVersion)) {
    const advice =
      apiVersion > PLUGIN_API_VERSION
        ? 'upgrade @timeside/core'
        : 'upgrade the plugin or install a version written for this core';
    return {
      ok: false,
      reason: `apiVersion ${apiVersion} is not supported (this core supports ${supported()}): ${advice}`,
    };
  }
  for (const key of Object.keys(manifest)) {
    if (!MANIFEST_KEYS.has(key)) {
      return { ok: false, reason: `${where} has an unknown key "${key}" (known: apiVersion, entry)` };
    }
  }
  if (typeof entry !== 'string' || entry.trim() === '') {
    return { ok: false, reason: `${where} needs an "entry" path such as "./dist/index.js"` };
  }
  if (isAbsolute(entry)) return { ok: false, reason: `entry "${entry}" must be relative to the package` };
  const entryPath = resolve(packageDir, entry);
  const inside = relative(packageDir, entryPath);
  if (inside === '' || inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) {
    return { ok: false, reason: `entry "${entry}" points outside the package` };
  }
  return { ok: true, manifest: { apiVersion, entry }, entryPath };
}

function supported(): string {
  return SUPPORTED_API_VERSIONS.join(', ');
}
