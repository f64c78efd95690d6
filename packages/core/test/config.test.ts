import { mkdirSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CONFIG_SEARCH_PLACES,
  isTimesideError,
  loadConfig,
  paramsFor,
  resolvePreset,
  type TimesideConfig,
  validateConfig,
} from '../src/index.js';
import { clearConfigCache, configSearchStats } from '../src/registry/config.js';
import { cleanup, tempDir, writeProject } from './discovery-fixtures.js';

let root: string;
beforeEach(() => {
  root = realpathSync(tempDir('timeside-config-'));
});
afterEach(() => cleanup(root));

const sample: TimesideConfig = {
  plugins: ['timeside-plugin-extra', './local/plugin'],
  discover: false,
  params: { level: { blockSize: 2048 } },
  presets: {
    web: {
      description: 'pictures and audio for a web page',
      analyzers: ['level'],
      graphers: ['waveform_simple'],
      encoders: ['vorbis_encoder'],
      params: { waveform_simple: { width: 1024 } },
    },
  },
  prefer: { level: 'timeside-plugin-extra' },
};

const yaml = `plugins:
  - timeside-plugin-extra
  - ./local/plugin
discover: false
params:
  level:
    blockSize: 2048
presets:
  web:
    description: pictures and audio for a web page
    analyzers: [level]
    graphers: [waveform_simple]
    encoders: [vorbis_encoder]
    params:
      waveform_simple:
        width: 1024
prefer:
  level: timeside-plugin-extra
`;
const json = JSON.stringify(sample, null, 2);

/** Every supported file, written the way a user would write it. */
const files: { file: string; text: string }[] = [
  { file: 'timeside.config.json', text: json },
  { file: 'timeside.config.yaml', text: yaml },
  { file: 'timeside.config.yml', text: yaml },
  { file: 'timeside.config.mjs', text: `export default ${json};` },
  { file: 'timeside.config.js', text: `export default ${json};` },
  { file: 'timeside.config.cjs', text: `module.exports = ${json};` },
  {
    file: 'timeside.config.ts',
    text: `import type { TimesideConfig } from '@timeside/core';\nconst config: TimesideConfig = ${json};\nexport default config;\n`,
  },
  { file: '.timesiderc', text: yaml },
  { file: '.timesiderc.json', text: json },
  { file: '.timesiderc.yaml', text: yaml },
  { file: '.config/timesiderc.json', text: json },
];

describe('loadConfig', () => {
  it.each(files)('reads $file', async ({ file, text }) => {
    const project = writeProject(join(root, 'p'), { type: 'module' });
    mkdirSync(join(project, '.config'), { recursive: true });
    writeFileSync(join(project, file), text);
    const loaded = await loadConfig({ cwd: project });
    expect(loaded.filepath).toBe(join(project, file));
    expect(loaded.dir).toBe(project);
    expect(loaded.config).toEqual(sample);
  });

  it('reads the "timeside" key of package.json', async () => {
    const project = writeProject(join(root, 'p'), { timeside: sample });
    const loaded = await loadConfig({ cwd: project });
    expect(loaded.filepath).toBe(join(project, 'package.json'));
    expect(loaded.config).toEqual(sample);
  });

  it('searches from a subdirectory up to the project root, and no further', async () => {
    writeFileSync(join(root, 'timeside.config.json'), JSON.stringify({ discover: true }));
    const project = writeProject(join(root, 'p'));
    writeFileSync(join(project, '.timesiderc.json'), JSON.stringify({ plugins: ['x'] }));
    const deep = join(project, 'a', 'b');
    mkdirSync(deep, { recursive: true });
    expect(await loadConfig({ cwd: deep })).toEqual({
      config: { plugins: ['x'] },
      filepath: join(project, '.timesiderc.json'),
      dir: project,
    });
    const bare = writeProject(join(root, 'q'));
    // The config above the project root is not the project's.
    expect(await loadConfig({ cwd: bare })).toEqual({ config: {}, dir: bare });
  });

  it('reuses an unchanged search, and sees a config created, changed or deleted since', async () => {
    const project = writeProject(join(root, 'p'));
    const deep = join(project, 'src');
    mkdirSync(deep);
    // Until a file's last change is a timestamp tick old, a search that saw it is not reused.
    const settle = async (path: string) => {
      const { mtimeMs, ctimeMs } = statSync(path);
      const changed = Math.max(mtimeMs, ctimeMs);
      const wait = changed + (changed % 1000 === 0 ? 2000 : 50) + 20 - Date.now();
      if (wait > 0) await new Promise((done) => setTimeout(done, wait));
    };
    await settle(join(project, 'package.json'));
    clearConfigCache();
    expect(await loadConfig({ cwd: deep })).toEqual({ config: {}, dir: deep });
    expect(await loadConfig({ cwd: deep })).toEqual({ config: {}, dir: deep });
    expect(configSearchStats).toEqual({ searches: 1, hits: 1 });

    // Created in the project root, while the search from `deep` was cached.
    const rc = join(project, '.timesiderc.json');
    writeFileSync(rc, JSON.stringify({ plugins: ['a'] }));
    const created = { config: { plugins: ['a'] }, filepath: rc, dir: project };
    expect(await loadConfig({ cwd: deep })).toEqual(created);
    await settle(rc);
    expect(await loadConfig({ cwd: deep })).toEqual(created);
    expect(await loadConfig({ cwd: deep })).toEqual(created);
    expect(configSearchStats.hits).toBe(2);

    // Changed to the same size: the new times tell.
    writeFileSync(rc, JSON.stringify({ plugins: ['b'] }));
    expect(await loadConfig({ cwd: deep })).toMatchObject({ config: { plugins: ['b'] }, filepath: rc });

    // A nearer one created in .config/ of the start directory wins.
    const nearer = join(deep, '.config', 'timesiderc.yaml');
    mkdirSync(join(deep, '.config'));
    writeFileSync(nearer, 'discover: false\n');
    expect(await loadConfig({ cwd: deep })).toEqual({
      config: { discover: false },
      filepath: nearer,
      dir: deep,
    });

    // Both deleted: no config.
    rmSync(join(deep, '.config'), { recursive: true });
    rmSync(rc);
    expect(await loadConfig({ cwd: deep })).toEqual({ config: {}, dir: deep });
  });

  it('loads an explicit file', async () => {
    writeFileSync(join(root, 'custom.yaml'), 'discover: false\n');
    const loaded = await loadConfig({ cwd: root, file: 'custom.yaml' });
    expect(loaded).toEqual({ config: { discover: false }, filepath: join(root, 'custom.yaml'), dir: root });
  });

  it('searches every documented place', () => {
    for (const ext of ['js', 'mjs', 'cjs', 'ts', 'json', 'yaml', 'yml']) {
      expect(CONFIG_SEARCH_PLACES).toContain(`timeside.config.${ext}`);
    }
    expect(CONFIG_SEARCH_PLACES).toEqual(
      expect.arrayContaining(['package.json', '.timesiderc', '.timesiderc.json']),
    );
  });
});

describe('config errors (E_CONFIG naming the file and the key)', () => {
  const invalid: { config: unknown; key: string; reason: RegExp }[] = [
    {
      config: { plugins: 'timeside-plugin-x' },
      key: 'plugins',
      reason: /must be a list of package names or paths/,
    },
    {
      config: { plugins: ['ok', 3] },
      key: 'plugins[1]',
      reason: /must be a package name or a path \(a non-empty string\), got 3$/,
    },
    { config: { discover: 'no' }, key: 'discover', reason: /must be true or false, got "no"/ },
    {
      config: { params: { level: 5 } },
      key: 'params.level',
      reason: /must be an object of parameters, got 5/,
    },
    {
      config: { params: { level: { x: { y: 1 } } } },
      key: 'params.level.x',
      reason: /must be a number, string/,
    },
    {
      config: { presets: { web: { analyzers: ['level', 7] } } },
      key: 'presets.web.analyzers[1]',
      reason: /must be a processor id \(a non-empty string\), got 7$/,
    },
    {
      config: { presets: { web: { analyser: ['level'] } } },
      key: 'presets.web.analyser',
      reason: /is not a known key/,
    },
    { config: { presets: { web: 'level' } }, key: 'presets.web', reason: /must be an object/ },
    { config: { prefer: { level: 1 } }, key: 'prefer.level', reason: /must be a package name, got 1/ },
    {
      config: { plugin: ['x'] },
      key: 'plugin',
      reason:
        /is not a known key \(known: allowExternalPlugins, discover, params, plugins, prefer, presets\)/,
    },
  ];

  it.each(invalid)('rejects $key', async ({ config, key, reason }) => {
    const project = writeProject(join(root, 'p'));
    const file = join(project, 'timeside.config.json');
    writeFileSync(file, JSON.stringify(config));
    const error = await loadConfig({ cwd: project }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isTimesideError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'E_CONFIG', file });
    expect((error as Error).message.startsWith(`${file}: "${key}" `)).toBe(true);
    expect((error as Error).message).toMatch(reason);
  });

  it('prefixes keys with "timeside." in package.json', async () => {
    const project = writeProject(join(root, 'p'), { timeside: { discover: 1 } });
    await expect(loadConfig({ cwd: project })).rejects.toThrow(
      `${join(project, 'package.json')}: "timeside.discover" must be true or false, got 1`,
    );
  });

  it.each([
    { file: 'timeside.config.json', text: '{ "plugins": [', reason: /cannot be read: .*JSON/s },
    { file: '.timesiderc.yaml', text: 'plugins: [a\n  b: c', reason: /cannot be read/ },
    { file: 'timeside.config.mjs', text: 'export default {;', reason: /cannot be read/ },
    { file: 'timeside.config.mjs', text: 'export default 3;', reason: /must be an object, got 3/ },
  ])('names $file when it cannot be used', async ({ file, text, reason }) => {
    const project = writeProject(join(root, 'p'));
    writeFileSync(join(project, file), text);
    await expect(loadConfig({ cwd: project })).rejects.toMatchObject({
      code: 'E_CONFIG',
      file: join(project, file),
      message: expect.stringMatching(reason),
    });
  });

  it('validates an object directly', () => {
    expect(validateConfig({ $schema: './x.json', discover: true })).toEqual({ discover: true });
    expect(() => validateConfig([1], 'f.json')).toThrow('f.json: must be an object, got a list');
  });
});

describe('presets and params', () => {
  const loaded = { config: sample, filepath: '/p/timeside.config.json', dir: '/p' };

  it('resolves a preset, or lists the known ones', () => {
    expect(resolvePreset(loaded, 'web').graphers).toEqual(['waveform_simple']);
    expect(() => resolvePreset(loaded, 'fast')).toThrow(
      '/p/timeside.config.json: there is no preset "fast" (known: web)',
    );
    expect(() => resolvePreset({ config: {}, dir: '/p' }, 'web')).toThrow('the config defines no "presets"');
  });

  it('merges params: config, then preset, then the caller’s own', () => {
    const preset = resolvePreset(loaded, 'web');
    expect(paramsFor(sample, 'level', preset)).toEqual({ blockSize: 2048 });
    expect(paramsFor(sample, 'waveform_simple', preset, { height: 64 })).toEqual({ width: 1024, height: 64 });
    expect(paramsFor({ params: { a: { x: 1, y: 2 } } }, 'a', { params: { a: { y: 3 } } }, { x: 4 })).toEqual({
      x: 4,
      y: 3,
    });
    expect(paramsFor({}, 'none')).toEqual({});
  });
});
