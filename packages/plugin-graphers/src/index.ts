/**
 * @timeside/plugin-graphers — the graphers of TimeSide-TS: images of the audio drawn during the
 * pipeline pass. Discovered through the `timeside-plugin` manifest in package.json.
 */
import { definePlugin, type ProcessorClass } from '@timeside/core';
import { Audiowaveform } from './audiowaveform.js';
import { ResultPlot } from './result_plot.js';
import { SpectrogramLin } from './spectrogram_lin.js';
import { SpectrogramLog } from './spectrogram_log.js';
import { SpectrogramMel } from './spectrogram_mel.js';
import { WaveformCentroid } from './waveform_centroid.js';
import { WaveformContourBlack } from './waveform_contour_black.js';
import { WaveformContourWhite } from './waveform_contour_white.js';
import { WaveformSimple } from './waveform_simple.js';
import { WaveformTransparent } from './waveform_transparent.js';

export {
  Audiowaveform,
  type AudiowaveformData,
  type AudiowaveformParams,
  audiowaveformDat,
  audiowaveformData,
} from './audiowaveform.js';
export { Grapher, type GrapherParams, type RenderOptions } from './grapher.js';
export { COLORMAPS, type ColormapName } from './render/colormap.js';
export { type FrequencyScale, frequencyScale, hzToMel, melToHz } from './render/scale.js';
export { IMAGE_FORMATS, type ImageFormat } from './render/surface.js';
export { ResultPlot, type ResultPlotParams } from './result_plot.js';
export { SpectrogramGrapher, type SpectrogramParams } from './spectrogram.js';
export { SpectrogramLin } from './spectrogram_lin.js';
export { SpectrogramLog } from './spectrogram_log.js';
export { SpectrogramMel } from './spectrogram_mel.js';
export { WaveformGrapher, type WaveformParams } from './waveform.js';
export { WaveformCentroid, type WaveformCentroidParams } from './waveform_centroid.js';
export { WaveformContour } from './waveform_contour.js';
export { WaveformContourBlack } from './waveform_contour_black.js';
export { WaveformContourWhite } from './waveform_contour_white.js';
export { WaveformSimple, type WaveformSimpleParams } from './waveform_simple.js';
export { WaveformTransparent, type WaveformTransparentParams } from './waveform_transparent.js';

/** Every grapher of this plugin, sorted by id. */
export const processors: ProcessorClass[] = [
  Audiowaveform,
  ResultPlot,
  SpectrogramLin,
  SpectrogramLog,
  SpectrogramMel,
  WaveformCentroid,
  WaveformContourBlack,
  WaveformContourWhite,
  WaveformSimple,
  WaveformTransparent,
];

export default definePlugin({ name: '@timeside/plugin-graphers', processors });
