import { open as openFile } from 'node:fs/promises';
import {
  type AudioBlock,
  createEncoder,
  encodeError,
  type FfmpegEncoder as FfmpegProcess,
  ffmpegInfo,
  type SetupContext,
  type StreamFormat,
} from '@timeside/core';
import { Encoder, type EncoderParams, type EncoderTarget } from './encoder.js';

/** How ffmpeg writes one encoder's format. */
export interface FfmpegSettings {
  /** ffmpeg muxer (`-f`): 'ogg', 'webm', 'flac', 'mp3', 'ipod'… */
  muxer: string;
  /** ffmpeg audio encoder (`-c:a`): 'libvorbis', 'libopus', 'flac', 'libmp3lame', 'aac'… */
  codec: string;
  /** Further output options: quality, bitrate, sample format, muxer flags. */
  args: string[];
}

/**
 * Base of the encoders that run ffmpeg (core's `createEncoder`): one ffmpeg process per encoder,
 * fed planar float32 block by block on its stdin, so encoding runs on another core while the
 * analyzers go on, and each write is awaited so a slow ffmpeg (or a slow stream consumer) holds
 * the decoder back instead of filling memory. Subclasses only say which muxer, codec and options.
 */
export abstract class FfmpegEncoder<P extends EncoderParams = EncoderParams> extends Encoder<P> {
  #ffmpeg?: FfmpegProcess;

  /** The muxer, codec and options for this stream; `streaming` when the output is not seekable. */
  protected abstract settings(format: StreamFormat, streaming: boolean): FfmpegSettings;

  protected override async open(
    format: StreamFormat,
    target: EncoderTarget,
    tags: Record<string, string>,
    ctx: SetupContext,
  ): Promise<void> {
    const id = this.meta.id;
    const name = target.kind === 'file' ? target.finalPath : 'stream';
    const { muxer, codec, args } = this.settings(format, target.kind === 'stream');
    const what = `${this.meta.extension} (${muxer}/${codec})`;
    const info = await ffmpegInfo();
    if (!info.encoders.includes(codec)) {
      throw encodeError(
        id,
        name,
        `the ffmpeg in use (${info.ffmpeg.path}) has no ${codec} encoder, needed to write ${what}; ` +
          'run `timeside doctor` to see its codecs, or point FFMPEG_PATH to an ffmpeg that has it',
      );
    }
    if (target.kind === 'file') {
      // ffmpeg opens its output only once audio arrives: find an unwritable place now, before decoding.
      try {
        await (await openFile(target.path, 'w')).close();
      } catch (error) {
        throw encodeError(id, name, `cannot write ${what} there: ${(error as Error).message}`, error);
      }
    }
    const metadata: Record<string, string> = {};
    for (const [key, value] of Object.entries(tags)) if (/^[\w.-]+$/.test(key)) metadata[key] = value;
    this.#ffmpeg = createEncoder({
      output: target.kind === 'file' ? target.path : target.sink,
      sampleRate: format.sampleRate,
      channels: format.channels,
      format: muxer,
      codec,
      args,
      metadata,
      signal: ctx.signal,
      processor: id,
      displayName: name,
    });
    await this.#ffmpeg.ready;
  }

  protected override write(block: AudioBlock): Promise<void> {
    return this.#ffmpeg!.write(block.data, block.length);
  }

  protected override async close(): Promise<void> {
    const ffmpeg = this.#ffmpeg;
    this.#ffmpeg = undefined;
    await ffmpeg?.end();
  }

  protected override async abort(): Promise<void> {
    const ffmpeg = this.#ffmpeg;
    this.#ffmpeg = undefined;
    await ffmpeg?.abort();
  }
}
