import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The token writes need: the one given, else `TIMESIDE_TOKEN`, else the one saved in
 * `<dataDir>/token` at an earlier start, else a new random one saved there (mode 0600), so a
 * restart keeps it. `generated` says the last case happened (print it once).
 */
export function resolveToken(dataDir: string, given?: string): { token: string; generated: boolean } {
  const configured = given ?? process.env.TIMESIDE_TOKEN;
  if (configured) return { token: configured, generated: false };
  const file = join(dataDir, 'token');
  if (existsSync(file)) {
    const saved = readFileSync(file, 'utf8').trim();
    if (saved) return { token: saved, generated: false };
  }
  const token = randomBytes(24).toString('base64url');
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return { token, generated: true };
}
