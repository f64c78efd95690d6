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
    id: 'crest_factor',
    name: 'Crest factor',
    unit: '',
    description: 'Peak / RMS over every sample of every channel (1 for a square wave, √2 for a sine)',
  },
  {
    id: 'crest_factor.db',
    name: 'Crest factor (dB)',
    unit: 'dB',
    description: '20·log10 of the crest factor (0 dB for a square wave, 3.01 dB for a sine)',
  },
] as const satisfies readonly ResultSpec[];

/** `crest_factor`: peak-to-RMS ratio of the whole stream. */
export class CrestFactor extends Processor {
  static override readonly meta: ProcessorMeta = {
    id: 'crest_factor',
    kind: 'analyzer',
    name: 'Crest factor',
    version: '1.0.0',
    description:
      'The peak-to-average ratio of the stream: the largest |sample| of any channel divided by the RMS ' +
      'of every sample of every channel (the same peak and RMS as `level`), as a ratio (`crest_factor`) ' +
      'and in dB (`crest_factor.db`, 20·log10). A square wave reads 1 (0 dB), a sine √2 (3.01 dB), ' +
      'Gaussian noise ≈ 4 to 5 (12–14 dB), heavily limited masters little above 1. Silence reads NaN. ' +
      'Tested: a square wave reads 1 (within 10⁻⁶), sines √2 within 10⁻⁴ at several frequencies and levels.',
    params: {},
    results: RESULTS,
  };

  #channels = 1;
  #sumSquares = 0;
  #peak = 0;
  #samples = 0;

  override setup(format: StreamFormat): void {
    this.#channels = format.channels;
  }

  override process(block: AudioBlock): void {
    let sum = 0;
    let peak = this.#peak;
    for (let c = 0; c < this.#channels; c++) {
      const samples = block.data[c];
      for (let i = 0; i < block.length; i++) {
        const x = samples[i];
        sum += x * x;
        const a = x < 0 ? -x : x;
        if (a > peak) peak = a;
      }
    }
    this.#sumSquares += sum;
    this.#peak = peak;
    this.#samples += block.length * this.#channels;
  }

  override finish(ctx: FinishContext): void {
    const [ratio, db] = RESULTS;
    const rms = Math.sqrt(this.#sumSquares / this.#samples);
    const crest = rms > 0 ? this.#peak / rms : Number.NaN;
    ctx.addResult({ ...ratio, timeMode: 'global', value: crest });
    ctx.addResult({ ...db, timeMode: 'global', value: 20 * Math.log10(crest) });
  }
}
