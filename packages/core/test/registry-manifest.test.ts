import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  checkManifest,
  PLUGIN_API_VERSION,
  PLUGIN_MANIFEST_KEY,
  SUPPORTED_API_VERSIONS,
} from '../src/index.js';

const repo = fileURLToPath(new URL('../../..', import.meta.url));
const pkgDir = '/plugins/some-plugin';

describe('checkManifest', () => {
  it.each([
    { raw: { apiVersion: 1, entry: './dist/index.js' }, entryPath: '/plugins/some-plugin/dist/index.js' },
    {
      raw: { apiVersion: 1, entry: 'index.mjs', $comment: 'built by tsup' },
      entryPath: '/plugins/some-plugin/index.mjs',
    },
    // A folder whose name starts with two dots is inside the package (the schema accepts it too).
    { raw: { apiVersion: 1, entry: '..dist/index.js' }, entryPath: '/plugins/some-plugin/..dist/index.js' },
  ])('accepts $raw', ({ raw, entryPath }) => {
    expect(checkManifest(raw, pkgDir)).toEqual({
      ok: true,
      manifest: { apiVersion: raw.apiVersion, entry: raw.entry },
      entryPath,
    });
  });

  it.each([
    { raw: true, reason: /must be an object/ },
    { raw: null, reason: /must be an object/ },
    { raw: [1], reason: /must be an object/ },
    { raw: { entry: './index.js' }, reason: /needs an integer "apiVersion" \(this core supports 1\)/ },
    { raw: { apiVersion: 1.5, entry: './index.js' }, reason: /needs an integer "apiVersion"/ },
    {
      raw: { apiVersion: 0, entry: './index.js' },
      reason: /apiVersion 0 is not supported .*upgrade the plugin/,
    },
    {
      raw: { apiVersion: 2, entry: './index.js' },
      reason: /apiVersion 2 is not supported .*upgrade @timeside\/core/,
    },
    { raw: { apiVersion: 1 }, reason: /needs an "entry" path/ },
    { raw: { apiVersion: 1, entry: '  ' }, reason: /needs an "entry" path/ },
    { raw: { apiVersion: 1, entry: 42 }, reason: /needs an "entry" path/ },
    { raw: { apiVersion: 1, entry: '/etc/passwd' }, reason: /must be relative to the package/ },
    { raw: { apiVersion: 1, entry: '../other/index.js' }, reason: /points outside the package/ },
    { raw: { apiVersion: 1, entry: './dist/../../other.js' }, reason: /points outside the package/ },
    { raw: { apiVersion: 1, entry: '.' }, reason: /points outside the package/ },
    { raw: { apiVersion: 1, entry: './index.js', main: './x.js' }, reason: /unknown key "main"/ },
  ])('rejects $raw', ({ raw, reason }) => {
    const check = checkManifest(raw, pkgDir);
    expect(check.ok).toBe(false);
    expect(!check.ok && check.reason).toMatch(reason);
  });
});

describe('the manifest as documented and shipped', () => {
  const schema = JSON.parse(readFileSync(join(repo, 'docs', 'plugin-manifest.schema.json'), 'utf8'));

  it('docs/plugin-manifest.schema.json matches what discovery accepts', () => {
    expect(SUPPORTED_API_VERSIONS).toEqual([PLUGIN_API_VERSION]);
    expect(schema.properties.apiVersion.enum).toEqual(SUPPORTED_API_VERSIONS);
    expect(schema.required.sort()).toEqual(['apiVersion', 'entry']);
    expect(schema.additionalProperties).toBe(false);
    expect(Object.keys(schema.properties).sort()).toEqual(['$comment', 'apiVersion', 'entry']);
    const pattern = new RegExp(schema.properties.entry.pattern);
    for (const entry of ['./dist/index.js', 'index.js', '..dist/index.js'])
      expect(pattern.test(entry), entry).toBe(true);
    for (const entry of ['/abs/index.js', '../up.js', 'C:/x.js'])
      expect(pattern.test(entry), entry).toBe(false);
    for (const example of schema.examples) expect(checkManifest(example, pkgDir).ok).toBe(true);
  });

  it.each([
    'packages/plugin-aubio-like',
    'packages/plugin-graphers',
    'packages/plugin-encoders',
    'templates/plugin',
  ])('%s carries a valid manifest', (dir) => {
    const pkg = JSON.parse(readFileSync(join(repo, dir, 'package.json'), 'utf8'));
    expect(checkManifest(pkg[PLUGIN_MANIFEST_KEY], join(repo, dir))).toMatchObject({
      ok: true,
      manifest: { apiVersion: 1, entry: './dist/index.js' },
    });
    expect(pkg.keywords).toContain('timeside-plugin');
  });
});
