import {
  type AudioBlock,
  type NodeSpec,
  type Params,
  paramError,
  type SpectrumBatch,
  type StreamFormat,
  stftParams,
  stftSpec,
  type WindowName,
  windowFunction,
} from '@timeside/core';
import { SpectrumColumns } from './dsp/spectrum_columns.js';
import { Grapher, type GrapherParams, grapherParams } from './grapher.js';
import type { Rect } from './render/axes.js';
import { SPECTROGRAM_OVERLAY_COLORS } from './render/color.js';
import { COLORMAPS, type ColormapName, colormapLut } from './render/colormap.js';
import { type FrequencyScale, frequencyScale } from './render/scale.js';
import { drawRaster, type Surface } from './render/surface.js';

/** Parameters of the spectrogram graphers. */
export interface SpectrogramParams extends GrapherParams {
  /** FFT size of the shared STFT (default: 2048). */
  fftSize: number;
  /** Hop of the shared STFT (default: 512). */
  hopSize: number;
  /** Window of the shared STFT (default: 'hann'). */
  window: WindowName;
  /** Lowest frequency shown, Hz. */
  minFreq: number;
  /** Highest frequency shown, Hz; null: Nyquist (default: null). */
  maxFreq: number | null;
  /** Level at the low end of the colour map, dBFS (default: −100). */
  minDb: number;
  /** Level at the high end of the colour map, dBFS (default: 0). */
  maxDb: number;
  /** Colour map (default: 'magma'). */
  colormap: ColormapName;
}

/** The parameter schema of a spectrogram grapher whose axis starts at `minFreq` by default. */
export function spectrogramParams(minFreq: number) {
  return {
    ...grapherParams({ background: '#000000', height: 256 }),
    ...stftParams(),
    minFreq: {
      type: 'number',
      default: minFreq,
      minimum: 0,
      unit: 'Hz',
      description: 'Lowest frequency shown (the bottom edge)',
    },
    maxFreq: {
      type: 'number',
      default: null,
      nullable: true,
      exclusiveMinimum: 0,
      unit: 'Hz',
      description: 'Highest frequency shown (the top edge); null: Nyquist',
    },
    minDb: {
      type: 'number',
      default: -100,
      unit: 'dBFS',
      description: 'Level drawn in the low-end colour (and below)',
    },
    maxDb: {
      type: 'number',
      default: 0,
      unit: 'dBFS',
      description: 'Level drawn in the high-end colour (and above); a full-scale sine reads 0 dBFS',
    },
    colormap: { type: 'string', default: 'magma', enum: COLORMAPS, description: 'Colour map of the level' },
  } as const;
}

/** `requires` of a spectrogram grapher: the shared STFT, then its overlays. */
export function spectrogramRequires(p: Params): NodeSpec[] {
  return [stftSpec(p), ...Grapher.overlaySpecs(p)];
}

/**
 * Where each device row of the image reads the spectrum: the bins whose centre falls in the row's
 * frequency band (their maximum, so a tone keeps its level), or, when the band holds no bin centre
 * (low frequencies on a log or mel axis), the power interpolated at the band's centre.
 */
export interface RowMap {
  from: Int32Array;
  to: Int32Array;
  weight: Float32Array;
}

/** The row map of an axis `rows` device pixels tall (row 0 at the top). */
export function rowMap(scale: FrequencyScale, rows: number, binHz: number, bins: number): RowMap {
  const from = new Int32Array(rows);
  const to = new Int32Array(rows);
  const weight = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    const low = scale.fromUnit((rows - 1 - r) / rows) / binHz;
    const high = scale.fromUnit((rows - r) / rows) / binHz;
    const first = Math.ceil(low);
    const last = Math.min(bins - 1, Math.ceil(high) - 1);
    if (first <= last) {
      from[r] = first;
      to[r] = last + 1;
      weight[r] = -1;
    } else {
      const centre = Math.min(bins - 1, (low + high) / 2);
      from[r] = Math.min(bins - 2, Math.floor(centre));
      to[r] = from[r] + 1;
      weight[r] = centre - from[r];
    }
  }
  return { from, to, weight };
}

/**
 * Base of `spectrogram_lin`, `spectrogram_log` and `spectrogram_mel`: the mean power spectrum of
 * the frames of the shared STFT under each device column (streamed, memory independent of the
 * length), read through a linear, log or mel frequency axis and coloured by its level in dBFS.
 */
export abstract class SpectrogramGrapher extends Grapher<SpectrogramParams> {
  /** The frequency axis of this grapher. */
  protected abstract readonly scaleKind: FrequencyScale['kind'];
  #columns: SpectrumColumns | undefined;
  #gainDb = 0;
  #binHz = 1;
  #fftSize = 2048;
  #nyquist = 22050;

  constructor(params: Partial<SpectrogramParams> | Record<string, unknown> = {}) {
    super(params);
    const { minDb, maxDb, minFreq, maxFreq } = this.params;
    if (maxDb <= minDb)
      throw paramError(this.meta.id, 'maxDb', `must be above minDb (${minDb}), got ${maxDb}`);
    if (maxFreq !== null && maxFreq <= minFreq) {
      throw paramError(this.meta.id, 'maxFreq', `must be above minFreq (${minFreq} Hz), got ${maxFreq}`);
    }
  }

  protected override overlayColors(): readonly string[] {
    return SPECTROGRAM_OVERLAY_COLORS;
  }

  protected override get hasFrequencyAxis(): boolean {
    return true;
  }

  protected override frequencyScale(): FrequencyScale {
    const { minFreq, maxFreq } = this.params;
    const top = Math.min(maxFreq ?? this.#nyquist, this.#nyquist);
    // A log axis cannot reach 0 Hz: it starts at the first bin at the lowest.
    const bottom = this.scaleKind === 'log' ? Math.max(minFreq, this.#binHz) : minFreq;
    return frequencyScale(this.scaleKind, Math.min(bottom, top / 2), top);
  }

  protected override start(format: StreamFormat): void {
    const { fftSize, window } = this.params;
    this.#fftSize = fftSize;
    this.#binHz = format.sampleRate / fftSize;
    this.#nyquist = format.sampleRate / 2;
    let windowSum = 0;
    for (const w of windowFunction(window, fftSize)) windowSum += w;
    // A sine of amplitude A on a bin reads A·Σw/2: scaled so a full-scale sine reads 0 dBFS.
    this.#gainDb = 20 * Math.log10(2 / windowSum);
    this.#columns = new SpectrumColumns(this.plotColumns, fftSize / 2 + 1, format.totalFrames);
  }

  protected override consume(_block: AudioBlock, inputs: readonly unknown[]): void {
    const spectra = inputs[0] as SpectrumBatch;
    const columns = this.#columns!;
    for (let f = 0; f < spectra.count; f++) {
      columns.add((spectra.first + f) * spectra.hopSize + this.#fftSize / 2, spectra.magnitude[f]);
    }
  }

  protected override drawContent(surface: Surface, area: Rect): void {
    const columns = this.#columns;
    if (!columns) return;
    const { minDb, maxDb, colormap } = this.params;
    const width = columns.width;
    const rows = Math.max(1, Math.round(area.height * surface.rasterDensity));
    const bins = columns.bins;
    const power = columns.columns();
    const map = rowMap(this.frequencyScale(), rows, this.#binHz, bins);
    const lut = colormapLut(colormap);
    const rgba = new Uint8ClampedArray(width * rows * 4);
    const levelScale = 255 / (maxDb - minDb);
    for (let x = 0; x < width; x++) {
      const o = x * bins;
      for (let r = 0; r < rows; r++) {
        let p: number;
        const w = map.weight[r];
        if (w < 0) {
          p = 0;
          for (let k = map.from[r]; k < map.to[r]; k++) if (power[o + k] > p) p = power[o + k];
        } else {
          p = power[o + map.from[r]] * (1 - w) + power[o + map.to[r]] * w;
        }
        const db = 10 * Math.log10(p) + this.#gainDb;
        const level = db > minDb ? Math.min(255, Math.round((db - minDb) * levelScale)) : 0;
        const i = (r * width + x) * 4;
        rgba[i] = lut[3 * level];
        rgba[i + 1] = lut[3 * level + 1];
        rgba[i + 2] = lut[3 * level + 2];
        rgba[i + 3] = 255;
      }
    }
    drawRaster(surface, rgba, width, rows, area.x, area.y, area.width, area.height);
  }
}
