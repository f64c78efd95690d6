/**
 * The `timeside` executable (bin of @timeside/core, built to dist/cli.js). All logic lives in
 * cli/main.ts; this file only wires the process: argv, Ctrl-C, the exit code.
 */
import { main } from './cli/main.js';

// `timeside list | head`: a closed pipe ends the output quietly, as Unix tools do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

const controller = new AbortController();
let interrupted = false;
process.once('SIGINT', () => {
  // First Ctrl-C: abort the runs so their ffmpeg processes and temporary files are cleaned up.
  interrupted = true;
  controller.abort();
  process.once('SIGINT', () => process.exit(130));
});

main(process.argv, { signal: controller.signal }).then(
  (code) => {
    process.exitCode = interrupted ? 130 : code;
  },
  (error: unknown) => {
    process.stderr.write(`timeside: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
