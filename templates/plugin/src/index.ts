/**
 * __PLUGIN_NAME__ — a TimeSide-TS plugin. TimeSide finds it through the `timeside-plugin`
 * manifest in package.json once it is installed next to @timeside/core: no code, no config.
 */
import { definePlugin, type ProcessorClass } from '@timeside/core';
import { PeakFrequency } from './__PROCESSOR_ID__.js';

/** Every processor of this plugin, sorted by id. */
export const processors: ProcessorClass[] = [PeakFrequency];

export { PeakFrequency, peakBin } from './__PROCESSOR_ID__.js';

export default definePlugin({ name: '__PLUGIN_NAME__', processors });
