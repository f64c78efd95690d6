import type { ProcessorClass } from '../processor/processor.js';

/** The plugin API version this core supports (the manifest's `apiVersion`). */
export const PLUGIN_API_VERSION = 1;

/** What a plugin's entry exports by default. */
export interface PluginDefinition {
  /** The plugin's name (usually its npm package name). */
  name: string;
  processors: readonly ProcessorClass[];
}

/** Declares a plugin: the default export of its entry module. */
export function definePlugin(definition: PluginDefinition): PluginDefinition {
  return { name: definition.name, processors: [...definition.processors] };
}
