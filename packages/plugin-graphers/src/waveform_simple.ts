import { writeFile } from 'node:fs/promises';
import {
  type AudioBlock,
  ioError,
  Processor,
  type ProcessorMeta,
  paramError,
  type SetupContext,
  type StreamFormat,
} from '@timeside/core';
import { PNG } from 'pngjs';
import { ColumnEnvelope } from './dsp/envelope.js';
import { drawEnvelope, fillImage, parseHexColor, type Rgba } from './render.js';

/** Parameters of `waveform_simple`. */
export interface WaveformSimpleParams {
  /** Path of the .png file to write (required). */
  output: string | null;
  /** Image width in pixels (default: 1024). */
  width: number;
  /** Image height in pixels (default: 256). */
  height: number;
  /** Background color (default: '#ffffff'). */
  background: string;
  /** Waveform color (default: '#1f5fa8'). */
  foreground: string;
  /** 'mix': one envelope of the channels' mean; 'lanes': one lane per channel (default: 'mix'). */
  layout: 'mix' | 'lanes';
}

const ID = 'waveform_simple';

/**
 * `waveform_simple`: the min/max envelope of the audio per pixel column, as a PNG (TimeSide's
 * `waveform_simple`). Streams: only `width` minima and maxima per lane are kept, whatever the
 * length; an unknown or wrong length estimate is handled by folding the columns (see
 * ColumnEnvelope).
 */
export class WaveformSimple extends Processor<WaveformSimpleParams> {
  static override readonly meta: ProcessorMeta = {
    id: ID,
    kind: 'grapher',
    name: 'Waveform (simple)',
    version: '1.0.0',
    description:
      'Draws the waveform as a PNG: each pixel column spans an equal share of the stream and is ' +
      'painted from its maximum to its minimum sample (+1 at the top row, −1 at the bottom, 0 in the ' +
      'middle; at least one pixel, so silence is a center line). layout "mix" draws the mean of the ' +
      'channels (the mono downmix); "lanes" stacks one lane per channel, first channel on top. Its ' +
      'test decodes the PNG: a half-scale sine fills the middle half of the height, silence only ' +
      'the center row.',
    extension: 'png',
    params: {
      output: {
        type: 'string',
        default: null,
        nullable: true,
        description: 'Path of the .png file to write (required)',
      },
      width: {
        type: 'integer',
        default: 1024,
        minimum: 1,
        maximum: 32768,
        description: 'Image width in pixels',
      },
      height: {
        type: 'integer',
        default: 256,
        minimum: 1,
        maximum: 32768,
        description: 'Image height in pixels',
      },
      background: {
        type: 'string',
        default: '#ffffff',
        description: 'Background color, #rgb, #rrggbb or #rrggbbaa',
      },
      foreground: {
        type: 'string',
        default: '#1f5fa8',
        description: 'Waveform color, #rgb, #rrggbb or #rrggbbaa',
      },
      layout: {
        type: 'string',
        default: 'mix',
        enum: ['mix', 'lanes'],
        description: 'mix: one waveform of the channels’ mean; lanes: one lane per channel, stacked',
      },
    },
  };

  readonly #background: Rgba;
  readonly #foreground: Rgba;
  #path = '';
  #envelopes: ColumnEnvelope[] = [];
  #channels = 1;
  #mono = new Float32Array(0);

  constructor(params: Partial<WaveformSimpleParams> | Record<string, unknown> = {}) {
    super(params);
    if (!this.params.output) {
      throw paramError(ID, 'output', 'is required: give the path of the .png file to write');
    }
    const color = (name: 'background' | 'foreground'): Rgba => {
      const rgba = parseHexColor(this.params[name]);
      if (!rgba)
        throw paramError(
          ID,
          name,
          `must be a hex color (#rgb, #rrggbb, #rrggbbaa), got "${this.params[name]}"`,
        );
      return rgba;
    };
    this.#background = color('background');
    this.#foreground = color('foreground');
  }

  override setup(format: StreamFormat, ctx: SetupContext): void {
    const { width, height, layout } = this.params;
    this.#channels = format.channels;
    const lanes = layout === 'lanes' ? format.channels : 1;
    if (height < lanes) {
      throw paramError(ID, 'height', `is ${height} px: too small for ${lanes} lanes (one per channel)`);
    }
    this.#envelopes = Array.from({ length: lanes }, () => new ColumnEnvelope(width, format.totalFrames));
    this.#path = ctx.output(this.params.output as string);
  }

  override process(block: AudioBlock): void {
    const n = block.length;
    if (n === 0) return;
    if (this.#envelopes.length > 1 || this.#channels === 1) {
      for (let c = 0; c < this.#envelopes.length; c++) this.#envelopes[c].push(block.data[c], n);
      return;
    }
    if (this.#mono.length < n) this.#mono = new Float32Array(n);
    const mono = this.#mono;
    const channels = this.#channels;
    mono.set(block.data[0].subarray(0, n));
    for (let c = 1; c < channels; c++) {
      const ch = block.data[c];
      for (let i = 0; i < n; i++) mono[i] += ch[i];
    }
    const scale = 1 / channels;
    for (let i = 0; i < n; i++) mono[i] *= scale;
    this.#envelopes[0].push(mono, n);
  }

  override async finish(): Promise<void> {
    const { width, height } = this.params;
    const png = new PNG({ width, height });
    const rgba = png.data;
    fillImage(rgba, this.#background);
    const lanes = this.#envelopes.length;
    const laneHeight = Math.floor(height / lanes);
    for (let lane = 0; lane < lanes; lane++) {
      const { min, max } = this.#envelopes[lane].columns();
      drawEnvelope(rgba, width, lane * laneHeight, laneHeight, min, max, this.#foreground);
    }
    try {
      await writeFile(this.#path, PNG.sync.write(png));
    } catch (error) {
      throw ioError(
        this.params.output as string,
        `cannot write the image: ${(error as Error).message}`,
        error,
      );
    }
  }
}
