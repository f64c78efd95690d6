import { Command } from 'commander';
import { corePackage } from '../registry/host.js';
import { registerDoctor } from './commands/doctor.js';
import { registerInfo } from './commands/info.js';
import { registerList } from './commands/list.js';
import { registerNew } from './commands/new.js';
import { registerRun } from './commands/run.js';
import { registerServe } from './commands/serve.js';
import { registerWorker } from './commands/worker.js';
import { type CliStream, ExitCode, exitCodeOf, Output } from './output.js';
// Registers core's own processors (decoders, adapters), as the package entry does.
import '../registry/builtins.js';
// Installs the lazy discovery of plugins that listProcessors/getProcessor run first.
import '../registry/discovery.js';

/** What `main` writes to and where it runs; every field defaults to the process's own. */
export interface MainOptions {
  stdout?: CliStream;
  stderr?: CliStream;
  /** Directory relative paths (inputs, -o, the config search) resolve against. */
  cwd?: string;
  /** Aborts a running `timeside run` (the bin wires it to Ctrl-C). */
  signal?: AbortSignal;
}

/** What a command receives. */
export interface CliContext {
  out: Output;
  cwd: string;
  signal?: AbortSignal;
  /** The exit code the command sets (0 unless it says otherwise). */
  exitCode: number;
}

/**
 * Runs the `timeside` command line and resolves with its exit code: 0 ok, 1 some inputs (or
 * checks) failed, 2 usage error (unknown option or processor, bad parameter). Errors are printed
 * as one line, `timeside: <message>`, never as a stack trace. Nothing here calls process.exit.
 *
 * `argv` is in Node's form: `[node, script, ...args]`.
 */
export async function main(
  argv: readonly string[] = process.argv,
  options: MainOptions = {},
): Promise<number> {
  const out = new Output(options.stdout ?? process.stdout, options.stderr ?? process.stderr);
  const ctx: CliContext = {
    out,
    cwd: options.cwd ?? process.cwd(),
    signal: options.signal,
    exitCode: ExitCode.OK,
  };
  const program = new Command('timeside')
    .description('TimeSide-TS: analyse, draw and encode audio in one pass, with processors from plugins')
    .version(corePackage()?.version ?? '0.0.0', '-V, --version', 'print the version of @timeside/core')
    .exitOverride()
    .showSuggestionAfterError()
    .configureOutput({
      writeOut: (text) => out.stdout.write(text),
      writeErr: (text) => out.stderr.write(text),
      // One line: commander puts its suggestion on a line of its own.
      outputError: (text, write) =>
        write(
          `timeside: ${text.replace(/^error: /, '').replace(/\n\(Did you mean (.*)\?\)/, ' (did you mean $1?)')}`,
        ),
      getOutHelpWidth: () => out.stdout.columns ?? 100,
      getErrHelpWidth: () => out.stderr.columns ?? 100,
    });
  registerList(program, ctx);
  registerInfo(program, ctx);
  registerRun(program, ctx);
  registerDoctor(program, ctx);
  registerNew(program, ctx);
  registerServe(program, ctx);
  registerWorker(program, ctx);
  program.addHelpText('after', '\nExit codes: 0 ok, 1 some inputs failed, 2 usage error. See docs/cli.md.');

  try {
    await program.parseAsync([...argv], { from: 'node' });
    return ctx.exitCode;
  } catch (error) {
    const { code, exitCode } = error as { code?: unknown; exitCode?: unknown };
    if (typeof code === 'string' && code.startsWith('commander.')) {
      // Commander has printed its message (or the help) already. Exit code 0: help asked for
      // (--help, `timeside help run`) or --version; else a usage error, e.g. no command at all.
      return exitCode === 0 ? ExitCode.OK : ExitCode.USAGE;
    }
    out.error(error);
    return exitCodeOf(error);
  }
}
