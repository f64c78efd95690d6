import type { Command } from 'commander';
import { type ParamSpec, validateParams } from '../../processor/params.js';
import { getProcessorEntry, type ProcessorSource } from '../../registry/registry.js';
import type { CliContext } from '../main.js';
import { formatTable } from '../output.js';

function show(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.join(',');
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/** The range of a parameter, as people write it: `1 … 8192`, `> 0`, `"a" | "b"`. */
export function paramRange(spec: ParamSpec): string {
  if ('enum' in spec && spec.enum) return spec.enum.map(show).join(' | ');
  if (spec.type === 'number' || spec.type === 'integer') {
    const low =
      spec.exclusiveMinimum !== undefined
        ? `> ${spec.exclusiveMinimum}`
        : spec.minimum !== undefined
          ? spec.minimum
          : undefined;
    const high = spec.maximum;
    if (typeof low === 'number' && high !== undefined) return `${low} … ${high}`;
    if (low !== undefined && high !== undefined) return `${low}, ≤ ${high}`;
    if (typeof low === 'number') return `≥ ${low}`;
    if (low !== undefined) return low;
    if (high !== undefined) return `≤ ${high}`;
  }
  if (spec.type === 'array' && spec.minItems !== undefined) return `≥ ${spec.minItems} items`;
  return '';
}

/** Where a processor comes from, in words. */
export function describeSource(source: ProcessorSource): string {
  const where = source.path ? ` (${source.path})` : '';
  switch (source.via) {
    case 'builtin':
      return `built into ${source.package}`;
    case 'code':
      return 'registered in code';
    case 'config':
      return `from ${source.package}, listed in the config${where}`;
    case 'host':
      return `from ${source.package}, installed with @timeside/core${where}`;
    default:
      return `from ${source.package}${where}`;
  }
}

/** Words of `text` in lines of at most `width` characters. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines;
}

function typeOf(spec: ParamSpec): string {
  const base = spec.type === 'array' ? `${spec.items}[]` : spec.type;
  const unit = 'unit' in spec && spec.unit ? ` (${spec.unit})` : '';
  return `${base}${unit}`;
}

/** `timeside info ID`: everything a processor's metadata says. */
export function registerInfo(program: Command, ctx: CliContext): void {
  program
    .command('info')
    .description('describe a processor: what it does, its parameters and results, where it comes from')
    .argument('<id>', 'processor id, as `timeside list` shows it')
    .option('--json', 'print JSON')
    .action(async (id: string, options: { json?: boolean }) => {
      const entry = await getProcessorEntry(id);
      const meta = entry.processor.meta;
      const { out } = ctx;
      // The nodes it uses with its default parameters (they may vary with the parameters).
      const requires = (meta.requires?.(validateParams(meta.id, meta.params, {})) ?? []).map((n) =>
        typeof n.processor === 'string' ? n.processor : n.processor.meta.id,
      );
      if (options.json) {
        out.line(
          JSON.stringify(
            {
              id: meta.id,
              kind: meta.kind,
              name: meta.name,
              version: meta.version,
              description: meta.description,
              params: meta.params,
              results: meta.results ?? [],
              extension: meta.extension,
              requires,
              source: entry.source,
            },
            null,
            2,
          ),
        );
        return;
      }
      out.line(`${meta.id} — ${meta.name}`);
      out.line(`${meta.kind}, version ${meta.version}, ${describeSource(entry.source)}`);
      out.line();
      for (const line of wrap(meta.description, Math.min(100, out.stdout.columns ?? 100))) out.line(line);
      const params = Object.entries(meta.params);
      out.line();
      if (params.length === 0) {
        out.line('Parameters: none');
      } else {
        out.line('Parameters:');
        const rows = params.map(([name, spec]) => [
          name,
          typeOf(spec),
          show(spec.default),
          paramRange(spec),
          spec.description,
        ]);
        for (const line of formatTable(['NAME', 'TYPE', 'DEFAULT', 'RANGE', 'DESCRIPTION'], rows))
          out.line(`  ${line}`);
      }
      if (meta.results?.length) {
        out.line();
        out.line('Results:');
        const rows = meta.results.map((r) => [r.id, r.unit, r.name, r.description ?? '']);
        for (const line of formatTable(['ID', 'UNIT', 'NAME', 'DESCRIPTION'], rows)) out.line(`  ${line}`);
      }
      if (meta.extension) {
        out.line();
        out.line(
          `Writes: one .${meta.extension} file per input (timeside run names it <input>.${meta.id}.${meta.extension})`,
        );
      }
      if (requires.length) {
        out.line();
        out.line(`Uses: ${requires.join(', ')} (shared with other processors of the same run)`);
      }
    });
}
