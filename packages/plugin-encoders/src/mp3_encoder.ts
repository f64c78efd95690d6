import type { ProcessorMeta, StreamFormat } from '@timeside/core';
import { type EncoderParams, encoderParams } from './base/encoder.js';
import { FfmpegEncoder, type FfmpegSettings } from './base/ffmpeg-encoder.js';

/** Parameters of `mp3_encoder`. */
export interface Mp3EncoderParams extends EncoderParams {
  /** LAME VBR quality, 0 (best) to 9 (smallest) (default: 2, ≈ 190 kb/s). */
  quality: number;
  /** Constant bitrate in kb/s; when set it replaces `quality` (default: null). */
  bitrate: number | null;
}

/** `mp3_encoder`: MP3 through ffmpeg's libmp3lame, to a file or a stream. */
export class Mp3Encoder extends FfmpegEncoder<Mp3EncoderParams> {
  static override readonly meta: ProcessorMeta = {
    id: 'mp3_encoder',
    kind: 'encoder',
    name: 'MP3 encoder',
    version: '1.0.0',
    description:
      'Encodes the stream to MP3 with ffmpeg’s libmp3lame, in variable bitrate at a LAME quality ' +
      '(`-q:a`, 0 best to 9) or at a constant bitrate, with the source’s tags (ID3v2). MP3 holds ' +
      'one or two channels: more are mixed down to stereo by ffmpeg. A file gets a LAME/Xing header ' +
      '(length, encoder delay) so decoders trim the padding; a stream cannot (it is written by ' +
      'seeking back). Needs an ffmpeg with libmp3lame (see `timeside doctor`). Its test decodes the ' +
      'file with ffmpeg: the duration is the input’s within one MP3 frame (1152 samples) and a ' +
      'music-like signal keeps a correlation ≥ 0.9 with the source.',
    extension: 'mp3',
    params: {
      ...encoderParams('the .mp3 file'),
      quality: {
        type: 'integer',
        default: 2,
        minimum: 0,
        maximum: 9,
        description: 'LAME VBR quality, 0 (best) to 9 (smallest); ignored when bitrate is set',
      },
      bitrate: {
        type: 'integer',
        default: null,
        nullable: true,
        enum: [32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
        unit: 'kb/s',
        description: 'Constant bitrate, one of MPEG-1 Layer III’s (replaces quality when set)',
      },
    },
  };

  protected override settings(format: StreamFormat): FfmpegSettings {
    const { quality, bitrate } = this.params;
    const args = bitrate === null ? ['-q:a', String(quality)] : ['-b:a', `${bitrate}k`];
    if (format.channels > 2) args.push('-ac', '2');
    return { muxer: 'mp3', codec: 'libmp3lame', args };
  }
}
