/**
 * @timeside/plugin-encoders — the encoders of TimeSide-TS: they write the audio of a pipeline
 * pass to files, or stream it (`encoder.stream()`), while the analyzers run. Discovered through the
 * `timeside-plugin` manifest in package.json.
 */
import { definePlugin, type ProcessorClass } from '@timeside/core';
import { AacEncoder } from './aac_encoder.js';
import { FlacEncoder } from './flac_encoder.js';
import { Mp3Encoder } from './mp3_encoder.js';
import { OpusEncoder } from './opus_encoder.js';
import { VorbisEncoder } from './vorbis_encoder.js';
import { WavEncoder } from './wav_encoder.js';
import { WebmEncoder } from './webm_encoder.js';

export { AacEncoder, type AacEncoderParams } from './aac_encoder.js';
export {
  Encoder,
  type EncoderParams,
  type EncoderTarget,
  encoderParams,
  TAG_NAMES,
  type TagName,
} from './base/encoder.js';
export { FfmpegEncoder, type FfmpegSettings } from './base/ffmpeg-encoder.js';
export { FlacEncoder, type FlacEncoderParams } from './flac_encoder.js';
export { Mp3Encoder, type Mp3EncoderParams } from './mp3_encoder.js';
export { OpusEncoder, type OpusEncoderParams } from './opus_encoder.js';
export { VorbisEncoder, type VorbisEncoderParams } from './vorbis_encoder.js';
export { WavEncoder, type WavEncoderParams } from './wav_encoder.js';
export { WebmEncoder, type WebmEncoderParams } from './webm_encoder.js';

/** Every encoder of this plugin, sorted by id. */
export const processors: ProcessorClass[] = [
  AacEncoder,
  FlacEncoder,
  Mp3Encoder,
  OpusEncoder,
  VorbisEncoder,
  WavEncoder,
  WebmEncoder,
];

export default definePlugin({ name: '@timeside/plugin-encoders', processors });
