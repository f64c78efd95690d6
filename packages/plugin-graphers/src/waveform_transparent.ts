import type { ProcessorMeta } from '@timeside/core';
import { Grapher, grapherParams } from './grapher.js';
import type { Rect } from './render/axes.js';
import { cssColor } from './render/color.js';
import type { Surface } from './render/surface.js';
import { WaveformGrapher, type WaveformParams, waveformParams } from './waveform.js';

/** Parameters of `waveform_transparent`. */
export type WaveformTransparentParams = WaveformParams;

/**
 * `waveform_transparent`: the waveform alone on a transparent background, to lay over a player's
 * own background or a spectrogram (TimeSide's `waveform_transparent`).
 */
export class WaveformTransparent extends WaveformGrapher<WaveformTransparentParams> {
  static override readonly meta: ProcessorMeta = {
    id: 'waveform_transparent',
    kind: 'grapher',
    name: 'Waveform (transparent)',
    version: '1.0.0',
    description:
      'The waveform of waveform_simple (min/max per device-pixel column, antialiased) on a fully ' +
      'transparent background (alpha 0), in white by default, for overlays in a player. Its test decodes ' +
      'the PNG: the background pixels have alpha 0 and a half-scale sine covers the middle half.',
    extension: 'png',
    params: { ...grapherParams({ background: '#00000000' }), ...waveformParams('#ffffff') },
    requires: Grapher.overlaySpecs,
  };

  protected override drawContent(surface: Surface, area: Rect): void {
    this.drawOutline(surface, area, cssColor(this.foregroundColor));
  }
}
