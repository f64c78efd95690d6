import type { SKRSContext2D } from '@napi-rs/canvas';
import { type AudioBlock, paramError, type SetupContext, type StreamFormat } from '@timeside/core';
import { ColumnEnvelope } from './dsp/envelope.js';
import { Grapher, type GrapherParams } from './grapher.js';
import type { Rect } from './render/axes.js';
import type { Rgba } from './render/color.js';
import type { Surface } from './render/surface.js';

/** Parameters of the waveform graphers. */
export interface WaveformParams extends GrapherParams {
  /** Waveform color. */
  foreground: string;
  /** 'mix': one waveform of the channels' mean; 'lanes': one lane per channel, first on top (default: 'mix'). */
  layout: 'mix' | 'lanes';
}

/** The schema of `foreground` and `layout`. */
export function waveformParams(foreground: string) {
  return {
    foreground: {
      type: 'string',
      default: foreground,
      description: 'Waveform color, #rgb, #rrggbb or #rrggbbaa',
    },
    layout: {
      type: 'string',
      default: 'mix',
      enum: ['mix', 'lanes'],
      description:
        'mix: one waveform of the channels’ mean; lanes: one lane per channel, stacked, first on top',
    },
  } as const;
}

/** Per-lane columns of [min, max], `plotColumns` of them. */
export interface LaneColumns {
  min: Float32Array;
  max: Float32Array;
}

/**
 * Base of the waveform graphers: the min/max envelope of each device-pixel column of the plot,
 * streamed (memory independent of the length, see ColumnEnvelope), of the mono mix or per channel.
 */
export abstract class WaveformGrapher<
  P extends Omit<WaveformParams, 'foreground'> & Partial<Pick<WaveformParams, 'foreground'>> = WaveformParams,
> extends Grapher<P> {
  protected readonly foregroundColor: Rgba;
  #envelopes: ColumnEnvelope[] = [];
  #mono = new Float32Array(0);

  constructor(params: Partial<P> | Record<string, unknown> = {}) {
    super(params);
    // waveform_centroid has no single foreground.
    this.foregroundColor =
      'foreground' in this.params ? this.color('foreground' as keyof P & string) : [0, 0, 0, 255];
  }

  protected override start(format: StreamFormat, _ctx: SetupContext): void {
    const lanes = this.params.layout === 'lanes' ? format.channels : 1;
    if (this.plotRect.height < lanes) {
      throw paramError(this.meta.id, 'height', `is ${this.params.height} px: too small for ${lanes} lanes`);
    }
    this.#envelopes = Array.from(
      { length: lanes },
      () => new ColumnEnvelope(this.plotColumns, format.totalFrames),
    );
  }

  protected override consume(block: AudioBlock): void {
    const n = block.length;
    if (n === 0) return;
    if (this.#envelopes.length > 1 || this.channels === 1) {
      for (let c = 0; c < this.#envelopes.length; c++) this.#envelopes[c].push(block.data[c], n);
      return;
    }
    if (this.#mono.length < n) this.#mono = new Float32Array(n);
    const mono = this.#mono;
    const channels = this.channels;
    mono.set(block.data[0].subarray(0, n));
    for (let c = 1; c < channels; c++) {
      const ch = block.data[c];
      for (let i = 0; i < n; i++) mono[i] += ch[i];
    }
    const scale = 1 / channels;
    for (let i = 0; i < n; i++) mono[i] *= scale;
    this.#envelopes[0].push(mono, n);
  }

  /** Each lane's columns, with the lane's rectangle (lanes split the plot's height equally). */
  protected lanes(area: Rect): { rect: Rect; columns: LaneColumns }[] {
    const count = this.#envelopes.length;
    const laneHeight = area.height / count;
    return this.#envelopes.map((envelope, i) => ({
      rect: { x: area.x, y: area.y + i * laneHeight, width: area.width, height: laneHeight },
      columns: envelope.columns(),
    }));
  }

  /** Fills each lane's envelope outline in `color` (a CSS color). */
  protected drawOutline(surface: Surface, area: Rect, color: string): void {
    const { ctx } = surface;
    ctx.fillStyle = color;
    for (const { rect, columns } of this.lanes(area)) {
      ctx.beginPath();
      envelopeOutline(ctx, rect, columns, 0, columns.min.length, 1 / surface.density);
      ctx.fill('nonzero');
    }
  }
}

/** y of amplitude `value` in a lane: +1 at its top edge, −1 at its bottom edge, clipped. */
export function amplitudeY(value: number, lane: Rect): number {
  const v = Math.min(1, Math.max(-1, value));
  return lane.y + ((1 - v) / 2) * lane.height;
}

/**
 * Adds to the current path the outline of columns [from, to) of an envelope: a staircase along
 * the maxima, back along the minima, each column as wide as one device pixel so neighbours share
 * their edges (no gap, no overlap). A column thinner than `minThickness` is widened about its
 * centre, so silence draws a line.
 */
export function envelopeOutline(
  ctx: SKRSContext2D,
  lane: Rect,
  columns: LaneColumns,
  from: number,
  to: number,
  minThickness: number,
): void {
  const count = columns.min.length;
  const width = lane.width / count;
  const top = new Float64Array(to - from);
  const bottom = new Float64Array(to - from);
  for (let c = from; c < to; c++) {
    let t = amplitudeY(columns.max[c], lane);
    let b = amplitudeY(columns.min[c], lane);
    if (b - t < minThickness) {
      // Centred on a device pixel's middle, so a flat line is one crisp row, not two half rows.
      const mid = (Math.floor((t + b) / 2 / minThickness) + 0.5) * minThickness;
      t = Math.max(lane.y, mid - minThickness / 2);
      b = Math.min(lane.y + lane.height, t + minThickness);
      t = b - minThickness;
    }
    top[c - from] = t;
    bottom[c - from] = b;
  }
  // A step only where the level changes: neighbours at the same height share one segment.
  ctx.moveTo(lane.x + from * width, top[0]);
  for (let c = from + 1; c < to; c++) {
    if (top[c - from] === top[c - from - 1]) continue;
    ctx.lineTo(lane.x + c * width, top[c - from - 1]);
    ctx.lineTo(lane.x + c * width, top[c - from]);
  }
  ctx.lineTo(lane.x + to * width, top[to - from - 1]);
  ctx.lineTo(lane.x + to * width, bottom[to - from - 1]);
  for (let c = to - 1; c > from; c--) {
    if (bottom[c - from] === bottom[c - from - 1]) continue;
    ctx.lineTo(lane.x + c * width, bottom[c - from]);
    ctx.lineTo(lane.x + c * width, bottom[c - from - 1]);
  }
  ctx.lineTo(lane.x + from * width, bottom[0]);
  ctx.closePath();
}
