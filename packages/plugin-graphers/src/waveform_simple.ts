import type { ProcessorMeta } from '@timeside/core';
import { Grapher, grapherParams } from './grapher.js';
import type { Rect } from './render/axes.js';
import { cssColor } from './render/color.js';
import type { Surface } from './render/surface.js';
import { WaveformGrapher, type WaveformParams, waveformParams } from './waveform.js';

/** Parameters of `waveform_simple`. */
export type WaveformSimpleParams = WaveformParams;

/**
 * `waveform_simple`: the min/max envelope of the audio per pixel column (TimeSide's
 * `waveform_simple`), as PNG or SVG.
 */
export class WaveformSimple extends WaveformGrapher<WaveformSimpleParams> {
  static override readonly meta: ProcessorMeta = {
    id: 'waveform_simple',
    kind: 'grapher',
    name: 'Waveform (simple)',
    version: '2.0.0',
    description:
      'Draws the waveform: each device-pixel column spans an equal share of the stream and is filled ' +
      'from its maximum to its minimum sample (+1 at the top edge, −1 at the bottom edge, 0 in the ' +
      'middle; at least one device pixel, so silence is a center line), antialiased, columns edge to ' +
      'edge. layout "mix" draws the mean of the channels; "lanes" one lane per channel, first on top. ' +
      'overlay draws results over it. PNG (density 1 or 2) or SVG. Its test decodes the PNG: a ' +
      'full-scale sine fills the height, a half-scale one the middle half, silence only the center line.',
    extension: 'png',
    params: { ...grapherParams({ background: '#ffffff' }), ...waveformParams('#1f5fa8') },
    requires: Grapher.overlaySpecs,
  };

  protected override drawContent(surface: Surface, area: Rect): void {
    this.drawOutline(surface, area, cssColor(this.foregroundColor));
  }
}
