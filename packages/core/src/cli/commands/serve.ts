import { resolve } from 'node:path';
import type { Command } from 'commander';
import { ioError, usageError } from '../../errors/index.js';
import type { CliContext } from '../main.js';

/** The part of `@timeside/server` this command uses (core does not depend on the server package). */
interface ServerModule {
  serve(options: {
    port?: number;
    host?: string;
    dataDir: string;
    mediaRoot?: string;
    cors?: boolean | string[];
    redis?: string;
  }): Promise<{
    url: string;
    token: string;
    tokenGenerated: boolean;
    close(): Promise<void>;
  }>;
}

/** The server package, when installed; a usage error saying how to install it otherwise. */
async function loadServer(): Promise<ServerModule> {
  // A variable specifier: the package is optional, so neither tsc nor the bundler resolves it.
  const name = '@timeside/server';
  try {
    return (await import(name)) as ServerModule;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' && String((error as Error).message).includes(name)) {
      throw usageError('`timeside serve` needs the server package: npm install @timeside/server');
    }
    throw error;
  }
}

interface ServeOptions {
  port: string;
  host: string;
  data: string;
  media?: string;
  cors?: string;
  redis?: string;
}

/** `timeside serve`: the REST API of `@timeside/server`, until Ctrl-C. */
export function registerServe(program: Command, ctx: CliContext): void {
  program
    .command('serve')
    .description(
      'start the REST API server (needs @timeside/server): items, presets, tasks, results, streaming',
    )
    .option('--port <port>', 'port to listen on (0: any free one)', '8000')
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--data <dir>', 'data directory: database, uploads, results, stream cache', 'timeside-data')
    .option('--media <dir>', 'directory whose files may be registered as items in place')
    .option(
      '--cors <origins>',
      'origins allowed to call the API from a browser, comma-separated, or * for any',
    )
    .option(
      '--redis <url>',
      'put tasks on this Redis (redis://HOST:PORT) for `timeside worker` processes instead of running them here',
    )
    .action(async (options: ServeOptions) => {
      const port = Number(options.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        throw usageError(`--port ${options.port}: give a port number from 0 to 65535`);
      }
      const { serve } = await loadServer();
      const dataDir = resolve(ctx.cwd, options.data);
      let server: Awaited<ReturnType<ServerModule['serve']>>;
      try {
        server = await serve({
          port,
          host: options.host,
          dataDir,
          ...(options.redis === undefined ? {} : { redis: options.redis }),
          mediaRoot: options.media === undefined ? undefined : resolve(ctx.cwd, options.media),
          cors:
            options.cors === undefined
              ? undefined
              : options.cors.trim() === '*'
                ? true
                : options.cors.split(',').map((o) => o.trim()),
        });
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code === 'EADDRINUSE') throw usageError(`--port ${port}: the port is in use on ${options.host}`);
        if (code === 'EACCES' || code === 'ENOENT') throw ioError(dataDir, (error as Error).message, error);
        throw error;
      }
      ctx.out.line(
        `timeside: serving ${server.url}/api (data in ${dataDir}${options.redis ? `; tasks queued on ${options.redis}` : ''}); Ctrl-C stops`,
      );
      if (server.tokenGenerated)
        ctx.out.line(`timeside: token for writes (saved in the data dir): ${server.token}`);
      let stop = () => {};
      await new Promise<void>((done) => {
        stop = done;
        if (ctx.signal?.aborted) return done();
        ctx.signal?.addEventListener('abort', stop, { once: true });
        process.once('SIGTERM', stop);
      });
      process.off('SIGTERM', stop);
      ctx.signal?.removeEventListener('abort', stop);
      await server.close();
    });
}
