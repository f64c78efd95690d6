import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const repo = fileURLToPath(new URL('../../..', import.meta.url));
export const MINUTES = 60_000;

/** The environment of a user's shell: no vitest or package-manager run variables leaking in. */
export function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(VITEST|TINYPOOL)/.test(key) || /^npm_(lifecycle|package|node|execpath)/.test(key)) continue;
    if (/^npm_config_/.test(key) && !/^npm_config_(registry|cache|userconfig)$/.test(key)) continue;
    if (/^PNPM_/.test(key)) continue;
    env[key] = value;
  }
  delete env.NODE_ENV;
  delete env.FORCE_COLOR;
  env.NO_COLOR = '1';
  env.COREPACK_ENABLE_DOWNLOAD_PROMPT = '0';
  return env;
}

/** Runs a command in a clean environment; its output, or an error carrying its stdout and stderr. */
export function run(cmd: string, args: string[], cwd: string, timeoutMs = 5 * MINUTES): string {
  try {
    return execFileSync(cmd, args, {
      cwd,
      env: cleanEnv(),
      encoding: 'utf8',
      timeout: timeoutMs,
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `${cmd} ${args.join(' ')} (in ${cwd}) failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`,
    );
  }
}

/**
 * pnpm as a fresh machine has it after `corepack enable`: `corepack pnpm`, pinned by the
 * `packageManager` field (pnpm pack turns `workspace:` ranges into versions).
 */
export function pnpm(): [string, string[]] {
  try {
    execFileSync('corepack', ['pnpm', '--version'], {
      cwd: repo,
      env: cleanEnv(),
      stdio: 'ignore',
      timeout: MINUTES,
    });
    return ['corepack', ['pnpm']];
  } catch {
    return ['pnpm', []];
  }
}
