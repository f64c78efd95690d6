import { existsSync, mkdirSync, realpathSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type DiscoverOptions,
  type DiscoveryReport,
  discoverPlugins,
  getDiscoveryReport,
  getProcessorEntry,
  listProcessors,
  nodeModulesPaths,
  resetDiscovery,
  setDiscoverer,
} from '../src/index.js';
import { clearConfigCache, configSearchStats } from '../src/registry/config.js';
import { clearManifestCache } from '../src/registry/manifest-cache.js';
import {
  cleanup,
  importedPackages,
  link,
  plugin,
  pluginSource,
  tempDir,
  writePackage,
  writeProject,
} from './discovery-fixtures.js';

let root: string;

beforeEach(() => {
  root = realpathSync(tempDir());
  resetDiscovery();
  clearManifestCache();
  // Discovery in this file is explicit; the lazy one must not scan the repository.
  setDiscoverer(undefined);
});

afterEach(() => {
  resetDiscovery();
  cleanup(root);
});

function discover(cwd: string, options: DiscoverOptions = {}): Promise<DiscoveryReport> {
  return discoverPlugins({ cwd, host: false, ...options });
}

/**
 * Waits until the last change to each path is older than a timestamp tick, so that a later change
 * is sure to move its timestamp and a listing of it may be reused (a filesystem keeping whole
 * seconds needs 2 s; the others a clock tick, ≤ 16 ms, given 50 ms here).
 */
async function settle(...paths: string[]): Promise<void> {
  for (const path of paths) {
    const { mtimeMs, ctimeMs } = statSync(path);
    const changed = Math.max(mtimeMs, ctimeMs);
    const wait = changed + (changed % 1000 === 0 ? 2000 : 50) + 20 - Date.now();
    if (wait > 0) await new Promise((done) => setTimeout(done, wait));
  }
}

function record(report: DiscoveryReport, pkg: string) {
  return report.plugins.find((p) => p.package === pkg);
}

describe('nodeModulesPaths', () => {
  it('lists node_modules from a directory up to the root, as Node resolution does', () => {
    expect(nodeModulesPaths('/a/b/node_modules/c')).toEqual([
      '/a/b/node_modules/c/node_modules',
      '/a/b/node_modules',
      '/a/node_modules',
      '/node_modules',
    ]);
  });
});

describe('discoverPlugins: layouts', () => {
  it('finds top-level and @scope/* plugins in an npm (hoisted) tree, from a subdirectory', async () => {
    const project = writeProject(join(root, 'app'));
    const nm = join(project, 'node_modules');
    writePackage(join(nm, 'hoisted-plugin'), plugin('hoisted-plugin', ['hoisted_a', 'hoisted_b']));
    writePackage(join(nm, '@acme', 'timeside-tools'), plugin('@acme/timeside-tools', ['acme_tool']));
    writePackage(join(nm, 'left-pad'), { name: 'left-pad', manifest: undefined });
    writePackage(join(nm, '@acme', 'not-a-plugin'), { name: '@acme/not-a-plugin', manifest: undefined });

    const report = await discover(join(project, 'src', 'deep'));
    expect(report.problems).toEqual([]);
    expect(report.plugins.map((p) => p.package).sort()).toEqual(['@acme/timeside-tools', 'hoisted-plugin']);
    expect(report.nodeModules[0]).toBe(nm);
    const ids = (await listProcessors()).map((p) => p.id);
    expect(ids).toEqual(expect.arrayContaining(['acme_tool', 'hoisted_a', 'hoisted_b']));
    const entry = await getProcessorEntry('acme_tool');
    expect(entry.source).toEqual({
      package: '@acme/timeside-tools',
      path: join(nm, '@acme', 'timeside-tools'),
      via: 'discovery',
    });
  });

  it('sees only direct dependencies in a pnpm (symlinked store) tree', async () => {
    const project = writeProject(join(root, 'app'));
    const nm = join(project, 'node_modules');
    const store = join(nm, '.pnpm');
    const direct = join(store, 'direct-plugin@1.0.0', 'node_modules', 'direct-plugin');
    const transitive = join(store, 'transitive-plugin@2.0.0', 'node_modules', 'transitive-plugin');
    writePackage(direct, plugin('direct-plugin', ['pnpm_direct']));
    writePackage(transitive, plugin('transitive-plugin', ['pnpm_transitive']));
    // direct-plugin depends on transitive-plugin: pnpm links it beside direct-plugin in the store only.
    link(
      '../../transitive-plugin@2.0.0/node_modules/transitive-plugin',
      join(store, 'direct-plugin@1.0.0', 'node_modules', 'transitive-plugin'),
    );
    link('.pnpm/direct-plugin@1.0.0/node_modules/direct-plugin', join(nm, 'direct-plugin'));

    const report = await discover(project);
    expect(report.problems).toEqual([]);
    expect(report.plugins.map((p) => [p.package, p.path])).toEqual([['direct-plugin', direct]]);
    expect(report.plugins[0].foundIn).toBe(nm);
    expect(importedPackages()).not.toContain('transitive-plugin');
  });

  it('finds the workspace root’s plugins and a package’s own in a pnpm workspace', async () => {
    const ws = writeProject(root, { name: 'ws-root' });
    const wsPlugin = writePackage(join(ws, 'packages', 'plugin-x'), plugin('@ws/plugin-x', ['ws_x']));
    const app = writeProject(join(ws, 'packages', 'app'), { name: '@ws/app' });
    link('../../packages/plugin-x', join(ws, 'node_modules', '@ws', 'plugin-x'));
    const y = join(ws, 'node_modules', '.pnpm', 'y-plugin@1.0.0', 'node_modules', 'y-plugin');
    writePackage(y, plugin('y-plugin', ['ws_y']));
    link(
      '../../../node_modules/.pnpm/y-plugin@1.0.0/node_modules/y-plugin',
      join(app, 'node_modules', 'y-plugin'),
    );

    const report = await discover(app);
    expect(report.problems).toEqual([]);
    expect(report.nodeModules.slice(0, 2)).toEqual([join(app, 'node_modules'), join(ws, 'node_modules')]);
    expect(report.plugins.map((p) => [p.package, p.path])).toEqual([
      ['y-plugin', y],
      ['@ws/plugin-x', wsPlugin],
    ]);
  });

  it('walks node_modules up the tree; the nearest copy of a package shadows farther ones', async () => {
    const outer = join(root, 'node_modules');
    writePackage(join(outer, 'far-plugin'), plugin('far-plugin', ['far_one']));
    writePackage(join(outer, 'twice-plugin'), plugin('twice-plugin', ['twice_old'], { version: '1.0.0' }));
    const project = writeProject(join(root, 'work', 'app'));
    writePackage(
      join(project, 'node_modules', 'twice-plugin'),
      plugin('twice-plugin', ['twice_new'], { version: '2.0.0' }),
    );

    const report = await discover(project);
    expect(report.problems).toEqual([]);
    const twice = report.plugins.filter((p) => p.package === 'twice-plugin');
    expect(twice.map((p) => [p.version, p.status])).toEqual([
      ['2.0.0', 'loaded'],
      ['1.0.0', 'shadowed'],
    ]);
    expect(record(report, 'far-plugin')?.status).toBe('loaded');
    const ids = (await listProcessors()).map((p) => p.id);
    expect(ids).toEqual(expect.arrayContaining(['far_one', 'twice_new']));
    expect(ids).not.toContain('twice_old');
  });

  it('survives symlink loops and dangling links, and imports a package linked twice once', async () => {
    const project = writeProject(join(root, 'app'));
    const nm = join(project, 'node_modules');
    const real = writePackage(
      join(root, 'linked', 'loop-safe-plugin'),
      plugin('loop-safe-plugin', ['loop_safe']),
    );
    link(real, join(nm, 'loop-safe-plugin'));
    link(real, join(nm, 'alias-of-loop-safe'));
    link('self-loop', join(nm, 'self-loop'));
    link('ping', join(nm, 'pong'));
    link('pong', join(nm, 'ping'));
    link('..', join(nm, 'up-to-project'));
    link('./node_modules', join(nm, 'into-itself'));
    link('/nonexistent/timeside/dangling', join(nm, 'dangling'));
    link('../@scope-loop', join(nm, '@scope-loop', 'back'));

    const report = await discover(project);
    expect(report.problems).toEqual([]);
    expect(report.plugins.map((p) => [p.package, p.path])).toEqual([['loop-safe-plugin', real]]);
    expect(importedPackages().filter((n) => n === 'loop-safe-plugin')).toHaveLength(1);
    const reasons = Object.fromEntries(report.skipped.map((s) => [s.path.slice(nm.length + 1), s.reason]));
    expect(reasons).toMatchObject({
      'self-loop': 'symlink loop',
      ping: 'symlink loop',
      pong: 'symlink loop',
      dangling: 'dangling symlink',
    });
  });

  it('finds the plugins the host package depends on (a globally installed CLI)', async () => {
    const host = writePackage(join(root, 'global', 'lib', 'node_modules', '@timeside', 'core'), {
      name: '@timeside/core',
      manifest: undefined,
      dependencies: { 'shipped-plugin': '^1.0.0', 'plain-dep': '^1.0.0' },
    });
    writePackage(
      join(root, 'global', 'lib', 'node_modules', 'shipped-plugin'),
      plugin('shipped-plugin', ['shipped']),
    );
    writePackage(join(root, 'global', 'lib', 'node_modules', 'plain-dep'), {
      name: 'plain-dep',
      manifest: undefined,
    });
    // Installed globally beside core, not a dependency of it (`npm i -g @timeside/core other-plugin`).
    writePackage(
      join(root, 'global', 'lib', 'node_modules', 'other-plugin'),
      plugin('other-plugin', ['other']),
    );
    const project = writeProject(join(root, 'elsewhere'));

    const report = await discover(project, { host });
    expect(report.problems).toEqual([]);
    const globalNm = join(root, 'global', 'lib', 'node_modules');
    expect(report.plugins.map((p) => [p.package, p.via, p.foundIn]).sort()).toEqual([
      ['other-plugin', 'host', globalNm],
      ['shipped-plugin', 'host', globalNm],
    ]);
    expect((await getProcessorEntry('shipped')).source.via).toBe('host');
    expect((await getProcessorEntry('other')).source.via).toBe('host');
  });

  it('counts as the lazy discovery: listProcessors() afterwards does not discover again', async () => {
    let lazyRuns = 0;
    setDiscoverer(async () => {
      lazyRuns++;
    });
    const project = writeProject(join(root, 'app'));
    writePackage(
      join(project, 'node_modules', 'explicit-plugin'),
      plugin('explicit-plugin', ['explicit_proc']),
    );
    const report = await discover(project);
    expect((await listProcessors()).map((p) => p.id)).toContain('explicit_proc');
    expect(lazyRuns).toBe(0);
    expect(getDiscoveryReport()).toBe(report);
    // A discovery that only reports (register: false) registers nothing: the lazy one still runs.
    resetDiscovery();
    await discover(project, { register: false });
    await listProcessors();
    expect(lazyRuns).toBe(1);
  });

  it('includes the project itself when it is a plugin (a plugin under development)', async () => {
    const project = writePackage(join(root, 'my-plugin'), plugin('my-dev-plugin', ['dev_plugin_proc']));
    const report = await discover(join(project, 'test'));
    expect(report.plugins.map((p) => [p.package, p.status])).toEqual([['my-dev-plugin', 'loaded']]);
  });
});

/** An entry module that records its import before running `body`. */
function marked(name: string, body: string): string {
  return `(globalThis.__timesideImported ??= []).push(${JSON.stringify(name)});\n${body}`;
}

describe('discoverPlugins: isolation', () => {
  // One broken package per row, next to a good plugin: each is reported with its package name and
  // reason, and the good one still loads.
  const broken: {
    name: string;
    spec: Parameters<typeof writePackage>[1];
    reason: RegExp;
    imports: boolean;
  }[] = [
    {
      name: 'throws-on-import',
      spec: {
        name: 'throws-on-import',
        files: { 'index.js': marked('throws-on-import', 'throw new Error("boom: native binding missing");') },
      },
      reason: /its entry threw on import: boom: native binding missing/,
      imports: true,
    },
    {
      name: 'exports-nothing',
      spec: {
        name: 'exports-nothing',
        files: { 'index.js': marked('exports-nothing', 'export const x = 1;') },
      },
      reason: /does not export a plugin/,
      imports: true,
    },
    {
      name: 'exports-a-number',
      spec: {
        name: 'exports-a-number',
        files: { 'index.js': marked('exports-a-number', 'export default 42;') },
      },
      reason: /does not export a plugin/,
      imports: true,
    },
    {
      name: 'manifest-not-object',
      spec: { name: 'manifest-not-object', manifest: 'yes please', processors: [{ id: 'never_a' }] },
      reason: /"timeside-plugin" in package\.json must be an object/,
      imports: false,
    },
    {
      name: 'manifest-no-entry',
      spec: { name: 'manifest-no-entry', manifest: { apiVersion: 1 }, processors: [{ id: 'never_b' }] },
      reason: /needs an "entry"/,
      imports: false,
    },
    {
      name: 'manifest-unknown-key',
      spec: {
        name: 'manifest-unknown-key',
        manifest: { apiVersion: 1, entry: './index.js', entyr: 'x' },
        processors: [{ id: 'never_c' }],
      },
      reason: /unknown key "entyr"/,
      imports: false,
    },
    {
      name: 'entry-outside',
      spec: { name: 'entry-outside', manifest: { apiVersion: 1, entry: '../good-plugin/index.js' } },
      reason: /points outside the package/,
      imports: false,
    },
    {
      name: 'api-version-2',
      spec: {
        name: 'api-version-2',
        manifest: { apiVersion: 2, entry: './index.js' },
        processors: [{ id: 'never_d' }],
      },
      reason: /apiVersion 2 is not supported \(this core supports 1\): upgrade @timeside\/core/,
      imports: false,
    },
    {
      name: 'api-version-string',
      spec: {
        name: 'api-version-string',
        manifest: { apiVersion: '1', entry: './index.js' },
        processors: [{ id: 'never_e' }],
      },
      reason: /needs an integer "apiVersion"/,
      imports: false,
    },
    {
      name: 'not-built',
      spec: { name: 'not-built', manifest: { apiVersion: 1, entry: './dist/index.js' } },
      reason: /its entry \.\/dist\/index\.js does not exist .*npm run build/,
      imports: false,
    },
    {
      name: 'bad-processor',
      spec: {
        name: 'bad-processor',
        files: { 'index.js': `${pluginSource('bad-processor', [{ id: 'Bad-Id' }])}` },
      },
      reason: /P0 has an invalid id "Bad-Id" \(snake_case expected\)/,
      imports: true,
    },
    {
      name: 'takes-builtin-id',
      spec: plugin('takes-builtin-id', ['stft']),
      reason: /processor id "stft" is already taken by @timeside\/core/,
      imports: true,
    },
  ];

  it('reports and skips each broken plugin; every other plugin still loads', async () => {
    const project = writeProject(join(root, 'app'));
    const nm = join(project, 'node_modules');
    writePackage(join(nm, 'good-plugin'), plugin('good-plugin', ['good_one']));
    for (const row of broken) writePackage(join(nm, row.name), row.spec);

    const report = await discover(project);
    const { processors, errors } = await listProcessors({ withErrors: true });
    expect(processors.map((p) => p.id)).toContain('good_one');
    expect(record(report, 'good-plugin')?.status).toBe('loaded');
    for (const row of broken) {
      const problems = errors.filter((e) => e.package === row.name);
      expect(problems, row.name).toHaveLength(1);
      expect(problems[0].reason, row.name).toMatch(row.reason);
      expect(problems[0].path).toBe(join(nm, row.name));
      expect(record(report, row.name)?.problems, row.name).toEqual([problems[0].reason]);
      // Discovery runs no code from a package whose manifest is invalid or unsupported.
      expect(importedPackages().includes(row.name), row.name).toBe(row.imports);
    }
    expect(processors.map((p) => p.id)).not.toEqual(expect.arrayContaining(['never_a']));
    expect((await getProcessorEntry('stft')).source.package).toBe('@timeside/core');
    expect(report.problems).toHaveLength(broken.length);
  });

  it('keeps the valid processors of a plugin that also exports an invalid one', async () => {
    const project = writeProject(join(root, 'app'));
    writePackage(join(project, 'node_modules', 'half-good'), {
      name: 'half-good',
      files: {
        'index.js': pluginSource('half-good', [{ id: 'half_good_ok' }, { id: 'half_bad', kind: 'toaster' }]),
      },
    });
    const report = await discover(project);
    expect(record(report, 'half-good')).toMatchObject({ status: 'loaded', processors: ['half_good_ok'] });
    expect(report.problems.map((p) => p.reason)).toEqual([
      'P1 half_bad has an invalid kind "toaster"; it is skipped',
    ]);
  });

  it('reports an entry that never finishes importing instead of hanging', async () => {
    const project = writeProject(join(root, 'app'));
    writePackage(join(project, 'node_modules', 'good-plugin'), plugin('good-plugin', ['good_two']));
    writePackage(join(project, 'node_modules', 'hangs-on-import'), {
      name: 'hangs-on-import',
      files: { 'index.js': 'await new Promise(() => {});\nexport default { name: "x", processors: [] };' },
    });
    const started = Date.now();
    const report = await discover(project, { importTimeoutMs: 200 });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(report.problems.map((p) => `${p.package}: ${p.reason}`)).toEqual([
      'hangs-on-import: its entry did not finish importing within 0.2 s (a top-level await that never settles, ' +
        'or a call to listProcessors() while being discovered?)',
    ]);
    expect(record(report, 'good-plugin')?.status).toBe('loaded');
  });

  it('lists a problem once when discovery runs again without a reset', async () => {
    const project = writeProject(join(root, 'app'));
    writePackage(join(project, 'node_modules', 'throws-again'), {
      name: 'throws-again',
      files: { 'index.js': 'throw new Error("again");' },
    });
    await discover(project);
    await discover(project);
    const { errors } = await listProcessors({ withErrors: true });
    expect(errors.filter((e) => e.package === 'throws-again')).toHaveLength(1);
  });

  it('gives problems a TimesideError (E_PLUGIN) naming the package and its entry', async () => {
    const project = writeProject(join(root, 'app'));
    const dir = writePackage(join(project, 'node_modules', 'throws-too'), {
      name: 'throws-too',
      files: { 'index.js': 'throw new TypeError("cannot read x");' },
    });
    const report = await discover(project);
    const error = report.problems[0].error as { code: string; plugin: string; file: string; cause: unknown };
    expect(error).toMatchObject({ code: 'E_PLUGIN', plugin: 'throws-too', file: join(dir, 'index.js') });
    expect(error.cause).toBeInstanceOf(TypeError);
  });
});

describe('discoverPlugins: processor id conflicts', () => {
  function conflictTree(): string {
    // The third party sits in the nearer node_modules, so it is found first: first-party must win by rule.
    writePackage(
      join(root, 'node_modules', '@timeside', 'plugin-fake'),
      plugin('@timeside/plugin-fake', ['fake_level']),
    );
    const project = writeProject(join(root, 'app'));
    const nm = join(project, 'node_modules');
    writePackage(join(nm, 'aaa-third-party'), plugin('aaa-third-party', ['fake_level', 'third_only']));
    writePackage(join(nm, 'zzz-other'), plugin('zzz-other', ['other_level']));
    writePackage(join(nm, 'yyy-other'), plugin('yyy-other', ['other_level']));
    return project;
  }

  it('lets the first-party plugin win and names both packages', async () => {
    const report = await discover(conflictTree());
    expect(report.plugins[0].package).toBe('aaa-third-party');
    expect((await getProcessorEntry('fake_level')).source.package).toBe('@timeside/plugin-fake');
    expect((await getProcessorEntry('third_only')).source.package).toBe('aaa-third-party');
    const reasons = report.problems.map((p) => `${p.package}: ${p.reason}`);
    expect(reasons).toContain(
      'aaa-third-party: processor id "fake_level" is already taken by @timeside/plugin-fake ' +
        '(first-party plugins win; choose with prefer: { fake_level: "<package>" } in the config); ' +
        'the one from aaa-third-party is skipped',
    );
    // Between two third parties the one found first (by name) wins, and the message says how to choose.
    expect((await getProcessorEntry('other_level')).source.package).toBe('yyy-other');
    expect(
      reasons.some((r) =>
        r.startsWith('zzz-other: processor id "other_level" is already taken by yyy-other'),
      ),
    ).toBe(true);
  });

  it('follows prefer in the config', async () => {
    const project = conflictTree();
    writeFileSync(
      join(project, 'timeside.config.json'),
      JSON.stringify({
        prefer: { fake_level: 'aaa-third-party', other_level: 'zzz-other', ghost: 'nobody' },
      }),
    );
    const report = await discover(project);
    expect((await getProcessorEntry('fake_level')).source.package).toBe('aaa-third-party');
    expect((await getProcessorEntry('other_level')).source.package).toBe('zzz-other');
    const reasons = report.problems.map((p) => `${p.package}: ${p.reason}`);
    expect(reasons).toContain(
      `@timeside/plugin-fake: processor id "fake_level" is already taken by aaa-third-party (it is preferred in ${join(project, 'timeside.config.json')}); the one from @timeside/plugin-fake is skipped`,
    );
    expect(reasons).toContain(
      `nobody: ${join(project, 'timeside.config.json')} prefers it for processor "ghost", but it provides no processor "ghost"`,
    );
  });

  it('reports a plugin that declares one id twice', async () => {
    const project = writeProject(join(root, 'app'));
    writePackage(join(project, 'node_modules', 'twice-id'), plugin('twice-id', ['same_id', 'same_id']));
    const report = await discover(project);
    expect(report.problems.map((p) => p.reason)).toEqual(['declares processor id "same_id" twice']);
    expect((await getProcessorEntry('same_id')).source.package).toBe('twice-id');
  });
});

describe('discoverPlugins: config', () => {
  it('loads explicit plugins by name and by path (a package or a module file)', async () => {
    const project = writeProject(join(root, 'app'));
    // Installed one level up: found by Node's lookup from the config's directory.
    writePackage(join(root, 'node_modules', 'named-plugin'), plugin('named-plugin', ['named_proc']));
    const localPkg = writePackage(
      join(project, 'local', 'pkg-plugin'),
      plugin('local-pkg-plugin', ['local_pkg']),
    );
    writeFileSync(join(project, 'local', 'bare.mjs'), pluginSource('bare-module', [{ id: 'bare_proc' }]));
    writeFileSync(
      join(project, '.timesiderc.json'),
      JSON.stringify({
        discover: false,
        plugins: [
          'named-plugin',
          './local/pkg-plugin',
          './local/bare.mjs',
          'missing-plugin',
          './local/nothing',
        ],
      }),
    );
    const report = await discover(join(project, 'sub'));
    expect(report.discover).toBe(false);
    expect(report.nodeModules).toEqual([]);
    expect(report.plugins.map((p) => [p.package, p.via, p.status])).toEqual([
      ['named-plugin', 'config', 'loaded'],
      ['local-pkg-plugin', 'config', 'loaded'],
      ['./local/bare.mjs', 'config', 'loaded'],
    ]);
    expect((await getProcessorEntry('local_pkg')).source).toEqual({
      package: 'local-pkg-plugin',
      path: localPkg,
      via: 'config',
    });
    expect((await getProcessorEntry('bare_proc')).source.via).toBe('config');
    const rc = join(project, '.timesiderc.json');
    expect(report.problems.map((p) => `${p.package}: ${p.reason}`)).toEqual([
      `missing-plugin: is listed in ${rc} but is not installed (run \`npm install missing-plugin\`)`,
      `./local/nothing: is listed in ${rc} but ${join(project, 'local', 'nothing')} does not exist`,
    ]);
  });

  it('with discover: false, loads no plugin from node_modules', async () => {
    const project = writeProject(join(root, 'app'), { timeside: { discover: false } });
    writePackage(join(project, 'node_modules', 'ignored-plugin'), plugin('ignored-plugin', ['ignored_proc']));
    const report = await discover(project);
    expect(report.configFile).toBe(join(project, 'package.json'));
    expect(report.plugins).toEqual([]);
    expect((await listProcessors()).map((p) => p.id)).not.toContain('ignored_proc');
  });

  it('uses a config passed in instead of searching', async () => {
    const project = writeProject(join(root, 'app'), { timeside: { discover: false } });
    writePackage(join(project, 'node_modules', 'passed-plugin'), plugin('passed-plugin', ['passed_proc']));
    const report = await discover(project, { config: { config: {}, dir: project } });
    expect(report.plugins.map((p) => p.package)).toEqual(['passed-plugin']);
  });

  it('fails with E_CONFIG on a bad config', async () => {
    const project = writeProject(join(root, 'app'));
    writeFileSync(join(project, 'timeside.config.json'), JSON.stringify({ plugins: 'not-a-list' }));
    await expect(discover(project)).rejects.toMatchObject({ code: 'E_CONFIG' });
  });
});

describe('discoverPlugins: manifest cache', () => {
  function thousandPackages(project: string, count: number, pluginEvery: number): void {
    for (let i = 0; i < count; i++) {
      const name = i % pluginEvery === 0 ? `cached-plugin-${i}` : `dep-${i}`;
      writePackage(
        join(project, 'node_modules', name),
        i % pluginEvery === 0 ? plugin(name, [`cached_${i}`]) : { name, manifest: undefined },
      );
    }
  }

  it('reads each package.json once; later runs stat them only, also from the persisted cache', async () => {
    const project = writeProject(join(root, 'app'));
    thousandPackages(project, 60, 20);
    // One package linked the pnpm way: its realpath is cached by link target.
    const linkedA = writePackage(join(root, 'store', 'linked-a'), plugin('linked-plugin', ['linked_a']));
    const linkedB = writePackage(
      join(root, 'store', 'linked-b'),
      plugin('linked-plugin', ['linked_b'], { version: '2.0.0' }),
    );
    link(linkedA, join(project, 'node_modules', 'linked-plugin'));
    const cacheFile = join(project, 'node_modules', '.cache', 'timeside', 'manifests.json');

    const cold = await discover(project);
    // 61 packages + the project's own package.json.
    expect(cold.packagesSeen).toBe(62);
    expect(cold.cache).toEqual({
      file: cacheFile,
      reads: 62,
      hits: 0,
      realpaths: 1,
      listed: 1,
      written: true,
    });
    expect(cold.plugins).toHaveLength(4);
    expect(existsSync(cacheFile)).toBe(true);

    resetDiscovery();
    const warm = await discover(project);
    expect(warm.cache).toMatchObject({ reads: 0, hits: 62, realpaths: 0, written: false });
    expect(warm.plugins.map((p) => p.package)).toEqual(cold.plugins.map((p) => p.package));

    // A new process: only the file remains.
    resetDiscovery();
    clearManifestCache();
    const fromFile = await discover(project);
    expect(fromFile.cache).toMatchObject({ reads: 0, hits: 62, realpaths: 0, written: false });
    expect(fromFile.plugins.map((p) => p.status)).toEqual(['loaded', 'loaded', 'loaded', 'loaded']);

    // A package.json that changes (new mtime) is read again, and the change is seen.
    const changed = join(project, 'node_modules', 'dep-1', 'package.json');
    writePackage(join(project, 'node_modules', 'dep-1'), plugin('dep-1', ['became_plugin']));
    const later = new Date(Date.now() + 5000);
    utimesSync(changed, later, later);
    resetDiscovery();
    const afterChange = await discover(project);
    expect(afterChange.cache).toMatchObject({ reads: 1, hits: 61, realpaths: 0, written: true });
    expect(afterChange.plugins.map((p) => p.package)).toContain('dep-1');

    // A link pointed elsewhere (an upgrade by pnpm) is resolved again.
    rmSync(join(project, 'node_modules', 'linked-plugin'));
    link(linkedB, join(project, 'node_modules', 'linked-plugin'));
    resetDiscovery();
    const relinked = await discover(project);
    expect(relinked.cache).toMatchObject({ reads: 1, realpaths: 1, written: true });
    expect(record(relinked, 'linked-plugin')).toMatchObject({ path: linkedB, version: '2.0.0' });
    expect((await getProcessorEntry('linked_b')).source.path).toBe(linkedB);
  });

  it('resolves a link again when the directory holding it is reached through a symlink that moved', async () => {
    // A deploy that switches `current` from one release to the next: the links inside read the same.
    for (const version of ['1.0.0', '2.0.0']) {
      const release = writeProject(join(root, 'releases', version));
      writePackage(
        join(release, 'store', 'moving-plugin'),
        plugin('moving-plugin', [`moving_${version[0]}`], { version }),
      );
      link('../store/moving-plugin', join(release, 'node_modules', 'moving-plugin'));
    }
    const current = join(root, 'current');
    link(join(root, 'releases', '1.0.0'), current);
    expect(record(await discover(current), 'moving-plugin')?.version).toBe('1.0.0');
    rmSync(current);
    link(join(root, 'releases', '2.0.0'), current);
    resetDiscovery();
    expect(record(await discover(current), 'moving-plugin')).toMatchObject({
      version: '2.0.0',
      path: join(root, 'releases', '2.0.0', 'store', 'moving-plugin'),
    });
  });

  it('lists an unchanged node_modules once; an added, removed or relinked package is still seen', async () => {
    const project = writeProject(join(root, 'app'));
    const nm = join(project, 'node_modules');
    const scope = join(nm, '@team');
    writePackage(join(nm, 'plain-plugin'), plugin('plain-plugin', ['listing_plain']));
    writePackage(join(scope, 'scoped-plugin'), plugin('@team/scoped-plugin', ['listing_scoped']));
    const v1 = writePackage(join(root, 'store', 'linked-v1'), plugin('linked-plugin', ['listing_v1']));
    const v2 = writePackage(
      join(root, 'store', 'linked-v2'),
      plugin('linked-plugin', ['listing_v2'], { version: '2.0.0' }),
    );
    link(v1, join(nm, 'linked-plugin'));
    const late = join(root, 'store', 'late-plugin');
    link(late, join(nm, 'late-plugin')); // dangling for now
    await settle(nm, scope, project);
    // Not persisted: creating node_modules/.cache would change node_modules itself.
    const unpersisted = { persistCache: false };
    const loaded = (report: DiscoveryReport) =>
      report.plugins.filter((p) => p.status === 'loaded').map((p) => [p.package, p.path]);

    const first = await discover(project, unpersisted);
    expect(first.cache).toMatchObject({ listed: 2, realpaths: 1 });
    expect(loaded(first)).toEqual([
      ['@team/scoped-plugin', join(scope, 'scoped-plugin')],
      ['linked-plugin', v1],
      ['plain-plugin', join(nm, 'plain-plugin')],
    ]);
    expect(first.skipped).toEqual([{ path: join(nm, 'late-plugin'), reason: 'dangling symlink' }]);

    // Unchanged: one stat per directory, no readdir, no readlink resolved again, same result.
    resetDiscovery();
    const second = await discover(project, unpersisted);
    expect(second.cache).toMatchObject({ listed: 0, realpaths: 0, reads: 0 });
    expect(loaded(second)).toEqual(loaded(first));
    expect(second.skipped).toEqual(first.skipped);

    // The dangling link's target appears (its directory does not change): it is followed now.
    writePackage(late, plugin('late-plugin', ['listing_late']));
    resetDiscovery();
    const third = await discover(project, unpersisted);
    expect(third.cache).toMatchObject({ listed: 0, realpaths: 1 });
    expect(third.skipped).toEqual([]);
    expect(record(third, 'late-plugin')).toMatchObject({ status: 'loaded', path: late });

    // A package added to a scope: that directory alone is listed again, at once.
    writePackage(join(scope, 'second-plugin'), plugin('@team/second-plugin', ['listing_second']));
    resetDiscovery();
    const fourth = await discover(project, unpersisted);
    expect(fourth.cache).toMatchObject({ listed: 1 });
    expect(record(fourth, '@team/second-plugin')?.status).toBe('loaded');

    // Added, removed and relinked at the top level, right after the last listing.
    writePackage(join(nm, 'added-plugin'), plugin('added-plugin', ['listing_added']));
    rmSync(join(nm, 'plain-plugin'), { recursive: true });
    rmSync(join(nm, 'linked-plugin'));
    link(v2, join(nm, 'linked-plugin'));
    resetDiscovery();
    const fifth = await discover(project, unpersisted);
    expect(loaded(fifth)).toEqual([
      ['@team/scoped-plugin', join(scope, 'scoped-plugin')],
      ['@team/second-plugin', join(scope, 'second-plugin')],
      ['added-plugin', join(nm, 'added-plugin')],
      ['late-plugin', late],
      ['linked-plugin', v2],
    ]);
    expect(record(fifth, 'linked-plugin')?.version).toBe('2.0.0');
    expect((await getProcessorEntry('listing_v2')).source.path).toBe(v2);
  });

  it('sees a config created after a discovery, while an unchanged config search is reused', async () => {
    const project = writeProject(join(root, 'app'));
    writePackage(join(project, 'node_modules', 'config-late'), plugin('config-late', ['config_late']));
    await settle(join(project, 'package.json'), project);
    clearConfigCache();
    const first = await discover(project);
    expect(first.configFile).toBeUndefined();
    expect(record(first, 'config-late')?.status).toBe('loaded');
    resetDiscovery();
    await discover(project);
    expect(configSearchStats).toEqual({ searches: 1, hits: 1 });

    const file = join(project, 'timeside.config.json');
    writeFileSync(file, JSON.stringify({ discover: false }));
    resetDiscovery();
    const second = await discover(project);
    expect(second).toMatchObject({ configFile: file, discover: false, plugins: [] });
    expect(configSearchStats.searches).toBe(2);
  });

  it('caches a package.json that is not JSON as such, and says so where a plugin was expected', async () => {
    const project = writeProject(join(root, 'app'));
    const nm = join(project, 'node_modules');
    writePackage(join(nm, 'fine-plugin'), plugin('fine-plugin', ['fine_proc']));
    mkdirSync(join(nm, 'garbled'));
    writeFileSync(join(nm, 'garbled', 'package.json'), '{ "name": "garbled", ');
    mkdirSync(join(project, 'vendor', 'half-written'), { recursive: true });
    writeFileSync(join(project, 'vendor', 'half-written', 'package.json'), '{');
    const rc = join(project, '.timesiderc.json');
    writeFileSync(rc, JSON.stringify({ plugins: ['garbled', './vendor/half-written'] }));

    const first = await discover(project);
    expect(first.skipped).toEqual([
      { path: join(nm, 'garbled'), reason: expect.stringMatching(/^package\.json is not valid JSON: ./) },
    ]);
    const reasons = first.problems.map((p) => `${p.package}: ${p.reason}`);
    expect(reasons).toEqual([
      expect.stringMatching(
        new RegExp(
          `^garbled: is listed in ${rc} but its package\\.json is not valid JSON: .+ \\(reinstall it\\)$`,
        ),
      ),
      expect.stringMatching(
        new RegExp(
          `^\\./vendor/half-written: is listed in ${rc} but its package\\.json is not valid JSON: .`,
        ),
      ),
    ]);
    expect(record(first, 'fine-plugin')?.status).toBe('loaded');

    // Unchanged, it is not read (nor the cache file written) again.
    resetDiscovery();
    const second = await discover(project);
    expect(second.cache).toMatchObject({ reads: 0, written: false });
    expect(second.skipped).toEqual(first.skipped);
  });

  it('persists nothing when asked not to', async () => {
    const project = writeProject(join(root, 'app'));
    writePackage(join(project, 'node_modules', 'np-plugin'), plugin('np-plugin', ['np_proc']));
    const report = await discover(project, { persistCache: false });
    expect(report.cache.file).toBeUndefined();
    expect(report.cache.written).toBe(false);
    expect(existsSync(join(project, 'node_modules', '.cache'))).toBe(false);
  });
});
