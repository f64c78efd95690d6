import {
  type AudioBlock,
  createEncoder,
  type FfmpegEncoder,
  Processor,
  type ProcessorMeta,
  paramError,
  type SetupContext,
  type StreamFormat,
} from '@timeside/core';

/** Parameters of `vorbis_encoder`. */
export interface VorbisEncoderParams {
  /** Path of the .ogg file to write (required). */
  output: string | null;
  /** libvorbis VBR quality, −1 (lowest) to 10 (default: 5, ≈ 160 kb/s for stereo 44.1 kHz). */
  quality: number;
  /** Target bitrate in kb/s; when set it replaces `quality` (default: null). */
  bitrate: number | null;
}

const ID = 'vorbis_encoder';

/**
 * `vorbis_encoder`: Ogg/Vorbis through ffmpeg's libvorbis, fed block by block during the pass.
 * ffmpeg runs as its own process (on another core); each write is awaited, so when it falls behind
 * the decoder waits instead of memory filling up.
 */
export class VorbisEncoder extends Processor<VorbisEncoderParams> {
  static override readonly meta: ProcessorMeta = {
    id: ID,
    kind: 'encoder',
    name: 'Ogg/Vorbis encoder',
    version: '1.0.0',
    description:
      'Encodes the stream to Ogg/Vorbis with ffmpeg’s libvorbis, in variable bitrate at a quality ' +
      '(`-q:a`, −1 to 10) or at a target bitrate (`-b:a`). Needs an ffmpeg with libvorbis (see ' +
      '`timeside doctor`). Its test decodes the file back with ffmpeg: the duration is the input’s ' +
      '(±20 ms) and a 440 Hz sine still peaks at 440 Hz.',
    extension: 'ogg',
    params: {
      output: {
        type: 'string',
        default: null,
        nullable: true,
        description: 'Path of the .ogg file to write (required)',
      },
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

  #encoder: FfmpegEncoder | undefined;

  constructor(params: Partial<VorbisEncoderParams> | Record<string, unknown> = {}) {
    super(params);
    if (!this.params.output) {
      throw paramError(ID, 'output', 'is required: give the path of the .ogg file to write');
    }
  }

  override async setup(format: StreamFormat, ctx: SetupContext): Promise<void> {
    const { output, quality, bitrate } = this.params;
    const args = bitrate === null ? ['-q:a', String(quality)] : ['-b:a', `${bitrate}k`];
    this.#encoder = createEncoder({
      output: ctx.output(output as string),
      sampleRate: format.sampleRate,
      channels: format.channels,
      format: 'ogg',
      codec: 'libvorbis',
      args,
      signal: ctx.signal,
      processor: ID,
      displayName: output as string,
    });
    await this.#encoder.ready;
  }

  override process(block: AudioBlock): Promise<void> | undefined {
    if (block.length === 0 || !this.#encoder) return undefined;
    return this.#encoder.write(block.data, block.length);
  }

  override async finish(): Promise<void> {
    const encoder = this.#encoder;
    if (!encoder) return;
    await encoder.end();
    this.#encoder = undefined;
  }

  override async release(): Promise<void> {
    const encoder = this.#encoder;
    this.#encoder = undefined;
    // Still set only when the run failed before finish: kill ffmpeg; the pipeline deletes the file.
    await encoder?.abort();
  }
}
