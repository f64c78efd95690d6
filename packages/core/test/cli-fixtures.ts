/** Test helper: the CLI run in-process, as the `timeside` binary would run it. */
import { main } from '../src/cli/main.js';

/** What a run of the CLI gave: its exit code and everything it wrote to stdout and stderr. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `timeside <args…>` in `cwd` (main() in this process), capturing its output. */
export async function runCli(args: readonly string[], cwd: string): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await main(['node', 'timeside', ...args], {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    cwd,
  });
  return { code, stdout, stderr };
}
