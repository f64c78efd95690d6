import { type AudioBlock, Processor, type ProcessorMeta, type StreamFormat } from '@timeside/core';

/** A sink that keeps every sample it receives (per channel) and checks that blocks are contiguous. */
export class Capture extends Processor {
  static override readonly meta: ProcessorMeta = {
    id: 'test_capture',
    kind: 'analyzer',
    name: 'Capture',
    version: '1.0.0',
    description: 'test sink',
    params: {},
  };
  format?: StreamFormat;
  samples: number[][] = [];
  blocks = 0;
  override setup(format: StreamFormat): void {
    this.format = format;
    this.samples = Array.from({ length: format.channels }, () => []);
  }
  override process(block: AudioBlock): void {
    if (block.start !== this.samples[0].length) {
      throw new Error(`block starts at ${block.start}, expected ${this.samples[0].length}`);
    }
    this.blocks++;
    for (let c = 0; c < this.samples.length; c++) {
      for (let i = 0; i < block.length; i++) this.samples[c].push(block.data[c][i]);
    }
  }
}

/** A sine of `frames` samples: amplitude · sin(2π·f·n/sr + phase) + offset. */
export function sine(
  freqHz: number,
  sampleRate: number,
  frames: number,
  { amplitude = 1, offset = 0, phase = 0 } = {},
): Float32Array {
  return Float32Array.from(
    { length: frames },
    (_, n) => offset + amplitude * Math.sin((2 * Math.PI * freqHz * n) / sampleRate + phase),
  );
}
