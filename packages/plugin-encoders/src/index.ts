/**
 * @timeside/plugin-encoders — the encoders of TimeSide-TS: they write the audio of a pipeline
 * pass to files while the analyzers run. Discovered through the `timeside-plugin` manifest in
 * package.json.
 */
import { definePlugin, type ProcessorClass } from '@timeside/core';
import { VorbisEncoder } from './vorbis_encoder.js';
import { WavEncoder } from './wav_encoder.js';

export { VorbisEncoder, type VorbisEncoderParams } from './vorbis_encoder.js';
export { WavEncoder, type WavEncoderParams } from './wav_encoder.js';

/** Every encoder of this plugin, sorted by id. */
export const processors: ProcessorClass[] = [VorbisEncoder, WavEncoder];

export default definePlugin({ name: '@timeside/plugin-encoders', processors });
