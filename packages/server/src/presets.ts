/**
 * Presets are checked against the registry: only an installed processor runs, and only with
 * parameters its own schema accepts (core's `validateParams`, the same check as a script's).
 */
import { join } from 'node:path';
import {
  getProcessorEntry,
  type Processor,
  type ProcessorClass,
  paramError,
  validateParams,
} from '@timeside/core';
import { badRequest } from './http-error.js';
import type { Preset } from './store.js';

/** Kinds a preset may name: the decoder is the item, adapters are internal nodes. */
const RUNNABLE = new Set(['fx', 'analyzer', 'grapher', 'encoder']);

/** True when the processor writes a file named by its `output` parameter (graphers, encoders). */
export function writesFile(cls: ProcessorClass): boolean {
  return 'output' in cls.meta.params;
}

/**
 * Checks a preset's processor and parameters; throws a 400 naming the unknown processor, or a
 * TimesideError (E_PARAM, answered with 400) naming the processor and parameter.
 */
export async function checkPreset(
  processor: string,
  params: Record<string, unknown>,
): Promise<ProcessorClass> {
  const entry = await getProcessorEntry(processor);
  if (!RUNNABLE.has(entry.kind)) {
    throw badRequest(
      `processor ${processor} is ${entry.kind === 'adapter' ? 'an adapter' : 'a decoder'}: a preset runs an fx, analyzer, grapher or encoder`,
      {
        processor,
      },
    );
  }
  const cls = entry.processor;
  if (writesFile(cls) && 'output' in params) {
    throw paramError(processor, 'output', 'is set by the server (results are stored per item and preset)');
  }
  validateParams(processor, cls.meta.params, params);
  return cls;
}

/** The file a writing preset produces in its results directory: `<processor>.<extension>`. */
export function outputName(cls: ProcessorClass, params: Record<string, unknown>): string {
  const format = typeof params.format === 'string' ? params.format : undefined;
  return `${cls.meta.id}.${format ?? cls.meta.extension ?? 'out'}`;
}

/** An instance of the preset's processor, writing (if it writes) into `dir`. */
export async function instantiate(
  preset: Preset,
  dir: string,
): Promise<{ processor: Processor; file?: string }> {
  const cls = await checkPreset(preset.processor, preset.params);
  if (!writesFile(cls)) return { processor: new cls(preset.params) };
  const file = outputName(cls, preset.params);
  return { processor: new cls({ ...preset.params, output: join(dir, file) }), file };
}
