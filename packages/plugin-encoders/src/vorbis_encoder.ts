import type { ProcessorMeta } from '@timeside/core';
import { type EncoderParams, encoderParams } from './base/encoder.js';
import { FfmpegEncoder, type FfmpegSettings } from './base/ffmpeg-encoder.js';

/** Parameters of `vorbis_encoder`. */
export interface VorbisEncoderParams extends EncoderParams {
  /** libvorbis VBR quality, −1 (lowest) to 10 (default: 5, ≈ 160 kb/s for stereo 44.1 kHz). */
  quality: number;
  /** Target bitrate in kb/s; when set it replaces `quality` (default: null). */
  bitrate: number | null;
}

/** The `-q:a` / `-b:a` options of libvorbis, shared with `webm_encoder`. */
export function vorbisArgs(quality: number, bitrate: number | null): string[] {
  return bitrate === null ? ['-q:a', String(quality)] : ['-b:a', `${bitrate}k`];
}

/**
 * `vorbis_encoder`: Ogg/Vorbis through ffmpeg's libvorbis, fed block by block during the pass, to
 * a file or a stream.
 */
export class VorbisEncoder extends FfmpegEncoder<VorbisEncoderParams> {
  static override readonly meta: ProcessorMeta = {
    id: 'vorbis_encoder',
    kind: 'encoder',
    name: 'Ogg/Vorbis encoder',
    version: '1.1.0',
    description:
      'Encodes the stream to Ogg/Vorbis with ffmpeg’s libvorbis, in variable bitrate at a quality ' +
      '(`-q:a`, −1 to 10) or at a target bitrate (`-b:a`), to a file or a stream, with the source’s ' +
      'tags (Vorbis comments). Needs an ffmpeg with libvorbis (see `timeside doctor`). An empty ' +
      'stream fails with E_ENCODE (an Ogg file without audio does not open). Its test decodes the ' +
      'output with ffmpeg: the duration is the input’s within one Vorbis block (2048 frames) and a ' +
      'music-like signal keeps a correlation ≥ 0.9 with the source.',
    extension: 'ogg',
    params: {
      ...encoderParams('the .ogg file'),
      quality: {
        type: 'number',
        default: 5,
        minimum: -1,
        maximum: 10,
        description: 'VBR quality, −1 (lowest) to 10 (highest); ignored when bitrate is set',
      },
      bitrate: {
        type: 'integer',
        default: null,
        nullable: true,
        minimum: 32,
        maximum: 500,
        unit: 'kb/s',
        description: 'Target bitrate (replaces quality when set)',
      },
    },
  };

  protected override settings(): FfmpegSettings {
    const { quality, bitrate } = this.params;
    return { muxer: 'ogg', codec: 'libvorbis', args: vorbisArgs(quality, bitrate) };
  }
}
