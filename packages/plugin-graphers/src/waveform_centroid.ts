import {
  type NodeSpec,
  type Params,
  type ProcessorMeta,
  paramError,
  type ResultContainer,
  stftParams,
} from '@timeside/core';
import { Grapher, grapherParams } from './grapher.js';
import type { Rect } from './render/axes.js';
import { COLORMAPS, type ColormapName, colormapLut } from './render/colormap.js';
import type { Surface } from './render/surface.js';
import { envelopeOutline, WaveformGrapher, type WaveformParams, waveformParams } from './waveform.js';

/** Parameters of `waveform_centroid`. */
export interface WaveformCentroidParams extends Omit<WaveformParams, 'foreground'> {
  /** FFT size of the spectral centroid (default: 2048). */
  fftSize: number;
  /** Hop of the spectral centroid (default: 512). */
  hopSize: number;
  /** Centroid at the low end of the colour map, Hz (default: 80). */
  minFreq: number;
  /** Centroid at the high end of the colour map, Hz (default: 8000). */
  maxFreq: number;
  /** Colour map (default: 'turbo'). */
  colormap: ColormapName;
}

const ID = 'waveform_centroid';
const { fftSize, hopSize } = stftParams({ withWindow: false });

/** The part of a map used: turbo's darkest ends vanish on a dark or white background. */
function mapRange(name: ColormapName): [number, number] {
  return name === 'turbo' ? [0.1, 0.9] : [0, 1];
}

/**
 * Level (0–255) of the colour map for a spectral centroid: log-frequency position between minFreq
 * and maxFreq, clipped (exported for the test's reference).
 */
export function centroidLevel(
  centroidHz: number,
  minFreq: number,
  maxFreq: number,
  name: ColormapName,
): number {
  const u = Math.min(1, Math.max(0, Math.log(centroidHz / minFreq) / Math.log(maxFreq / minFreq)));
  const [lo, hi] = mapRange(name);
  return Math.round(255 * (lo + u * (hi - lo)));
}

/**
 * `waveform_centroid`: the waveform with each column coloured by the spectral centroid of the
 * audio under it — TimeSide's signature look (its `waveform_centroid`), dull sounds in one colour,
 * bright ones in another. The centroid comes from `spectral_descriptors` (the shared STFT).
 */
export class WaveformCentroid extends WaveformGrapher<WaveformCentroidParams> {
  static override readonly meta: ProcessorMeta = {
    id: ID,
    kind: 'grapher',
    name: 'Waveform (spectral centroid)',
    version: '1.0.0',
    description:
      'The waveform of waveform_simple with each device-pixel column coloured by the spectral centroid ' +
      '(from spectral_descriptors, on the shared STFT) of the frames under it: the mean of log(centroid) ' +
      'over the frames, placed on a log-frequency scale from minFreq to maxFreq (clipped) and looked up ' +
      'in the colour map; columns without a sounding frame take the low-end colour. Its test decodes the ' +
      'PNG: a 200 Hz tone then a 3 kHz tone give each half the colour of its frequency.',
    extension: 'png',
    params: {
      ...grapherParams({ background: '#ffffff' }),
      layout: waveformParams('').layout,
      fftSize,
      hopSize,
      minFreq: {
        type: 'number',
        default: 80,
        exclusiveMinimum: 0,
        unit: 'Hz',
        description: 'Centroid given the low end of the colour map',
      },
      maxFreq: {
        type: 'number',
        default: 8000,
        exclusiveMinimum: 0,
        unit: 'Hz',
        description: 'Centroid given the high end of the colour map',
      },
      colormap: {
        type: 'string',
        default: 'turbo',
        enum: COLORMAPS,
        description: 'Colour map of the centroid',
      },
    },
    requires: (p: Params): NodeSpec[] => [
      { processor: 'spectral_descriptors', params: { fftSize: p.fftSize, hopSize: p.hopSize } },
      ...Grapher.overlaySpecs(p),
    ],
  };

  #centroid: ArrayLike<number> = [];
  #frameStepS = 0;

  constructor(params: Partial<WaveformCentroidParams> | Record<string, unknown> = {}) {
    super(params);
    if (this.params.maxFreq <= this.params.minFreq) {
      throw paramError(
        ID,
        'maxFreq',
        `must be above minFreq (${this.params.minFreq} Hz), got ${this.params.maxFreq}`,
      );
    }
  }

  protected override collect(inputResults: readonly ResultContainer[]): void {
    const centroid = inputResults[0]?.get('spectral_centroid');
    this.#centroid = (centroid?.value as ArrayLike<number> | undefined) ?? [];
    this.#frameStepS = centroid?.frame ? centroid.frame.hop / centroid.frame.sampleRate : 0;
  }

  /** Colour level of each device column (mean of log centroid over its frames). */
  #levels(columns: number): Uint8Array {
    const { minFreq, maxFreq, colormap } = this.params;
    const sum = new Float64Array(columns);
    const count = new Uint32Array(columns);
    const durationS = this.durationS;
    const values = this.#centroid;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (!(v > 0) || !(durationS > 0)) continue;
      const c = Math.min(columns - 1, Math.floor(((i * this.#frameStepS) / durationS) * columns));
      sum[c] += Math.log(v);
      count[c]++;
    }
    const levels = new Uint8Array(columns);
    let last = centroidLevel(minFreq, minFreq, maxFreq, colormap);
    for (let c = 0; c < columns; c++) {
      // Fewer frames than columns: a column between two frames keeps the colour of the one before.
      if (count[c] > 0) last = centroidLevel(Math.exp(sum[c] / count[c]), minFreq, maxFreq, colormap);
      levels[c] = last;
    }
    return levels;
  }

  protected override drawContent(surface: Surface, area: Rect): void {
    const { ctx } = surface;
    const lut = colormapLut(this.params.colormap);
    for (const { rect, columns } of this.lanes(area)) {
      const count = columns.min.length;
      const levels = this.#levels(count);
      // One path per run of equal colour: few elements in an SVG, and no seam inside a run.
      for (let from = 0; from < count; ) {
        let to = from + 1;
        while (to < count && levels[to] === levels[from]) to++;
        const l = 3 * levels[from];
        ctx.fillStyle = `rgb(${lut[l]},${lut[l + 1]},${lut[l + 2]})`;
        ctx.beginPath();
        envelopeOutline(ctx, rect, columns, from, to, 1 / surface.density);
        ctx.fill('nonzero');
        from = to;
      }
    }
  }
}
