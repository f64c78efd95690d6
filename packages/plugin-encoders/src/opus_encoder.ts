import type { ProcessorMeta, StreamFormat } from '@timeside/core';
import { type EncoderParams, encoderParams } from './base/encoder.js';
import { FfmpegEncoder, type FfmpegSettings } from './base/ffmpeg-encoder.js';

/** Parameters of `opus_encoder`. */
export interface OpusEncoderParams extends EncoderParams {
  /** Target bitrate in kb/s (default: 96). */
  bitrate: number;
  /** Container (default: 'ogg', i.e. an .opus file). */
  container: 'ogg' | 'webm';
}

/** The sample rates libopus encodes; others are resampled to 48 kHz (RFC 6716, §2). */
const OPUS_RATES = [8000, 12000, 16000, 24000, 48000];

/** The options of libopus at `bitrate` for `format`, shared with `webm_encoder`. */
export function opusArgs(bitrate: number, format: StreamFormat): string[] {
  const args = ['-b:a', `${bitrate}k`];
  if (!OPUS_RATES.includes(format.sampleRate)) args.push('-ar', '48000');
  return args;
}

/** `opus_encoder`: Opus through ffmpeg's libopus, in Ogg (.opus) or WebM, to a file or a stream. */
export class OpusEncoder extends FfmpegEncoder<OpusEncoderParams> {
  static override readonly meta: ProcessorMeta = {
    id: 'opus_encoder',
    kind: 'encoder',
    name: 'Opus encoder',
    version: '1.0.0',
    description:
      'Encodes the stream to Opus with ffmpeg’s libopus (variable bitrate around a target), in Ogg ' +
      '(an .opus file) or WebM, with the source’s tags. Opus runs at 48 kHz (or 8/12/16/24 kHz): ' +
      'other rates are resampled to 48 kHz by ffmpeg. Needs an ffmpeg with libopus (see ' +
      '`timeside doctor`). Its test decodes the output with ffmpeg: the duration is the input’s ' +
      'within one Opus frame (20 ms) and a music-like signal keeps a correlation ≥ 0.9 with the ' +
      'source.',
    extension: 'opus',
    params: {
      ...encoderParams('the .opus (or .webm) file'),
      bitrate: {
        type: 'integer',
        default: 96,
        minimum: 6,
        maximum: 510,
        unit: 'kb/s',
        description: 'Target bitrate (per stream; 64–128 suits stereo music)',
      },
      container: {
        type: 'string',
        default: 'ogg',
        enum: ['ogg', 'webm'],
        description: 'Container: ogg (.opus) or webm',
      },
    },
  };

  protected override settings(format: StreamFormat): FfmpegSettings {
    const { bitrate, container } = this.params;
    return {
      muxer: container === 'webm' ? 'webm' : 'opus',
      codec: 'libopus',
      args: opusArgs(bitrate, format),
    };
  }
}
