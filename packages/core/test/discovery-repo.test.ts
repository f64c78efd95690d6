import { readdirSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { getDiscoveryReport, listProcessors, resetDiscovery } from '../src/index.js';

const repo = fileURLToPath(new URL('../../..', import.meta.url));
const FIRST_PARTY = [
  '@timeside/plugin-aubio-like',
  '@timeside/plugin-encoders',
  '@timeside/plugin-fx',
  '@timeside/plugin-graphers',
];

describe('discovery in this repository', () => {
  const cwd = process.cwd();
  afterAll(() => {
    process.chdir(cwd);
    resetDiscovery();
  });

  it('runs lazily on the first listProcessors() and finds the four first-party plugins', async () => {
    process.chdir(repo);
    resetDiscovery();
    expect(getDiscoveryReport()).toBeUndefined();
    const { errors } = await listProcessors({ withErrors: true });
    const report = getDiscoveryReport();
    expect(report?.cwd).toBe(realpathSync(repo));
    const found = report!.plugins.filter((p) => FIRST_PARTY.includes(p.package));
    expect(found.map((p) => [p.package, p.via, p.foundIn, p.path, p.status])).toEqual(
      FIRST_PARTY.map((name) => [
        name,
        'discovery',
        join(realpathSync(repo), 'node_modules'),
        join(realpathSync(repo), 'packages', name.replace('@timeside/', '')),
        'loaded',
      ]),
    );
    expect(errors.filter((e) => FIRST_PARTY.includes(e.package))).toEqual([]);
    // Every processor a first-party plugin exports is registered under its package.
    for (const p of found) {
      const mod = (await import(join(p.path, 'dist', 'index.js'))) as {
        default: { processors: { meta: { id: string } }[] };
      };
      expect(p.processors.sort()).toEqual(mod.default.processors.map((c) => c.meta.id).sort());
    }
  });

  it('core imports none of the plugins (they are found, not bundled)', () => {
    const src = fileURLToPath(new URL('../src', import.meta.url));
    const files = readdirSync(src, { recursive: true, withFileTypes: true }).filter(
      (e) => e.isFile() && /\.ts$/.test(e.name),
    );
    expect(files.length).toBeGreaterThan(10);
    for (const f of files) {
      const text = readFileSync(join(f.parentPath, f.name), 'utf8');
      expect(text, f.name).not.toMatch(/from\s+['"]@timeside\/plugin-|import\(\s*['"]@timeside\/plugin-/);
    }
    const pkg = JSON.parse(readFileSync(join(src, '..', 'package.json'), 'utf8')) as Record<string, object>;
    for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
      expect(Object.keys(pkg[field] ?? {}).filter((d) => d.startsWith('@timeside/plugin-'))).toEqual([]);
    }
  });
});
