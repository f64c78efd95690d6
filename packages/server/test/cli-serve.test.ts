/**
 * `timeside serve` in core's CLI finds this package (a dynamic import: core does not depend on
 * it), listens on 127.0.0.1, prints the URL and the generated token, and stops on abort. It
 * imports the built package (`pnpm build` first, as `pnpm test` does).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { main } from '../../core/src/cli/main.js';
import { tempDir } from './helpers.js';

const tmp = tempDir('timeside-serve-');
afterAll(() => tmp.remove());

it('timeside serve --port 0 --data DIR starts the server, prints its URL and token, and stops on Ctrl-C', async () => {
  const controller = new AbortController();
  let stdout = '';
  let stderr = '';
  let exitedWith: (code: number) => void = () => {};
  const exited = new Promise<number>((resolve) => {
    exitedWith = resolve;
  });
  const url = new Promise<string>((resolve) => {
    const write = (s: string) => {
      stdout += s;
      const m = /serving (http:\/\/127\.0\.0\.1:\d+)\/api/.exec(stdout);
      if (m) resolve(m[1]);
    };
    main(['node', 'timeside', 'serve', '--port', '0', '--data', 'data'], {
      stdout: { write },
      stderr: { write: (s: string) => (stderr += s) },
      cwd: tmp.dir,
      signal: controller.signal,
    }).then((code) => exitedWith(code));
  });
  const base = await url;
  const token = readFileSync(join(tmp.dir, 'data', 'token'), 'utf8').trim();
  expect(stdout).toContain(`token for writes (saved in the data dir): ${token}`);
  const items = await fetch(`${base}/api/items`);
  expect(items.status).toBe(200);
  expect(await items.json()).toEqual([]);
  expect((await fetch(`${base}/api/presets`, { method: 'POST' })).status).toBe(401);
  controller.abort();
  expect(await exited).toBe(0);
  expect(stderr).toBe('');
  expect(existsSync(join(tmp.dir, 'data', 'timeside.db'))).toBe(true);
  await expect(fetch(`${base}/api/items`)).rejects.toThrow();
});
