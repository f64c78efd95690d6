import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkManifest, defaultProcessorId, pluginTemplateDir, scaffoldPlugin } from '../src/index.js';
import { cleanup, tempDir } from './discovery-fixtures.js';

const repoTemplate = fileURLToPath(new URL('../../../templates/plugin', import.meta.url));
let root: string;

beforeEach(() => {
  root = realpathSync(tempDir('timeside-scaffold-'));
});
afterEach(() => cleanup(root));

function readAll(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile())
      out[join(e.parentPath, e.name).slice(dir.length + 1)] = readFileSync(
        join(e.parentPath, e.name),
        'utf8',
      );
  }
  return out;
}

describe('scaffoldPlugin', () => {
  it('copies the template with the name and processor id filled in', () => {
    const dir = join(root, 'timeside-plugin-tuning');
    const result = scaffoldPlugin({ name: '@me/timeside-plugin-tuning', dir });
    expect(result.processorId).toBe('tuning_peak_frequency');
    expect(result.template).toBe(realpathSync(repoTemplate));
    expect(result.files).toEqual([
      '.gitignore',
      'README.md',
      'package.json',
      'src/index.ts',
      'src/tuning_peak_frequency.test.ts',
      'src/tuning_peak_frequency.ts',
      'tsconfig.json',
      'tsup.config.ts',
    ]);
    const files = readAll(dir);
    expect(Object.keys(files).sort()).toEqual(result.files);
    // No placeholder left, not even one a Markdown formatter rewrote (`__X__` → `**X**`).
    for (const [file, text] of Object.entries(files))
      expect(text, file).not.toMatch(/PLUGIN_NAME|PROCESSOR_ID|CORE_VERSION/);
    expect(files['README.md'].split('\n')[0]).toBe('# @me/timeside-plugin-tuning');

    const pkg = JSON.parse(files['package.json']);
    const core = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    expect(pkg.name).toBe('@me/timeside-plugin-tuning');
    // Any later 0.x core satisfies the peer (the manifest's apiVersion is the contract).
    expect(pkg.peerDependencies).toEqual({ '@timeside/core': `>=${core.version} <1` });
    expect(pkg.devDependencies['@timeside/core']).toBe(`^${core.version}`);
    expect(pkg.keywords).toContain('timeside-plugin');
    expect(checkManifest(pkg['timeside-plugin'], dir)).toEqual({
      ok: true,
      manifest: { apiVersion: 1, entry: './dist/index.js' },
      entryPath: join(dir, 'dist', 'index.js'),
    });
    expect(files['src/index.ts']).toContain("import { PeakFrequency } from './tuning_peak_frequency.js';");
    expect(files['src/index.ts']).toContain(
      "definePlugin({ name: '@me/timeside-plugin-tuning', processors })",
    );
    expect(files['src/tuning_peak_frequency.ts']).toContain("id: 'tuning_peak_frequency'");
    expect(files['.gitignore']).toContain('node_modules/');
  });

  it('accepts an existing empty directory and an explicit processor id', () => {
    const dir = join(root, 'empty');
    mkdirSync(dir);
    const result = scaffoldPlugin({ name: 'timeside-plugin-x', dir, processorId: 'x_peak' });
    expect(result.files).toContain('src/x_peak.ts');
    expect(readdirSync(root)).toEqual(['empty']);
  });

  it('refuses a non-empty directory and leaves it untouched', () => {
    const dir = join(root, 'busy');
    mkdirSync(dir);
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    expect(() => scaffoldPlugin({ name: 'timeside-plugin-x', dir })).toThrow(
      expect.objectContaining({ code: 'E_IO', file: dir, message: expect.stringContaining('is not empty') }),
    );
    expect(readdirSync(dir)).toEqual(['notes.txt']);
    expect(readdirSync(root)).toEqual(['busy']);
  });

  it('fails with E_IO, leaving nothing behind, where the directory cannot be made', () => {
    writeFileSync(join(root, 'a-file'), 'not a directory');
    const dir = join(root, 'a-file', 'deeper', 'plugin');
    expect(() => scaffoldPlugin({ name: 'timeside-plugin-x', dir })).toThrow(
      expect.objectContaining({ code: 'E_IO', file: dir }),
    );
    expect(readdirSync(root)).toEqual(['a-file']);
  });

  it.each(['Timeside-Plugin', 'my plugin', '@scope', '../escape', ''])(
    'refuses the package name %j',
    (name) => {
      expect(() => scaffoldPlugin({ name, dir: join(root, 'x') })).toThrow(
        expect.objectContaining({ code: 'E_USAGE' }),
      );
      expect(existsSync(join(root, 'x'))).toBe(false);
    },
  );

  it('refuses a processor id that is not snake_case', () => {
    expect(() => scaffoldPlugin({ name: 'p', dir: join(root, 'x'), processorId: 'Peak-Freq' })).toThrow(
      expect.objectContaining({ code: 'E_USAGE' }),
    );
  });

  it.each([
    ['timeside-plugin-tuning', 'tuning_peak_frequency'],
    ['@lab/timeside-spectral-tools', 'spectral_tools_peak_frequency'],
    ['my.plugin-timeside-plugin', 'my_plugin_peak_frequency'],
    ['timeside-plugin-3d', 'p_3d_peak_frequency'],
    ['timeside-plugin', 'my_peak_frequency'],
  ])('derives a processor id from %s', (name, id) => {
    expect(defaultProcessorId(name)).toBe(id);
  });

  it('finds the template in the repository when core runs from its sources', () => {
    expect(pluginTemplateDir()).toBe(realpathSync(repoTemplate));
    expect(existsSync(join(dirname(repoTemplate), 'plugin', 'gitignore'))).toBe(true);
  });
});
