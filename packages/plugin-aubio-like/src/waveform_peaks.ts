import {
  type AudioBlock,
  type FinishContext,
  Float32Matrix,
  type ParamsOf,
  Processor,
  type ProcessorMeta,
  paramError,
  type ResultSpec,
  type StreamFormat,
  widenMinMax,
} from '@timeside/core';

const params = {
  samplesPerPixel: {
    type: 'integer',
    default: 256,
    minimum: 1,
    description: 'Samples per column (audiowaveform\'s "zoom"); ignored when width is set',
  },
  width: {
    type: 'integer',
    default: null,
    nullable: true,
    minimum: 1,
    description:
      'Number of columns wanted: samplesPerPixel becomes ceil(totalFrames / width), so the result has at ' +
      'most width columns (null: use samplesPerPixel). Needs a decoder that announces the stream length',
  },
} as const;

/** Parameters of `waveform_peaks`. */
export type WaveformPeaksParams = ParamsOf<typeof params>;

const RESULT = {
  id: 'waveform_peaks',
  name: 'Waveform peaks',
  unit: '',
  description:
    'One row per column: [min₀, max₀, min₁, max₁, …], channel by channel, in sample units (±1 full scale)',
} as const satisfies ResultSpec;

/**
 * `waveform_peaks`: the minimum and maximum sample of every column of a waveform picture, per
 * channel — the data of BBC audiowaveform, peaks.js and wavesurfer.js.
 */
export class WaveformPeaks extends Processor<WaveformPeaksParams> {
  static override readonly meta: ProcessorMeta = {
    id: 'waveform_peaks',
    kind: 'analyzer',
    name: 'Waveform peaks',
    version: '1.0.0',
    description:
      'Minimum and maximum sample per column of samplesPerPixel samples (or of ceil(totalFrames / ' +
      'width) when width is set), for each channel, in sample units (full scale ±1). A framewise ' +
      'result: frame.size = frame.hop = samples per pixel; row i covers samples [i·spp, (i+1)·spp), the ' +
      'last one fewer; row i = [min₀, max₀, min₁, max₁, …]. Flattening the rows gives the `data` array ' +
      "of BBC audiowaveform's JSON (version 2), where pixel i of channel c has its min at " +
      'data[(i·C + c)·2] and its max right after: multiply by 32767 (bits 16) or 127 (bits 8) and ' +
      'round, with channels C, sample_rate, samples_per_pixel = frame.hop and length = the row count. ' +
      'Tested: a sine of amplitude 0.5 reads −0.5 / 0.5 in every column, a ramp its exact ends, and a ' +
      'burst shows in the columns it covers only.',
    params,
    results: [RESULT],
  };

  #channels = 1;
  #sampleRate = 0;
  #samplesPerPixel = 1;
  /** Samples already in the current column. */
  #filled = 0;
  #row = new Float32Array(2);
  #rows = new Float32Matrix(2);

  override setup(format: StreamFormat): void {
    const { width, samplesPerPixel } = this.params;
    if (width !== null && !format.totalFrames) {
      throw paramError(
        'waveform_peaks',
        'width',
        'needs the length of the stream, which this decoder does not announce; set samplesPerPixel instead',
      );
    }
    this.#channels = format.channels;
    this.#sampleRate = format.sampleRate;
    this.#samplesPerPixel =
      width !== null ? Math.max(1, Math.ceil(format.totalFrames! / width)) : samplesPerPixel;
    this.#row = new Float32Array(2 * format.channels);
    this.#resetRow();
    const columns = format.totalFrames ? Math.ceil(format.totalFrames / this.#samplesPerPixel) : 1024;
    this.#rows = new Float32Matrix(2 * format.channels, columns);
  }

  #resetRow(): void {
    for (let c = 0; c < this.#channels; c++) {
      this.#row[2 * c] = Number.POSITIVE_INFINITY;
      this.#row[2 * c + 1] = Number.NEGATIVE_INFINITY;
    }
    this.#filled = 0;
  }

  override process(block: AudioBlock): void {
    const spp = this.#samplesPerPixel;
    let offset = 0;
    while (offset < block.length) {
      const take = Math.min(spp - this.#filled, block.length - offset);
      for (let c = 0; c < this.#channels; c++) {
        widenMinMax(block.data[c], offset, offset + take, this.#row, 2 * c);
      }
      this.#filled += take;
      offset += take;
      if (this.#filled === spp) {
        this.#rows.push(this.#row);
        this.#resetRow();
      }
    }
    if (block.eod && this.#filled > 0) {
      this.#rows.push(this.#row);
      this.#resetRow();
    }
  }

  override finish(ctx: FinishContext): void {
    const spp = this.#samplesPerPixel;
    ctx.addResult({
      ...RESULT,
      timeMode: 'framewise',
      frame: { sampleRate: this.#sampleRate, size: spp, hop: spp },
      value: this.#rows.toMatrix(),
    });
  }
}
