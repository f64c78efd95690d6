import { type AudioBlock, Processor, type ProcessorMeta, type StreamFormat } from '../processor/processor.js';

/** Adapter: the mean of all channels, as a one-channel block. Mono input passes through. */
export class Downmix extends Processor {
  static override readonly meta: ProcessorMeta = {
    id: 'downmix',
    kind: 'adapter',
    name: 'Downmix to mono',
    version: '1.0.0',
    description: 'Averages all channels into one (shared by every mono consumer).',
    params: {},
  };

  #channels = 1;
  #mono = new Float32Array(0);
  readonly #out: AudioBlock = { data: [this.#mono], start: 0, length: 0, eod: false };

  override setup(format: StreamFormat): void {
    this.#channels = format.channels;
  }

  override process(block: AudioBlock): AudioBlock {
    if (this.#channels === 1) return block;
    if (this.#mono.length < block.length) {
      this.#mono = new Float32Array(block.length);
      this.#out.data[0] = this.#mono;
    }
    const mono = this.#mono;
    const n = block.length;
    const channels = this.#channels;
    const first = block.data[0];
    if (channels === 2) {
      // One pass for stereo; fround keeps the single-precision sum of the general path below.
      const second = block.data[1];
      for (let i = 0; i < n; i++) mono[i] = Math.fround(first[i] + second[i]) * 0.5;
      this.#out.start = block.start;
      this.#out.length = n;
      this.#out.eod = block.eod;
      return this.#out;
    }
    for (let i = 0; i < n; i++) mono[i] = first[i];
    for (let c = 1; c < channels; c++) {
      const ch = block.data[c];
      for (let i = 0; i < n; i++) mono[i] += ch[i];
    }
    const scale = 1 / channels;
    for (let i = 0; i < n; i++) mono[i] *= scale;
    this.#out.start = block.start;
    this.#out.length = n;
    this.#out.eod = block.eod;
    return this.#out;
  }
}
