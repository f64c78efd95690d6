import type { ProcessorMeta } from '@timeside/core';
import { type EncoderParams, encoderParams } from './base/encoder.js';
import { FfmpegEncoder, type FfmpegSettings } from './base/ffmpeg-encoder.js';

/** Parameters of `flac_encoder`. */
export interface FlacEncoderParams extends EncoderParams {
  /** Bits per sample (default: 'pcm16'). */
  format: 'pcm16' | 'pcm24';
  /** ffmpeg's FLAC compression level, 0 (fastest) to 12 (smallest) (default: 5). */
  compression: number;
}

/** `flac_encoder`: lossless FLAC through ffmpeg's native encoder, to a file or a stream. */
export class FlacEncoder extends FfmpegEncoder<FlacEncoderParams> {
  static override readonly meta: ProcessorMeta = {
    id: 'flac_encoder',
    kind: 'encoder',
    name: 'FLAC encoder',
    version: '1.0.0',
    description:
      'Encodes the stream to FLAC (lossless) with ffmpeg, in 16- or 24-bit samples (float samples ' +
      'quantised as ffmpeg converts them), at a compression level 0–12, with the source’s tags ' +
      '(Vorbis comments). Streamed FLAC lacks the total length and MD5 in its header (they are ' +
      'written by seeking back). Its test decodes the file with ffmpeg and finds a 16-bit source ' +
      'bit for bit, with the same number of frames.',
    extension: 'flac',
    params: {
      ...encoderParams('the .flac file'),
      format: {
        type: 'string',
        default: 'pcm16',
        enum: ['pcm16', 'pcm24'],
        description: 'Bits per sample: 16 or 24',
      },
      compression: {
        type: 'integer',
        default: 5,
        minimum: 0,
        maximum: 12,
        description: 'Compression level, 0 (fastest) to 12 (smallest); the audio is the same',
      },
    },
  };

  protected override settings(): FfmpegSettings {
    const { format, compression } = this.params;
    // ffmpeg's FLAC encoder takes 24-bit samples as s32 and writes them with 24 bits.
    const sampleFormat = format === 'pcm24' ? 's32' : 's16';
    return {
      muxer: 'flac',
      codec: 'flac',
      args: ['-sample_fmt', sampleFormat, '-compression_level', String(compression)],
    };
  }
}
