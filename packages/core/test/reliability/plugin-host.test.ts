/**
 * Security of the plugin host (docs/plugins.md, "Trust"): discovery never runs the code of a
 * package whose manifest is invalid, and a plugin path in the config that leads outside the
 * project is refused unless the config says `allowExternalPlugins: true`. The witness is a file:
 * each test entry writes a marker file when it is imported, so "not imported" is a fact on disk.
 * The manifest parser and the package.json reader are fuzzed with fast-check.
 */
import { existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { checkManifest, discoverPlugins, resetDiscovery } from '../../src/index.js';
import { ManifestCache } from '../../src/registry/manifest-cache.js';
import { cleanup, tempDir } from '../discovery-fixtures.js';

const root = tempDir('timeside-reliability-host-');
afterAll(() => cleanup(root));

let counter = 0;

/** A package whose entry writes `marker` when imported (and exports an empty plugin). */
function markerPackage(dir: string, manifest: unknown, marker: string): void {
  mkdirSync(dir, { recursive: true });
  const pkg: Record<string, unknown> = { name: `marker-${counter++}`, version: '1.0.0', type: 'module' };
  if (manifest !== undefined) pkg['timeside-plugin'] = manifest;
  writeFileSync(join(dir, 'package.json'), JSON.stringify(pkg));
  writeFileSync(join(dir, 'index.js'), markerSource(marker));
}

function markerSource(marker: string): string {
  return [
    "import { writeFileSync } from 'node:fs';",
    `writeFileSync(${JSON.stringify(marker)}, 'imported');`,
    "export default { name: 'marker', processors: [] };",
  ].join('\n');
}

/** A fresh project directory with a package.json (the project root of its config). */
function project(config?: Record<string, unknown>): string {
  const dir = join(root, `project-${counter++}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `project-${counter}`, private: true }));
  if (config) writeFileSync(join(dir, '.timesiderc.json'), JSON.stringify(config));
  return dir;
}

async function discover(cwd: string) {
  resetDiscovery();
  return discoverPlugins({ cwd, host: false, persistCache: false, register: false });
}

describe('discovery never imports a package whose manifest is invalid', () => {
  it('the marker works: a valid manifest is imported and writes it', async () => {
    const dir = project();
    const marker = join(dir, 'imported.marker');
    markerPackage(join(dir, 'node_modules', 'good-plugin'), { apiVersion: 1, entry: './index.js' }, marker);
    const report = await discover(dir);
    expect(report.plugins.map((p) => p.status)).toEqual(['loaded']);
    expect(existsSync(marker)).toBe(true);
  });

  const INVALID: { name: string; manifest: unknown }[] = [
    { name: 'null', manifest: null },
    { name: 'a string', manifest: './index.js' },
    { name: 'a list', manifest: [1, './index.js'] },
    { name: 'no apiVersion', manifest: { entry: './index.js' } },
    { name: 'apiVersion as a string', manifest: { apiVersion: '1', entry: './index.js' } },
    { name: 'apiVersion 1.5', manifest: { apiVersion: 1.5, entry: './index.js' } },
    { name: 'apiVersion 2 (unsupported)', manifest: { apiVersion: 2, entry: './index.js' } },
    { name: 'apiVersion 0', manifest: { apiVersion: 0, entry: './index.js' } },
    { name: 'no entry', manifest: { apiVersion: 1 } },
    { name: 'an empty entry', manifest: { apiVersion: 1, entry: ' ' } },
    { name: 'an absolute entry', manifest: { apiVersion: 1, entry: '/tmp/index.js' } },
    { name: 'an entry outside the package', manifest: { apiVersion: 1, entry: '../index.js' } },
    { name: 'the package directory as entry', manifest: { apiVersion: 1, entry: '.' } },
    { name: 'an unknown key', manifest: { apiVersion: 1, entry: './index.js', run: 'postinstall' } },
  ];
  for (const c of INVALID) {
    it(`not imported: ${c.name}`, async () => {
      const dir = project();
      const marker = join(dir, 'imported.marker');
      // The entry the manifest names, and one outside the package, both write the marker.
      markerPackage(join(dir, 'node_modules', 'bad-plugin'), c.manifest, marker);
      writeFileSync(join(dir, 'node_modules', 'index.js'), markerSource(marker));
      const report = await discover(dir);
      expect(report.plugins.map((p) => p.status)).toEqual(['failed']);
      expect(report.problems).toHaveLength(1);
      expect(existsSync(marker)).toBe(false);
    });
  }

  it('not imported, for any manifest checkManifest refuses (property)', async () => {
    const manifest = fc.oneof(
      fc.jsonValue(),
      fc.record(
        {
          apiVersion: fc.oneof(fc.integer({ min: -2, max: 3 }), fc.double(), fc.string(), fc.constant(null)),
          entry: fc.oneof(
            fc.constantFrom('./index.js', '../index.js', '/index.js', '', '.', 'index.js/..'),
            fc.string(),
          ),
          extra: fc.jsonValue(),
        },
        { requiredKeys: [] },
      ),
    );
    await fc.assert(
      fc.asyncProperty(manifest, async (m) => {
        const dir = join(root, `fuzz-${counter++}`);
        const pkg = join(dir, 'node_modules', 'fuzzed-plugin');
        fc.pre(!checkManifest(m, pkg).ok);
        mkdirSync(dir, { recursive: true });
        writeFileSync(join(dir, 'package.json'), '{"private": true}');
        const marker = join(dir, 'imported.marker');
        markerPackage(pkg, m, marker);
        writeFileSync(join(dir, 'node_modules', 'index.js'), markerSource(marker));
        const report = await discover(dir);
        expect(report.plugins.every((p) => p.status !== 'loaded')).toBe(true);
        expect(existsSync(marker)).toBe(false);
        rmSync(dir, { recursive: true, force: true });
      }),
      { numRuns: 40, seed: 18 },
    );
  });
});

describe('the manifest parser and the package.json reader on arbitrary input (properties)', () => {
  it('checkManifest never throws; what it accepts is apiVersion 1 and an entry inside the package', () => {
    const pkg = join(root, 'some', 'package');
    fc.assert(
      fc.property(
        fc.oneof(
          fc.anything(),
          fc.record(
            { apiVersion: fc.anything(), entry: fc.oneof(fc.string(), fc.anything()) },
            { requiredKeys: [] },
          ),
        ),
        (m) => {
          const check = checkManifest(m, pkg);
          if (!check.ok) {
            expect(typeof check.reason).toBe('string');
            expect(check.reason.length).toBeGreaterThan(10);
            return;
          }
          expect(check.manifest.apiVersion).toBe(1);
          const inside = relative(pkg, check.entryPath);
          expect(
            inside === '' || inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside),
          ).toBe(false);
        },
      ),
      { numRuns: 500, seed: 18 },
    );
  });

  it('reading any bytes as package.json never throws: a manifest, nothing, or an "invalid" reason', () => {
    const dir = join(root, 'pkgjson');
    mkdirSync(dir, { recursive: true });
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
          fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
          fc.jsonValue().map((v) => Buffer.from(JSON.stringify({ name: 'x', 'timeside-plugin': v }))),
        ),
        (bytes) => {
          const file = join(dir, `p${counter++}`, 'package.json');
          mkdirSync(join(file, '..'), { recursive: true });
          writeFileSync(file, bytes);
          const info = new ManifestCache(undefined).read(file);
          if (info?.invalid !== undefined) expect(typeof info.invalid).toBe('string');
        },
      ),
      { numRuns: 150, seed: 18 },
    );
  });
});

describe('a plugin path in the config outside the project is refused unless allowed', () => {
  /** A plugin package outside every project, whose entry writes `marker`. */
  function outsidePlugin(marker: string): string {
    const dir = join(root, `elsewhere-${counter++}`, 'plugin');
    markerPackage(dir, { apiVersion: 1, entry: './index.js' }, marker);
    return dir;
  }

  it('refuses ../ and absolute paths out of the project, saying how to allow them', async () => {
    const marker = join(root, `outside-${counter++}.marker`);
    const plugin = outsidePlugin(marker);
    const dir = project();
    writeFileSync(
      join(dir, '.timesiderc.json'),
      JSON.stringify({ plugins: [relative(dir, plugin), plugin] }),
    );
    const report = await discover(dir);
    expect(existsSync(marker)).toBe(false);
    expect(report.problems.map((p) => p.reason)).toEqual([
      expect.stringMatching(/outside the project .*"allowExternalPlugins": true/),
      expect.stringMatching(/outside the project .*"allowExternalPlugins": true/),
    ]);
    expect(report.plugins.filter((p) => p.status === 'loaded')).toEqual([]);
  });

  it('refuses a symlink inside the project that leads outside it', async () => {
    const marker = join(root, `outside-${counter++}.marker`);
    const plugin = outsidePlugin(marker);
    const dir = project({ plugins: ['./plugins/linked'] });
    mkdirSync(join(dir, 'plugins'));
    symlinkSync(plugin, join(dir, 'plugins', 'linked'));
    const report = await discover(dir);
    expect(existsSync(marker)).toBe(false);
    expect(report.problems.map((p) => p.reason)).toEqual([expect.stringContaining(`it leads to ${plugin}`)]);
  });

  it('refuses a bare module file outside the project', async () => {
    const marker = join(root, `outside-${counter++}.marker`);
    const file = join(root, `elsewhere-${counter++}.mjs`);
    writeFileSync(file, markerSource(marker));
    const dir = project({ plugins: [file] });
    const report = await discover(dir);
    expect(existsSync(marker)).toBe(false);
    expect(report.problems).toHaveLength(1);
  });

  it('loads the same paths with allowExternalPlugins: true', async () => {
    const marker = join(root, `outside-${counter++}.marker`);
    const plugin = outsidePlugin(marker);
    const dir = project();
    writeFileSync(
      join(dir, '.timesiderc.json'),
      JSON.stringify({ allowExternalPlugins: true, plugins: [relative(dir, plugin)] }),
    );
    const report = await discover(dir);
    expect(report.problems).toEqual([]);
    expect(report.plugins.map((p) => p.status)).toEqual(['loaded']);
    expect(existsSync(marker)).toBe(true);
  });

  it('loads paths inside the project, and installed packages named in the config, without the key', async () => {
    const dir = project({ discover: false, plugins: ['./plugins/local', 'installed-above'] });
    const localMarker = join(dir, 'local.marker');
    markerPackage(join(dir, 'plugins', 'local'), { apiVersion: 1, entry: './index.js' }, localMarker);
    // Installed in a node_modules above the project: found by Node's lookup, trusted as installed.
    const aboveMarker = join(dir, 'above.marker');
    markerPackage(
      join(root, 'node_modules', 'installed-above'),
      { apiVersion: 1, entry: './index.js' },
      aboveMarker,
    );
    const report = await discover(dir);
    expect(report.problems).toEqual([]);
    expect(report.plugins.map((p) => p.status)).toEqual(['loaded', 'loaded']);
    expect(existsSync(localMarker) && existsSync(aboveMarker)).toBe(true);
  });

  it('rejects a non-boolean allowExternalPlugins, naming the file and the key', async () => {
    const dir = project({ allowExternalPlugins: 'yes' });
    await expect(discover(dir)).rejects.toMatchObject({
      code: 'E_CONFIG',
      message: expect.stringMatching(
        /\.timesiderc\.json: "allowExternalPlugins" must be true or false, got "yes"/,
      ),
    });
  });
});
