import { peakContour } from './dsp/contour.js';
import type { Rect } from './render/axes.js';
import type { Rgba } from './render/color.js';
import type { Surface } from './render/surface.js';
import { WaveformGrapher, type WaveformParams } from './waveform.js';

/** Nested layers of a contour, from the full envelope inwards. */
const LAYERS = 6;

/**
 * Base of `waveform_contour_black` and `waveform_contour_white` (TimeSide's contour waveforms): the
 * smoothed peak envelope of each lane, mirrored about the centre line and drawn as nested smooth
 * shapes whose colour goes from near the background (outside) to the foreground (inside).
 */
export abstract class WaveformContour extends WaveformGrapher<WaveformParams> {
  protected override drawContent(surface: Surface, area: Rect): void {
    const { ctx } = surface;
    const bg = this.backgroundColor[3] > 0 ? this.backgroundColor : ([128, 128, 128, 255] as Rgba);
    const fg = this.foregroundColor;
    for (const { rect, columns } of this.lanes(area)) {
      const count = columns.min.length;
      const contour = peakContour(columns.min, columns.max, Math.max(1, Math.round(count / 400)));
      const mid = rect.y + rect.height / 2;
      const step = rect.width / count;
      for (let layer = 0; layer < LAYERS; layer++) {
        const scale = 1 - layer / LAYERS;
        const mix = 0.3 + (0.7 * (layer + 1)) / LAYERS;
        const channel = (i: number) => Math.round(bg[i] + (fg[i] - bg[i]) * mix);
        ctx.fillStyle = `rgba(${channel(0)},${channel(1)},${channel(2)},${(fg[3] / 255).toFixed(4)})`;
        ctx.beginPath();
        // Quadratic curves through the midpoints of successive column centres: a smooth outline.
        const yAt = (c: number, sign: number) =>
          mid - sign * Math.max(0.5 / surface.density, (contour[c] * scale * rect.height) / 2);
        for (const sign of [1, -1]) {
          const order = sign === 1 ? [...Array(count).keys()] : [...Array(count).keys()].reverse();
          const xEdge = sign === 1 ? rect.x : rect.x + rect.width;
          if (sign === 1) ctx.moveTo(xEdge, yAt(order[0], sign));
          else ctx.lineTo(xEdge, yAt(order[0], sign));
          for (let i = 0; i < order.length - 1; i++) {
            const c = order[i];
            const n = order[i + 1];
            const x = rect.x + (c + 0.5) * step;
            const xn = rect.x + (n + 0.5) * step;
            ctx.quadraticCurveTo(x, yAt(c, sign), (x + xn) / 2, (yAt(c, sign) + yAt(n, sign)) / 2);
          }
          const last = order[order.length - 1];
          ctx.lineTo(sign === 1 ? rect.x + rect.width : rect.x, yAt(last, sign));
        }
        ctx.closePath();
        ctx.fill();
      }
    }
  }
}
