/**
 * @timeside/plugin-graphers — the graphers of TimeSide-TS: images of the audio drawn during the
 * pipeline pass. Discovered through the `timeside-plugin` manifest in package.json.
 */
import { definePlugin, type ProcessorClass } from '@timeside/core';
import { WaveformSimple } from './waveform_simple.js';

export { WaveformSimple, type WaveformSimpleParams } from './waveform_simple.js';

/** Every grapher of this plugin, sorted by id. */
export const processors: ProcessorClass[] = [WaveformSimple];

export default definePlugin({ name: '@timeside/plugin-graphers', processors });
