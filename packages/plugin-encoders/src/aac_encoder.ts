import type { ProcessorMeta } from '@timeside/core';
import { type EncoderParams, encoderParams } from './base/encoder.js';
import { FfmpegEncoder, type FfmpegSettings } from './base/ffmpeg-encoder.js';

/** Parameters of `aac_encoder`. */
export interface AacEncoderParams extends EncoderParams {
  /** Target bitrate in kb/s (default: 128). */
  bitrate: number;
}

/** `aac_encoder`: AAC-LC in an .m4a (MP4) file through ffmpeg's native encoder, to a file or a stream. */
export class AacEncoder extends FfmpegEncoder<AacEncoderParams> {
  static override readonly meta: ProcessorMeta = {
    id: 'aac_encoder',
    kind: 'encoder',
    name: 'AAC encoder (m4a)',
    version: '1.0.0',
    description:
      'Encodes the stream to AAC-LC in an MP4 audio file (.m4a) with ffmpeg’s native AAC encoder at ' +
      'a target bitrate, with the source’s tags (iTunes-style). A file has its index first ' +
      '(`+faststart`) so browsers can play it while it downloads; a stream is fragmented MP4 ' +
      '(`frag_keyframe+empty_moov`), which needs no seeking. Its test decodes the file with ' +
      'ffmpeg: the duration is the input’s within one AAC frame (1024 samples) and a music-like ' +
      'signal keeps a correlation ≥ 0.9 with the source.',
    extension: 'm4a',
    params: {
      ...encoderParams('the .m4a file'),
      bitrate: {
        type: 'integer',
        default: 128,
        minimum: 16,
        maximum: 512,
        unit: 'kb/s',
        description: 'Target bitrate',
      },
    },
  };

  protected override settings(_format: unknown, streaming: boolean): FfmpegSettings {
    const movflags = streaming ? 'frag_keyframe+empty_moov+default_base_moof' : '+faststart';
    return {
      muxer: 'ipod',
      codec: 'aac',
      args: ['-b:a', `${this.params.bitrate}k`, '-movflags', movflags],
    };
  }
}
