import { cpus } from 'node:os';
import type { Command } from 'commander';
import { usageError } from '../../errors/index.js';
import type { CliContext } from '../main.js';

/** The part of `@timeside/server` this command uses (core does not depend on the server package). */
interface WorkerModule {
  startWorker(options: {
    redis: string;
    server: string;
    token: string;
    concurrency?: number;
    lockDuration?: number;
    stalledInterval?: number;
  }): Promise<{ close(): Promise<void> }>;
}

/** The server package, when installed; a usage error saying how to install it otherwise. */
async function loadServer(): Promise<WorkerModule> {
  // A variable specifier: the package is optional, so neither tsc nor the bundler resolves it.
  const name = '@timeside/server';
  try {
    return (await import(name)) as WorkerModule;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' && String((error as Error).message).includes(name)) {
      throw usageError('`timeside worker` needs the server package: npm install @timeside/server');
    }
    throw error;
  }
}

interface WorkerOptions {
  redis: string;
  server: string;
  token?: string;
  concurrency?: string;
  lockDuration?: string;
  stalledInterval?: string;
}

const positive = (flag: string, value: string | undefined): number | undefined => {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw usageError(`${flag} ${value}: give a whole number of at least 1`);
  return n;
};

/** `timeside worker`: takes tasks from the server's Redis queue until SIGTERM or Ctrl-C. */
export function registerWorker(program: Command, ctx: CliContext): void {
  program
    .command('worker')
    .description('process queued tasks of a `timeside serve --redis` server (needs @timeside/server)')
    .requiredOption('--redis <url>', 'the Redis of the queue, redis://HOST:PORT')
    .requiredOption(
      '--server <url>',
      'the server the media comes from and the results go to, http://HOST:PORT',
    )
    .option('--token <token>', "the server's token (default: TIMESIDE_TOKEN)")
    .option('--concurrency <n>', 'jobs at once (default: the number of cores)')
    .option(
      '--lock-duration <ms>',
      'lock of a job in hand; a dead worker’s job is taken over after it (default 30000)',
    )
    .option('--stalled-interval <ms>', 'how often dead workers’ jobs are looked for (default 30000)')
    .action(async (options: WorkerOptions) => {
      const token = options.token ?? process.env.TIMESIDE_TOKEN;
      if (!token) throw usageError('--token: give the server’s token (or set TIMESIDE_TOKEN)');
      if (!/^https?:\/\//.test(options.server))
        throw usageError(`--server ${options.server}: give an http:// URL`);
      const concurrency = positive('--concurrency', options.concurrency) ?? cpus().length;
      const { startWorker } = await loadServer();
      const worker = await startWorker({
        redis: options.redis,
        server: options.server,
        token,
        concurrency,
        lockDuration: positive('--lock-duration', options.lockDuration),
        stalledInterval: positive('--stalled-interval', options.stalledInterval),
      });
      ctx.out.line(
        `timeside: worker on ${options.redis} for ${options.server}, ${concurrency} at a time; SIGTERM or Ctrl-C stops after the jobs in hand`,
      );
      let stop = () => {};
      await new Promise<void>((done) => {
        stop = done;
        if (ctx.signal?.aborted) return done();
        ctx.signal?.addEventListener('abort', stop, { once: true });
        process.once('SIGTERM', stop);
      });
      process.off('SIGTERM', stop);
      ctx.signal?.removeEventListener('abort', stop);
      await worker.close();
      ctx.out.line('timeside: worker stopped');
    });
}
