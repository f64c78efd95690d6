import { decodeError } from '../errors/index.js';
import type { AudioBlock, ProcessorMeta } from '../processor/processor.js';
import { Decoder, type OpenedStream } from './decoder.js';
import { countNonFinite } from './non-finite.js';

export interface ArrayDecoderParams {
  sampleRate: number;
  blockSize: number;
  uri: string;
}

/** Decoder of audio already in memory: one Float32Array per channel (or one for mono). */
export class ArrayDecoder extends Decoder<ArrayDecoderParams> {
  static override readonly meta: ProcessorMeta = {
    id: 'array_decoder',
    kind: 'decoder',
    name: 'Array decoder',
    version: '1.0.0',
    description: 'Streams audio held in memory (planar Float32Arrays) in blocks.',
    params: {
      sampleRate: {
        type: 'number',
        default: 44100,
        exclusiveMinimum: 0,
        unit: 'Hz',
        description: 'Sample rate',
      },
      blockSize: { type: 'integer', default: 65536, minimum: 1, description: 'Frames per block' },
      uri: { type: 'string', default: 'memory:', description: 'Name reported in results' },
    },
  };

  readonly channels: Float32Array[];

  constructor(data: Float32Array | Float32Array[], params: Partial<ArrayDecoderParams> = {}) {
    super(params);
    this.channels = Array.isArray(data) ? data : [data];
    const length = this.channels[0]?.length ?? 0;
    if (this.channels.length === 0 || this.channels.some((c) => c.length !== length)) {
      throw decodeError(this.params.uri, 'channels must be one or more Float32Arrays of equal length');
    }
  }

  async open(): Promise<OpenedStream> {
    const { sampleRate, uri } = this.params;
    const totalFrames = this.channels[0].length;
    return this.opened({
      format: { sampleRate, channels: this.channels.length, totalFrames },
      audio: {
        uri,
        start: 0,
        duration: totalFrames / sampleRate,
        sampleRate,
        channels: this.channels.length,
      },
    });
  }

  async *blocks(): AsyncIterable<AudioBlock> {
    const total = this.channels[0].length;
    const size = this.params.blockSize;
    if (total === 0) {
      yield { data: this.channels, start: 0, length: 0, eod: true };
      return;
    }
    // The caller's arrays are never changed: a block holding NaN/Inf is copied, then cleaned.
    let copy: Float32Array[] | undefined;
    for (let start = 0; start < total; start += size) {
      const length = Math.min(size, total - start);
      let data = this.channels.map((c) => c.subarray(start, start + length));
      if (countNonFinite(data, length) > 0) {
        if (!copy) copy = this.channels.map(() => new Float32Array(size));
        const buffers = copy;
        data = data.map((c, i) => {
          const own = buffers[i].subarray(0, length);
          own.set(c);
          return own;
        });
        this.finite(data, length);
      }
      yield { data, start, length, eod: start + length >= total };
    }
  }
}

/** `array_decoder(data, sampleRate)`: a decoder over audio already in memory. */
export function arrayDecoder(
  data: Float32Array | Float32Array[],
  sampleRate = 44100,
  params: Partial<Omit<ArrayDecoderParams, 'sampleRate'>> = {},
): ArrayDecoder {
  return new ArrayDecoder(data, { ...params, sampleRate });
}
