import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CORE_NAME = '@timeside/core';
let cached: { dir: string; version: string } | null | undefined;

/**
 * The directory and version of the @timeside/core package this code runs from (its src in
 * development, its dist when installed), found by walking up from this module to its package.json.
 * Undefined when core runs from somewhere without one (a bundle of an application, say).
 */
export function corePackage(): { dir: string; version: string } | undefined {
  if (cached !== undefined) return cached ?? undefined;
  cached = null;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === CORE_NAME) {
        cached = { dir, version: pkg.version ?? '0.0.0' };
        break;
      }
    } catch {
      // no package.json here: keep walking up
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return cached ?? undefined;
}
