#!/usr/bin/env node
// The `timeside` command. A committed shim, so package managers can link the bin before
// `dist/` is built (in a fresh clone of the repository); all logic is in dist/cli.js.
import('../dist/cli.js').catch((error) => {
  if (error?.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/cli.js')) {
    process.stderr.write('timeside: @timeside/core is not built yet: run `pnpm build` first\n');
    process.exit(1);
  }
  throw error;
});
