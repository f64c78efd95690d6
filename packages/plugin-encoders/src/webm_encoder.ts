import { type ProcessorMeta, paramError, type StreamFormat } from '@timeside/core';
import { type EncoderParams, encoderParams } from './base/encoder.js';
import { FfmpegEncoder, type FfmpegSettings } from './base/ffmpeg-encoder.js';
import { opusArgs } from './opus_encoder.js';
import { vorbisArgs } from './vorbis_encoder.js';

/** Parameters of `webm_encoder`. */
export interface WebmEncoderParams extends EncoderParams {
  /** Audio codec (default: 'vorbis', as TimeSide's WebM encoder). */
  codec: 'vorbis' | 'opus';
  /** Vorbis VBR quality, −1 to 10 (default: 5); ignored for Opus and when bitrate is set. */
  quality: number;
  /** Target bitrate in kb/s (default: null: Vorbis at `quality`, Opus at 96). */
  bitrate: number | null;
}

/** `webm_encoder`: WebM audio (Vorbis or Opus) through ffmpeg, to a file or a stream. */
export class WebmEncoder extends FfmpegEncoder<WebmEncoderParams> {
  static override readonly meta: ProcessorMeta = {
    id: 'webm_encoder',
    kind: 'encoder',
    name: 'WebM encoder',
    version: '1.0.0',
    description:
      'Encodes the stream to a WebM (Matroska) audio file with ffmpeg, in Vorbis (libvorbis, at a ' +
      'quality or a bitrate) or Opus (libopus, at a bitrate; resampled to 48 kHz when needed), with ' +
      'the source’s tags. A stream has no index (cues) and no total duration, as in live WebM. Its ' +
      'test decodes the file with ffmpeg: the duration is the input’s within one codec frame and a ' +
      'music-like signal keeps a correlation ≥ 0.9 with the source.',
    extension: 'webm',
    params: {
      ...encoderParams('the .webm file'),
      codec: {
        type: 'string',
        default: 'vorbis',
        enum: ['vorbis', 'opus'],
        description: 'Audio codec: vorbis or opus',
      },
      quality: {
        type: 'number',
        default: 5,
        minimum: -1,
        maximum: 10,
        description: 'Vorbis VBR quality, −1 to 10 (Vorbis without a bitrate only)',
      },
      bitrate: {
        type: 'integer',
        default: null,
        nullable: true,
        minimum: 6,
        maximum: 510,
        unit: 'kb/s',
        description: 'Target bitrate (null: Vorbis at quality, Opus at 96 kb/s)',
      },
    },
  };

  constructor(params: Partial<WebmEncoderParams> | Record<string, unknown> = {}) {
    super(params);
    const { codec, bitrate } = this.params;
    // libvorbis has no mode below 32 kb/s (the schema's minimum is Opus's).
    if (codec === 'vorbis' && bitrate !== null && bitrate < 32) {
      throw paramError('webm_encoder', 'bitrate', `must be ≥ 32 for vorbis, got ${bitrate}`);
    }
  }

  protected override settings(format: StreamFormat): FfmpegSettings {
    const { codec, quality, bitrate } = this.params;
    if (codec === 'opus') return { muxer: 'webm', codec: 'libopus', args: opusArgs(bitrate ?? 96, format) };
    return { muxer: 'webm', codec: 'libvorbis', args: vorbisArgs(quality, bitrate) };
  }
}
