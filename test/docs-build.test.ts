/**
 * The documentation: docs/processors.md says what the processors' metadata says (checked on
 * every run, it takes seconds), and the VitePress site builds (in CI, or with TIMESIDE_E2E=1:
 * about a minute). Both need the packages' dist, which `pnpm test` builds first.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const RUN_BUILD = Boolean(process.env.CI || process.env.TIMESIDE_E2E);
const repo = fileURLToPath(new URL('..', import.meta.url));
const MINUTES = 60_000;

function run(cmd: string, args: string[], timeoutMs: number): string {
  try {
    return execFileSync(cmd, args, {
      cwd: repo,
      encoding: 'utf8',
      timeout: timeoutMs,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
}

describe('docs', () => {
  it(
    'docs/processors.md is generated from the current metadata (`pnpm gen-docs`)',
    () => {
      const stdout = run('node', ['scripts/gen-docs.mjs', '--check'], MINUTES);
      expect(stdout).toMatch(/^docs\/processors\.md is up to date \(\d+ processors\)/);
    },
    MINUTES,
  );

  it.runIf(RUN_BUILD)(
    'the site builds with `pnpm docs:build`, every page and the generated processor pages in it',
    () => {
      // pnpm is on PATH wherever `pnpm test` runs (.ci/run enables it with corepack).
      run('pnpm', ['docs:build'], 8 * MINUTES);
      const dist = join(repo, 'docs', '.vitepress', 'dist');
      for (const page of [
        'index',
        'getting-started',
        'pipeline',
        'processors',
        'cli',
        'config',
        'results',
        'plugins',
        'trust',
        'migrating',
        'release',
      ]) {
        expect(existsSync(join(dist, `${page}.html`)), `${page}.html`).toBe(true);
      }
      const processors = readFileSync(join(dist, 'processors.html'), 'utf8');
      for (const id of ['level', 'pitch', 'waveform_simple', 'vorbis_encoder', 'gain'])
        expect(processors).toContain(`<a id="${id}"></a>`);
      // The pictures are bundled: the PNG as a hashed asset, the small SVG inlined or as an asset
      // (Vite inlines assets under 4 KiB).
      const png = readdirSync(join(dist, 'assets')).find((f) => /^demo-waveform-centroid\..+\.png$/.test(f));
      expect(png).toBeDefined();
      expect(readFileSync(join(dist, 'getting-started.html'), 'utf8')).toContain(`<img src="/assets/${png}"`);
      const pipelineHtml = readFileSync(join(dist, 'pipeline.html'), 'utf8');
      const inlined = pipelineHtml.match(/<img src="data:image\/svg\+xml;base64,([^"]+)"/);
      const asset = pipelineHtml.match(/<img src="\/assets\/(pipeline\.[^"]+\.svg)"/);
      const svg = inlined
        ? Buffer.from(inlined[1], 'base64').toString('utf8')
        : readFileSync(join(dist, 'assets', asset?.[1] ?? 'pipeline.svg'), 'utf8');
      expect(svg).toContain('file_decoder');
    },
    10 * MINUTES,
  );
});
