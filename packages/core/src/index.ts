/**
 * @timeside/core — the processor model, the one-pass pipeline, decoders, results and the plugin
 * registry of TimeSide-TS. Plugins import only from here.
 */

export * from './decode/array-decoder.js';
export * from './decode/decoder.js';
export * from './decode/file-decoder.js';
export * from './decode/non-finite.js';
export * from './decode/pcm.js';
export * from './decode/wav.js';
export * from './dsp/downmix.js';
export * from './dsp/fft.js';
export * from './dsp/frames.js';
export * from './dsp/series.js';
export { simdKernelsAvailable, widenMinMax } from './dsp/simd-kernels.js';
export * from './dsp/stft.js';
export * from './dsp/stft-params.js';
export * from './dsp/window.js';
export * from './errors/index.js';
export * from './ffmpeg/index.js';
export * from './pipeline/pipeline.js';
export * from './processor/params.js';
export * from './processor/processor.js';
export * from './registry/builtins.js';
export * from './registry/config.js';
export * from './registry/discovery.js';
export * from './registry/manifest.js';
export * from './registry/plugin.js';
export * from './registry/registry.js';
export * from './registry/scaffold.js';
export * from './results/container.js';
export * from './results/result.js';
export {
  formatFromPath,
  RESULT_FORMATS,
  type ResultFormat,
  type ResultFormatInfo,
  readResults,
  writeResults,
} from './results/serialize/index.js';

import './registry/builtins.js';
