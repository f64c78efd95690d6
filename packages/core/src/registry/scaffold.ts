import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ioError, usageError } from '../errors/index.js';
import { corePackage } from './host.js';

/** Placeholders of templates/plugin, replaced in file contents and names on copy. */
export const TEMPLATE_TOKENS = {
  pluginName: '__PLUGIN_NAME__',
  processorId: '__PROCESSOR_ID__',
  coreVersion: '__CORE_VERSION__',
} as const;

export interface ScaffoldOptions {
  /** npm package name of the new plugin, e.g. `timeside-plugin-tuning` or `@me/timeside-plugin-tuning`. */
  name: string;
  /** Directory to create; it must not exist or be empty. */
  dir: string;
  /** Id of the example analyzer (default: derived from the name, e.g. `tuning_peak_frequency`). */
  processorId?: string;
}

export interface ScaffoldResult {
  /** Absolute path of the new plugin. */
  dir: string;
  name: string;
  processorId: string;
  /** Files written, relative to `dir`, sorted. */
  files: string[];
  /** The template it was copied from. */
  template: string;
}

const NPM_NAME = /^(?:@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/;
const PROCESSOR_ID = /^[a-z][a-z0-9_]*$/;
/** Build outputs and installs that a template folder may hold in development: never copied. */
const IGNORED = new Set(['node_modules', 'dist', 'package-lock.json', 'pnpm-lock.yaml', 'yarn.lock']);
/** Files stored without their leading dot, because npm drops `.gitignore` from published packages. */
const DOTFILES: Record<string, string> = { gitignore: '.gitignore' };

/**
 * The plugin template: `dist/template` inside the installed core (copied there by core's build),
 * or the repository's `templates/plugin` when core runs from its sources.
 */
export function pluginTemplateDir(): string {
  const core = corePackage();
  const repoTemplate = core && join(core.dir, '..', '..', 'templates', 'plugin');
  const shipped = core && join(core.dir, 'dist', 'template');
  // From sources (development) the repository's template is the fresh one; installed, the shipped copy.
  const fromSources = basename(dirname(fileURLToPath(import.meta.url))) === 'registry';
  const candidates = (fromSources ? [repoTemplate, shipped] : [shipped, repoTemplate]).filter(
    (dir): dir is string => dir !== undefined,
  );
  for (const dir of candidates) {
    if (isTemplate(dir)) return resolve(dir);
  }
  throw ioError(
    candidates[0] ?? 'templates/plugin',
    'the plugin template is missing from this installation of @timeside/core (reinstall it, or build it with `pnpm build`)',
  );
}

function isTemplate(dir: string): boolean {
  try {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string };
    return pkg.name === TEMPLATE_TOKENS.pluginName;
  } catch {
    return false;
  }
}

/** A processor id from a package name: `@me/timeside-plugin-tuning` → `tuning_peak_frequency`. */
export function defaultProcessorId(name: string): string {
  const bare = name
    .replace(/^@[^/]+\//, '')
    .replace(/^timeside-plugin-|^timeside-/, '')
    .replace(/-timeside-plugin$|-timeside$/, '');
  let slug = bare
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (!slug || slug === 'plugin') slug = 'my';
  if (!/^[a-z]/.test(slug)) slug = `p_${slug}`;
  return `${slug}_peak_frequency`;
}

function listFiles(root: string, dir = root): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (IGNORED.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(root, path));
    else if (entry.isFile()) out.push(relative(root, path));
  }
  return out.sort();
}

/**
 * Creates a new plugin package in `dir` from templates/plugin: package.json with the
 * `timeside-plugin` manifest, tsup build, vitest, tsconfig, README and an example analyzer with a
 * test against a known truth. Placeholders (`__PLUGIN_NAME__`, `__PROCESSOR_ID__`,
 * `__CORE_VERSION__`) are replaced in file names and contents.
 *
 * Refuses (TimesideError E_IO) a `dir` that exists and is not empty, and (E_USAGE) an invalid
 * package name or processor id. Writes into a temporary sibling folder renamed at the end, so a
 * failure leaves nothing behind.
 */
export function scaffoldPlugin(options: ScaffoldOptions): ScaffoldResult {
  const { name } = options;
  if (typeof name !== 'string' || name.length > 214 || !NPM_NAME.test(name)) {
    throw usageError(
      `"${name}" is not a valid npm package name: use lowercase letters, digits, "-", "." or "_", ` +
        'optionally under a scope (e.g. timeside-plugin-tuning or @me/timeside-plugin-tuning)',
    );
  }
  const processorId = options.processorId ?? defaultProcessorId(name);
  if (!PROCESSOR_ID.test(processorId)) {
    throw usageError(
      `"${processorId}" is not a valid processor id: use snake_case (e.g. tuning_peak_frequency)`,
    );
  }
  const dir = resolve(options.dir);
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) throw ioError(dir, 'exists and is not a directory');
    if (readdirSync(dir).length > 0) {
      throw ioError(dir, 'is not empty: the plugin is only created in a new or empty directory');
    }
  }
  const template = pluginTemplateDir();
  const coreVersion = corePackage()?.version ?? '0.1.0';
  const replace = (text: string) =>
    text
      .replaceAll(TEMPLATE_TOKENS.pluginName, name)
      .replaceAll(TEMPLATE_TOKENS.processorId, processorId)
      .replaceAll(TEMPLATE_TOKENS.coreVersion, coreVersion);

  const temp = join(dirname(dir), `.${basename(dir)}.scaffold-${process.pid}-${Date.now()}`);
  const files: string[] = [];
  let made = false;
  try {
    mkdirSync(dirname(dir), { recursive: true });
    // Not recursive: Node's recursive mkdir spins forever where mkdir(2) says ENOENT under an
    // existing parent (/proc); inside `temp`, created here, recursive is safe.
    mkdirSync(temp);
    made = true;
    for (const file of listFiles(template)) {
      const parts = file.split(/[\\/]/);
      const last = parts.length - 1;
      parts[last] = DOTFILES[parts[last]] ?? parts[last];
      const target = replace(parts.join('/'));
      const out = join(temp, target);
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, replace(readFileSync(join(template, file), 'utf8')));
      files.push(target);
    }
    // rename(2) replaces an empty directory, so an existing empty `dir` is fine.
    renameSync(temp, dir);
  } catch (error) {
    if (made) rmSync(temp, { recursive: true, force: true });
    throw ioError(
      dir,
      `the plugin could not be created: ${error instanceof Error ? error.message : String(error)}`,
      error,
    );
  }
  return { dir, name, processorId, files: files.sort(), template };
}
