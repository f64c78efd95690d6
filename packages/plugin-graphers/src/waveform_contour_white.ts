import type { ProcessorMeta } from '@timeside/core';
import { Grapher, grapherParams } from './grapher.js';
import { waveformParams } from './waveform.js';
import { WaveformContour } from './waveform_contour.js';

/**
 * `waveform_contour_white`: the smoothed peak envelope as nested contours on a white background
 * (TimeSide's `waveform_contour_white`).
 */
export class WaveformContourWhite extends WaveformContour {
  static override readonly meta: ProcessorMeta = {
    id: 'waveform_contour_white',
    kind: 'grapher',
    name: 'Waveform contour (white)',
    version: '1.0.0',
    description:
      'The peak envelope of the waveform (max |sample| per device-pixel column, smoothed by a moving ' +
      'average over 1/400 of the width each side), mirrored about the centre line and drawn as six ' +
      'nested smooth shapes, from near the background outside to the foreground inside, on a white ' +
      'background (#ffffff; foreground #000000). A full-scale sine reaches the top and bottom edges, a ' +
      'half-scale one half-way, silence draws a thin centre line.',
    extension: 'png',
    params: { ...grapherParams({ background: '#ffffff' }), ...waveformParams('#000000') },
    requires: Grapher.overlaySpecs,
  };
}
