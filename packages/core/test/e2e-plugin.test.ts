/**
 * End to end: a plugin made from the scaffold, built and packed, installed next to core's tarball
 * with npm and with pnpm in fresh projects, is discovered with no code and no config and runs in
 * a pipeline; a broken plugin beside it is reported and skipped.
 *
 * Slow (installs from the npm registry, a few minutes on a cold cache) and needs core's dist
 * (`pnpm test` builds first): it runs in CI (CI set) or with TIMESIDE_E2E=1.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MINUTES, pnpm, repo, run } from './npm-fixtures.js';

const RUN = Boolean(process.env.CI || process.env.TIMESIDE_E2E);
const coreDir = join(repo, 'packages', 'core');
const PLUGIN = 'timeside-plugin-e2e-tone';
const PROCESSOR = 'e2e_tone_peak_frequency';

function writeJson(path: string, value: unknown): void {
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}

function tarballIn(dir: string, prefix: string): string {
  const name = readdirSync(dir).find((f) => f.startsWith(prefix) && f.endsWith('.tgz'));
  if (!name) throw new Error(`no ${prefix}*.tgz in ${dir}`);
  return join(dir, name);
}

/** Run in a consumer project: lists processors, runs PROCESSOR on a 440 Hz tone, prints JSON. */
const CHECK_SCRIPT = `
import { arrayDecoder, getDiscoveryReport, getProcessor, listProcessors, pipe } from '@timeside/core';
const id = process.argv[2];
const { processors, errors } = await listProcessors({ withErrors: true });
const out = {
  ids: processors.map((p) => p.id),
  source: processors.find((p) => p.id === id)?.source,
  errors: errors.map((e) => ({ package: e.package, reason: e.reason })),
  plugins: getDiscoveryReport().plugins.map((p) => ({ package: p.package, path: p.path, via: p.via, status: p.status })),
};
if (out.source) {
  const sampleRate = 44100;
  const tone = new Float32Array(sampleRate);
  for (let i = 0; i < tone.length; i++) tone[i] = 0.5 * Math.sin((2 * Math.PI * 440 * i) / sampleRate);
  const Peak = await getProcessor(id);
  const results = await pipe(arrayDecoder(tone, sampleRate), new Peak({ fftSize: 2048, hopSize: 512 })).run();
  out.values = Array.from(results.require(id).value);
}
console.log(JSON.stringify(out));
`;

interface CheckOutput {
  ids: string[];
  source?: { package: string; path: string; via: string };
  errors: { package: string; reason: string }[];
  plugins: { package: string; path: string; via: string; status: string }[];
  values?: number[];
}

function check(project: string): CheckOutput {
  writeFileSync(join(project, 'check.mjs'), CHECK_SCRIPT);
  const stdout = run('node', ['check.mjs', PROCESSOR], project, MINUTES);
  return JSON.parse(stdout.trim().split('\n').pop()!) as CheckOutput;
}

/** The known truth: a 440 Hz sine peaks within one bin (44100 / 2048 Hz) of 440 Hz. */
function expectTone(values: number[] | undefined): void {
  expect(values).toBeDefined();
  const frames = Math.floor((44100 - 2048) / 512) + 1; // frames wholly inside the tone
  expect(values!.length).toBe(Math.ceil(44100 / 512));
  for (let i = 0; i < frames; i++) expect(Math.abs(values![i] - 440)).toBeLessThanOrEqual(44100 / 2048);
}

describe.runIf(RUN)('a scaffolded plugin, end to end', () => {
  let work: string;
  let coreTgz: string;
  let pluginTgz: string;
  let packageManager: string;

  beforeAll(() => {
    if (
      !existsSync(join(coreDir, 'dist', 'index.js')) ||
      !existsSync(join(coreDir, 'dist', 'template', 'package.json'))
    ) {
      throw new Error('core is not built: run `pnpm build` (or `pnpm test`, which builds first)');
    }
    packageManager = (
      JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { packageManager: string }
    ).packageManager;
    work = realpathSync(mkdtempSync(join(tmpdir(), 'timeside-e2e-')));

    // 1. Scaffold with the shipped core (dist and its bundled template), as `timeside new plugin` does.
    const pluginDir = join(work, PLUGIN);
    run(
      'node',
      [
        '--input-type=module',
        '-e',
        `const { scaffoldPlugin } = await import(${JSON.stringify(join(coreDir, 'dist', 'index.js'))});
         const r = scaffoldPlugin({ name: ${JSON.stringify(PLUGIN)}, dir: ${JSON.stringify(pluginDir)} });
         if (r.processorId !== ${JSON.stringify(PROCESSOR)}) throw new Error('processor id ' + r.processorId);
         if (!r.template.endsWith('dist/template')) throw new Error('template from ' + r.template);`,
      ],
      work,
    );

    // 2. Core's tarball, as published.
    const [pnpmCmd, pnpmArgs] = pnpm();
    run(pnpmCmd, [...pnpmArgs, 'pack', '--pack-destination', work], coreDir);
    coreTgz = tarballIn(work, 'timeside-core-');

    // 3. Build, test and pack the plugin. @timeside/core is not on the registry: use the tarball.
    const pkgPath = join(pluginDir, 'package.json');
    const pkg = JSON.parse(readFileSync(pkgPath, 'utf8'));
    pkg.devDependencies['@timeside/core'] = `file:${coreTgz}`;
    writeJson(pkgPath, pkg);
    run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], pluginDir, 8 * MINUTES);
    run('npm', ['run', 'build'], pluginDir);
    const tested = run('npm', ['test'], pluginDir);
    expect(tested).toMatch(/Tests\s+5 passed/);
    run('npm', ['pack', '--pack-destination', work], pluginDir);
    pluginTgz = tarballIn(work, PLUGIN);
  }, 15 * MINUTES);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it(
    'is discovered and runs in a project installed with npm',
    () => {
      const project = join(work, 'npm-app');
      mkdirSync(project);
      writeJson(join(project, 'package.json'), { name: 'npm-app', private: true, type: 'module' });
      run(
        'npm',
        ['install', '--no-audit', '--no-fund', '--prefer-offline', coreTgz, pluginTgz],
        project,
        8 * MINUTES,
      );
      const out = check(project);
      expect(out.errors).toEqual([]);
      expect(out.ids).toContain(PROCESSOR);
      expect(out.source).toEqual({
        package: PLUGIN,
        path: join(project, 'node_modules', PLUGIN),
        via: 'discovery',
      });
      expectTone(out.values);
    },
    10 * MINUTES,
  );

  it(
    'is discovered and runs in a project installed with pnpm (symlinked store)',
    () => {
      const project = join(work, 'pnpm-app');
      mkdirSync(project);
      writeJson(join(project, 'package.json'), {
        name: 'pnpm-app',
        private: true,
        type: 'module',
        packageManager,
      });
      const [cmd, args] = pnpm();
      run(cmd, [...args, 'add', '--prefer-offline', coreTgz, pluginTgz], project, 8 * MINUTES);
      const out = check(project);
      expect(out.errors).toEqual([]);
      expect(out.source?.package).toBe(PLUGIN);
      // pnpm links the direct dependency from its store: discovery followed the symlink.
      expect(out.source?.path).toContain(join(project, 'node_modules', '.pnpm'));
      expectTone(out.values);
    },
    10 * MINUTES,
  );

  it(
    'reports a broken plugin with its name and reason, and still loads the good one',
    () => {
      const project = join(work, 'broken-app');
      mkdirSync(project);
      writeJson(join(project, 'package.json'), { name: 'broken-app', private: true, type: 'module' });
      const broken: Record<string, { manifest: unknown; entry: string }> = {
        'timeside-plugin-throws': {
          manifest: { apiVersion: 1, entry: './index.js' },
          entry:
            "import 'a-native-binding-that-is-not-installed';\nexport default { name: 'x', processors: [] };\n",
        },
        'timeside-plugin-future': {
          manifest: { apiVersion: 99, entry: './index.js' },
          entry: "throw new Error('must never be imported');\n",
        },
      };
      const tarballs: string[] = [];
      for (const [name, spec] of Object.entries(broken)) {
        const dir = join(work, name);
        mkdirSync(dir);
        writeJson(join(dir, 'package.json'), {
          name,
          version: '1.0.0',
          type: 'module',
          'timeside-plugin': spec.manifest,
        });
        writeFileSync(join(dir, 'index.js'), spec.entry);
        run('npm', ['pack', '--pack-destination', work], dir);
        tarballs.push(tarballIn(work, name));
      }
      run(
        'npm',
        ['install', '--no-audit', '--no-fund', '--prefer-offline', coreTgz, pluginTgz, ...tarballs],
        project,
        8 * MINUTES,
      );
      const out = check(project);
      expect(out.ids).toContain(PROCESSOR);
      expectTone(out.values);
      expect(out.errors.map((e) => e.package).sort()).toEqual([
        'timeside-plugin-future',
        'timeside-plugin-throws',
      ]);
      const reason = (name: string) => out.errors.find((e) => e.package === name)?.reason;
      expect(reason('timeside-plugin-throws')).toMatch(
        /^its entry threw on import: Cannot find package 'a-native-binding-that-is-not-installed'/,
      );
      expect(reason('timeside-plugin-future')).toMatch(
        /^apiVersion 99 is not supported \(this core supports 1\)/,
      );
      expect(out.plugins.find((p) => p.package === PLUGIN)?.status).toBe('loaded');

      // A TypeScript config needs the typescript package, which a plain npm project lacks: say so.
      const tsProject = join(project, 'ts-config');
      mkdirSync(tsProject);
      writeJson(join(tsProject, 'package.json'), { name: 'ts-config', private: true, type: 'module' });
      writeFileSync(join(tsProject, 'timeside.config.ts'), 'export default { discover: false };\n');
      const loaded = run(
        'node',
        [
          '--input-type=module',
          '-e',
          `import { loadConfig } from '@timeside/core';
         try { await loadConfig({ cwd: 'ts-config' }); console.log('{}'); }
         catch (e) { console.log(JSON.stringify({ code: e.code, file: e.file, message: e.message })); }`,
        ],
        project,
      );
      const error = JSON.parse(loaded.trim()) as { code?: string; file?: string; message?: string };
      expect(error.code).toBe('E_CONFIG');
      expect(error.file).toBe(join(tsProject, 'timeside.config.ts'));
      expect(error.message).toMatch(/needs the "typescript" package/);
    },
    10 * MINUTES,
  );
});
