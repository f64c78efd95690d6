import { relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { usageError } from '../../errors/index.js';
import { scaffoldPlugin } from '../../registry/scaffold.js';
import type { CliContext } from '../main.js';

/** `timeside new plugin NAME`: a new plugin package from the template. */
export function registerNew(program: Command, ctx: CliContext): void {
  program
    .command('new')
    .description('create a new plugin package from the template')
    .argument('<what>', 'what to create: plugin')
    .argument('<name>', 'npm package name, e.g. timeside-plugin-tuning or @me/timeside-plugin-tuning')
    .option('-d, --dir <dir>', 'directory to create (default: the name without its scope)')
    .option('--id <id>', 'id of the example analyzer (default: derived from the name)')
    .action((what: string, name: string, options: { dir?: string; id?: string }) => {
      if (what !== 'plugin') throw usageError(`new ${what}: only "new plugin NAME" exists`);
      const dir = resolve(ctx.cwd, options.dir ?? name.replace(/^@[^/]+\//, ''));
      const created = scaffoldPlugin({ name, dir, processorId: options.id });
      const where = relative(ctx.cwd, created.dir) || '.';
      ctx.out.line(
        `created ${created.name} in ${where} (${created.files.length} files, example analyzer ${created.processorId})`,
      );
      ctx.out.line('next:');
      ctx.out.line(`  cd ${where} && npm install && npm test`);
    });
}
