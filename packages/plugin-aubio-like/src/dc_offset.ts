import {
  type AudioBlock,
  type FinishContext,
  Processor,
  type ProcessorMeta,
  type ResultSpec,
  type StreamFormat,
} from '@timeside/core';

const RESULTS = [
  {
    id: 'dc_offset',
    name: 'DC offset',
    unit: 'FS',
    description: 'Mean of every sample of every channel (full scale = 1)',
  },
  {
    id: 'dc_offset.channels',
    name: 'DC offset per channel',
    unit: 'FS',
    description: 'Mean of each channel’s samples, one value per channel',
  },
] as const satisfies readonly ResultSpec[];

/** `dc_offset`: the mean of the signal (TimeSide's Yaafe/Essentia-era DC offset analyzer). */
export class DcOffset extends Processor {
  static override readonly meta: ProcessorMeta = {
    id: 'dc_offset',
    kind: 'analyzer',
    name: 'DC offset',
    version: '1.0.0',
    description:
      'The constant offset of the signal: the mean of every sample, over all channels (`dc_offset`) and ' +
      'per channel (`dc_offset.channels`), in full-scale units (1 = full scale), summed in double ' +
      'precision over the whole stream. A recording chain’s DC offset shows here; `dc_remove` (in ' +
      '@timeside/plugin-fx) takes it out. An empty stream reads NaN. Tested: a sine shifted by a known ' +
      'offset reads that offset, per channel and overall.',
    params: {},
    results: RESULTS,
  };

  #sums = new Float64Array(0);
  #frames = 0;

  override setup(format: StreamFormat): void {
    this.#sums = new Float64Array(format.channels);
  }

  override process(block: AudioBlock): void {
    for (let c = 0; c < this.#sums.length; c++) {
      const samples = block.data[c];
      let sum = 0;
      for (let i = 0; i < block.length; i++) sum += samples[i];
      this.#sums[c] += sum;
    }
    this.#frames += block.length;
  }

  override finish(ctx: FinishContext): void {
    const [overall, perChannel] = RESULTS;
    const means = this.#sums.map((s) => s / this.#frames);
    const total = this.#sums.reduce((a, b) => a + b, 0) / (this.#frames * this.#sums.length);
    ctx.addResult({ ...overall, timeMode: 'global', value: total });
    ctx.addResult({ ...perChannel, timeMode: 'global', value: means });
  }
}
