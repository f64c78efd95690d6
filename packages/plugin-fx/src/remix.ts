import {
  type AudioBlock,
  type ParamsOf,
  Processor,
  type ProcessorMeta,
  paramError,
  type StreamFormat,
} from '@timeside/core';
import { OutputBlock } from './dsp/output_block.js';

const ID = 'remix';

const PARAMS = {
  map: {
    type: 'array',
    items: 'string',
    default: [],
    description:
      'One item per output channel: the input channel (0-based) it takes, or several joined by "+" to ' +
      'take their mean ("1,0" swaps a stereo pair; "0+1" is a mono downmix; "0,0" doubles a mono channel)',
  },
} as const;

/** Parameters of `remix`. */
export type RemixParams = ParamsOf<typeof PARAMS>;

/** Parses one `map` item ("2", "0+1") into input channel indices. */
function parseSources(item: string, index: number): number[] {
  const parts = item.split('+').map((s) => s.trim());
  const sources = parts.map((part) => (/^\d+$/.test(part) ? Number(part) : Number.NaN));
  if (sources.some((s) => Number.isNaN(s))) {
    throw paramError(
      ID,
      'map',
      `item ${index} is ${JSON.stringify(item)}: give an input channel number (0-based), or several joined by "+"`,
    );
  }
  return sources;
}

/** `remix`: builds each output channel from input channels by a channel map. */
export class Remix extends Processor<RemixParams> {
  static override readonly meta: ProcessorMeta = {
    id: ID,
    kind: 'fx',
    name: 'Channel remix',
    version: '1.0.0',
    description:
      'Rebuilds the channels from a channel map: output channel i is input channel map[i] (0-based), or ' +
      'the mean of the channels listed in map[i] joined by "+". The stream after it has as many channels ' +
      'as the map has items, so "1,0" swaps left and right, "0" keeps the left channel only, "0+1" mixes ' +
      'a stereo pair to mono and "0,0" makes a mono file stereo. A map naming a channel the input lacks is ' +
      'an error before the first block. Tested sample for sample on swaps, picks, duplications and means.',
    params: PARAMS,
  };

  readonly sources: number[][];
  #out!: OutputBlock;

  constructor(params: Partial<RemixParams> | Record<string, unknown> = {}) {
    super(params);
    if (this.params.map.length === 0) {
      throw paramError(ID, 'map', 'is empty: list the input channel of each output channel, e.g. map=1,0');
    }
    this.sources = this.params.map.map(parseSources);
  }

  override setup(format: StreamFormat): void {
    for (const [i, sources] of this.sources.entries()) {
      const missing = sources.find((s) => s >= format.channels);
      if (missing !== undefined) {
        throw paramError(
          ID,
          'map',
          `item ${i} takes input channel ${missing}, but the stream has ${format.channels} channel(s), 0 to ${format.channels - 1}`,
        );
      }
    }
    this.#out = new OutputBlock(this.sources.length);
  }

  override outputFormat(format: StreamFormat): StreamFormat {
    return { ...format, channels: this.sources.length };
  }

  override process(block: AudioBlock): AudioBlock {
    const length = block.length;
    const out = this.#out.reserve(length);
    for (let c = 0; c < out.length; c++) {
      const sources = this.sources[c];
      const output = out[c];
      if (sources.length === 1) {
        const input = block.data[sources[0]];
        for (let i = 0; i < length; i++) output[i] = input[i];
        continue;
      }
      const scale = 1 / sources.length;
      output.fill(0, 0, length);
      for (const s of sources) {
        const input = block.data[s];
        for (let i = 0; i < length; i++) output[i] += input[i];
      }
      for (let i = 0; i < length; i++) output[i] *= scale;
    }
    return this.#out.emit(block.start, length, block.eod);
  }
}
