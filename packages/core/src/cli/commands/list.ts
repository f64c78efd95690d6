import type { Command } from 'commander';
import { usageError } from '../../errors/index.js';
import type { Kind } from '../../processor/processor.js';
import { listProcessors } from '../../registry/registry.js';
import type { CliContext } from '../main.js';
import { formatTable } from '../output.js';

/** Kinds `--kind` accepts. */
export const KINDS: readonly Kind[] = ['decoder', 'fx', 'analyzer', 'grapher', 'encoder', 'adapter'];

interface ListOptions {
  kind?: string;
  all?: boolean;
  json?: boolean;
}

/** `timeside list`: the processors installed (built in, discovered, registered). */
export function registerList(program: Command, ctx: CliContext): void {
  program
    .command('list')
    .description('list the processors installed: id, kind, version, name and the package providing it')
    .option('-k, --kind <kind>', `only processors of this kind: ${KINDS.join(', ')}`)
    .option('--all', 'include the adapter nodes (downmix, frames, stft) that other processors use')
    .option('--json', 'print JSON instead of a table')
    .action(async (options: ListOptions) => {
      const kind = options.kind;
      if (kind !== undefined && !KINDS.includes(kind as Kind)) {
        throw usageError(`--kind ${kind}: unknown kind (kinds: ${KINDS.join(', ')})`);
      }
      const { processors, errors } = await listProcessors({
        kind: kind as Kind | undefined,
        adapters: options.all === true,
        withErrors: true,
      });
      const { out } = ctx;
      if (options.json) {
        const rows = processors.map((p) => ({
          id: p.id,
          kind: p.kind,
          version: p.version,
          name: p.name,
          description: p.description,
          package: p.source.package,
          via: p.source.via,
        }));
        out.line(JSON.stringify(rows, null, 2));
      } else if (processors.length === 0) {
        out.note(
          `no ${kind ? `${kind} ` : ''}processors found: install a plugin (npm install @timeside/plugin-aubio-like)`,
        );
      } else {
        const rows = processors.map((p) => [p.id, p.kind, p.version, p.name, p.source.package]);
        for (const line of formatTable(['ID', 'KIND', 'VERSION', 'NAME', 'PACKAGE'], rows)) out.line(line);
      }
      if (errors.length) {
        out.note(
          `timeside: ${errors.length} plugin${errors.length === 1 ? '' : 's'} could not be loaded ` +
            `(${[...new Set(errors.map((e) => e.package))].join(', ')}): run \`timeside doctor\``,
        );
      }
    });
}
