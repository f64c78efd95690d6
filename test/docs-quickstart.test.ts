/**
 * Release readiness, end to end: every package packed as it would be published, its tarball
 * holding only dist/, types, README, LICENSE (and core's bin shim); the tarballs installed with
 * npm into a fresh project; then the getting-started guide's quick-start code and the packages'
 * README examples, extracted verbatim from the markdown by their `<!-- doc-test: … -->` markers,
 * run there with node and their output checked against known truths.
 *
 * Slow (installs third-party dependencies from the npm registry) and needs every package's dist
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
import { MINUTES, pnpm, repo, run } from '../packages/core/test/npm-fixtures.js';

const RUN = Boolean(process.env.CI || process.env.TIMESIDE_E2E);

/** The packages published from this repository, by directory under packages/. */
const PACKAGES = ['core', 'plugin-aubio-like', 'plugin-fx', 'plugin-graphers', 'plugin-encoders'];
/** Packed and checked, not installed here: the server's better-sqlite3 builds from source (minutes). */
const PACK_ONLY = ['server'];

/** The code blocks that follow `<!-- doc-test: NAME -->` in a markdown file, by NAME, verbatim. */
function docTestBlocks(markdown: string): { name: string; lang: string; code: string }[] {
  const blocks: { name: string; lang: string; code: string }[] = [];
  const pattern = /<!-- doc-test: (\S+) -->\r?\n```(\w*)\r?\n([\s\S]*?)\r?\n```/g;
  for (const match of markdown.matchAll(pattern))
    blocks.push({ name: match[1], lang: match[2], code: `${match[3]}\n` });
  return blocks;
}

function block(markdownPath: string, name: string): string {
  const found = docTestBlocks(readFileSync(markdownPath, 'utf8')).filter((b) => b.name === name);
  if (found.length !== 1)
    throw new Error(`${markdownPath}: expected one <!-- doc-test: ${name} --> block, found ${found.length}`);
  return found[0].code;
}

/** A number printed after `label` on a line of `stdout`. */
function printed(stdout: string, label: string): number {
  const match = stdout.match(new RegExp(`^${label} (-?[\\d.]+(?:e[-+]?\\d+)?)`, 'm'));
  if (!match) throw new Error(`no "${label} <number>" line in:\n${stdout}`);
  return Number(match[1]);
}

/** Width and height from a PNG's IHDR chunk, after checking its signature. */
function pngSize(path: string): { width: number; height: number } {
  const bytes = readFileSync(path);
  expect(bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(
    true,
  );
  expect(bytes.toString('latin1', 12, 16)).toBe('IHDR');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

describe('docs: doc-test blocks', () => {
  it('finds each marked block verbatim, and only marked blocks', () => {
    const md =
      '# t\n\n```js\nnot me\n```\n\n<!-- doc-test: a.mjs -->\n```js\nconst x = 1;\n\nconsole.log(x);\n```\n\n<!-- doc-test: sh -->\n```sh\necho hi\n```\n';
    expect(docTestBlocks(md)).toEqual([
      { name: 'a.mjs', lang: 'js', code: 'const x = 1;\n\nconsole.log(x);\n' },
      { name: 'sh', lang: 'sh', code: 'echo hi\n' },
    ]);
  });

  it('the getting-started guide and every package README carry their tested blocks', () => {
    expect(block(join(repo, 'docs', 'getting-started.md'), 'quickstart.mjs')).toContain(
      "from '@timeside/core'",
    );
    expect(block(join(repo, 'docs', 'getting-started.md'), 'sh')).toMatch(/^npx timeside run /);
    expect(block(join(repo, 'docs', 'getting-started.md'), 'quickstart.out')).toMatch(/^peak -?\d/);
    for (const name of PACKAGES) {
      expect(block(join(repo, 'packages', name, 'README.md'), 'example.mjs')).toContain(
        "from '@timeside/core'",
      );
    }
  });
});

describe.runIf(RUN)('release: tarballs installed with npm run the documented code', () => {
  let work: string;
  let project: string;
  const tarballs: Record<string, string> = {};

  beforeAll(() => {
    for (const name of [...PACKAGES, ...PACK_ONLY]) {
      if (!existsSync(join(repo, 'packages', name, 'dist', 'index.js'))) {
        throw new Error(
          `packages/${name} is not built: run \`pnpm build\` (or \`pnpm test\`, which builds first)`,
        );
      }
    }
    work = realpathSync(mkdtempSync(join(tmpdir(), 'timeside-release-')));
    const [pnpmCmd, pnpmArgs] = pnpm();
    for (const name of [...PACKAGES, ...PACK_ONLY]) {
      const before = new Set(readdirSync(work));
      run(pnpmCmd, [...pnpmArgs, 'pack', '--pack-destination', work], join(repo, 'packages', name));
      const made = readdirSync(work).filter((f) => f.endsWith('.tgz') && !before.has(f));
      if (made.length !== 1)
        throw new Error(`pnpm pack in packages/${name} made ${made.join(', ') || 'nothing'}`);
      tarballs[name] = join(work, made[0]);
    }
    project = join(work, 'app');
    mkdirSync(project);
    writeFileSync(
      join(project, 'package.json'),
      `${JSON.stringify({ name: 'app', private: true, type: 'module' }, null, 2)}\n`,
    );
    run(
      'npm',
      ['install', '--no-audit', '--no-fund', '--prefer-offline', ...PACKAGES.map((n) => tarballs[n])],
      project,
      10 * MINUTES,
    );
  }, 15 * MINUTES);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it.each([...PACKAGES, ...PACK_ONLY])(
    '%s: npm pack holds dist/, types, README and LICENSE, and nothing else',
    (name) => {
      const dir = join(repo, 'packages', name);
      const [report] = JSON.parse(run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], dir)) as {
        files: { path: string }[];
      }[];
      const files = report.files.map((f) => f.path).sort();
      // package.json is always in a tarball; core also ships the committed shim its `bin` points to.
      const allowed = (path: string) =>
        path.startsWith('dist/') ||
        ['package.json', 'README.md', 'LICENSE'].includes(path) ||
        (name === 'core' && path === 'bin/timeside.js');
      expect(files.filter((f) => !allowed(f))).toEqual([]);
      expect(files).toEqual(
        expect.arrayContaining(['README.md', 'LICENSE', 'dist/index.js', 'dist/index.d.ts']),
      );
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        types: string;
        license: string;
      };
      expect(files).toContain(pkg.types.replace(/^\.\//, ''));
      expect(readFileSync(join(dir, 'LICENSE'), 'utf8')).toMatch(/^MIT License/);
      expect(pkg.license).toBe('MIT');

      // The tarball that is installed: the same files, with workspace ranges made real versions.
      const listed = run('tar', ['tzf', tarballs[name]], work)
        .trim()
        .split('\n')
        .map((f) => f.replace(/^package\//, ''))
        .filter((f) => !f.endsWith('/'))
        .sort();
      expect(listed).toEqual(files);
      const packed = run('tar', ['xzOf', tarballs[name], 'package/package.json'], work);
      expect(packed).not.toContain('workspace:');
    },
  );

  it(
    'the getting-started quick start prints the tone’s true level and pitch and writes its files',
    () => {
      const dir = join(project, 'getting-started');
      mkdirSync(dir);
      writeFileSync(
        join(dir, 'quickstart.mjs'),
        block(join(repo, 'docs', 'getting-started.md'), 'quickstart.mjs'),
      );
      const stdout = run('node', ['quickstart.mjs'], dir, 2 * MINUTES);
      // A sine of amplitude 0.5 peaks at 20·log10(0.5) dBFS; YIN on a 440 Hz tone within 5 cents.
      expect(Math.abs(printed(stdout, 'peak') - 20 * Math.log10(0.5))).toBeLessThan(0.01);
      expect(Math.abs(1200 * Math.log2(printed(stdout, 'pitch') / 440))).toBeLessThan(5);
      expect(pngSize(join(dir, 'tone.png'))).toEqual({ width: 800, height: 200 });
      const wav = readFileSync(join(dir, 'tone.wav'));
      expect(wav.toString('latin1', 0, 4)).toBe('RIFF');
      expect(wav.toString('latin1', 8, 12)).toBe('WAVE');
      // What the page says it prints: the same lines, the same numbers (to 0.01).
      const shown = block(join(repo, 'docs', 'getting-started.md'), 'quickstart.out')
        .trim()
        .split('\n');
      const lines = stdout.trim().split('\n');
      expect(lines.map((l) => l.replace(/-?[\d.]+/g, '#'))).toEqual(
        shown.map((l) => l.replace(/-?[\d.]+/g, '#')),
      );
      shown.forEach((line, i) => {
        const [label] = line.split(' ');
        expect(Math.abs(printed(lines[i], label) - printed(line, label)), line).toBeLessThan(0.01);
      });
      const json = JSON.parse(readFileSync(join(dir, 'tone.results.json'), 'utf8'));
      expect(JSON.stringify(json)).toContain('"level.max"');

      // The page's command line, run as written in the same directory, on the file the script wrote.
      const commands = block(join(repo, 'docs', 'getting-started.md'), 'sh')
        .trim()
        .split('\n');
      for (const line of commands) run('sh', ['-c', line], dir, 2 * MINUTES);
      expect(pngSize(join(dir, 'out', 'tone.spectrogram_log.png')).width).toBeGreaterThan(0);
      const results = JSON.parse(readFileSync(join(dir, 'out', 'tone.results.json'), 'utf8'));
      expect(JSON.stringify(results)).toContain('"pitch.f0"');
      const f0 = readFileSync(join(dir, 'out', 'tone.pitch.f0.csv'), 'utf8');
      const values = f0
        .split('\n')
        .filter((l) => /^\d/.test(l))
        .map((l) => Number(l.split(',')[1]))
        .filter((v) => v > 0);
      expect(values.length).toBeGreaterThan(10);
      const median = values.sort((a, b) => a - b)[values.length >> 1];
      expect(Math.abs(1200 * Math.log2(median / 440))).toBeLessThan(5);
    },
    6 * MINUTES,
  );

  /** What each README example must print or write: known truths of the signals it makes. */
  const readmeChecks: Record<string, (stdout: string, dir: string) => void> = {
    core: (stdout, dir) => {
      expect(printed(stdout, 'level.max')).toBeCloseTo(20 * Math.log10(0.5), 2);
      expect(printed(stdout, 'pitch.median')).toBe(440);
      expect(readFileSync(join(dir, 'tone.results.yaml'), 'utf8')).toMatch(/^format: timeside-results/);
      // "N analyzers, e.g. …": the plugin installed beside core was discovered.
      expect(Number(stdout.match(/^(\d+) analyzers, e\.g\. /m)?.[1])).toBeGreaterThan(10);
    },
    'plugin-fx': (stdout) => {
      // −6.02 dBFS less 6 dB.
      expect(printed(stdout, 'peak after gain')).toBeCloseTo(20 * Math.log10(0.5) - 6, 2);
    },
    'plugin-aubio-like': (stdout) => {
      // EBU Tech 3341 case 1: −23.0 LUFS ± 0.1.
      expect(Math.abs(printed(stdout, 'integrated') + 23)).toBeLessThanOrEqual(0.1);
      expect(printed(stdout, 'pitch')).toBe(1000);
      expect(Math.abs(printed(stdout, 'centroid') - 1000)).toBeLessThanOrEqual(48000 / 2048);
    },
    'plugin-graphers': (_stdout, dir) => {
      expect(pngSize(join(dir, 'chirp.spectrogram.png'))).toEqual({ width: 800, height: 300 });
      expect(readFileSync(join(dir, 'chirp.waveform.svg'), 'utf8')).toMatch(/<svg[^>]*width="800"/);
      const peaks = JSON.parse(readFileSync(join(dir, 'chirp.peaks.json'), 'utf8'));
      expect(peaks).toMatchObject({ version: 2, channels: 1, sample_rate: 44100 });
      expect(peaks.data.length).toBe(2 * peaks.length);
    },
    'plugin-encoders': (stdout, dir) => {
      expect(readFileSync(join(dir, 'tone.flac')).toString('latin1', 0, 4)).toBe('fLaC');
      expect(readFileSync(join(dir, 'tone.ogg')).toString('latin1', 0, 4)).toBe('OggS');
      // 2 s at a constant 128 kbit/s is 32 000 bytes, give or take a frame and the tags.
      expect(Math.abs(printed(stdout, 'mp3 streamed') - 32_000)).toBeLessThan(1_600);
    },
  };

  it.each(PACKAGES)(
    '%s: the README example runs as written',
    (name) => {
      const dir = join(project, `readme-${name}`);
      mkdirSync(dir);
      writeFileSync(
        join(dir, 'example.mjs'),
        block(join(repo, 'packages', name, 'README.md'), 'example.mjs'),
      );
      const stdout = run('node', ['example.mjs'], dir, 2 * MINUTES);
      readmeChecks[name](stdout, dir);
    },
    3 * MINUTES,
  );
});
