/**
 * The one module of TimeSide-TS that runs ffmpeg (through fluent-ffmpeg) and ffprobe: locating the
 * binaries, probing, streaming decoding to float32 and encoding from float32. Everything else —
 * the file decoder, the encoders plugin, `timeside doctor` — goes through these functions.
 */
export { type FfmpegDecodeOptions, FfmpegDecodeStream, ffmpegDecode, isUrl } from './decode.js';
export { createEncoder, type EncoderOptions, type FfmpegEncoder } from './encode.js';
export { type BinaryInfo, type FfmpegInfo, ffmpegInfo } from './info.js';
export {
  type FfmpegSource,
  type FfprobeSource,
  type LocatedBinary,
  locateFfmpeg,
  locateFfprobe,
} from './locate.js';
export { type ProbeInfo, type ProbeOptions, probe } from './probe.js';
export { liveFfmpegProcesses } from './run.js';
