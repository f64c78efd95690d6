import { type FileHandle, open } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import {
  type AudioBlock,
  encodeError,
  type ProcessorMeta,
  type SetupContext,
  type StreamFormat,
} from '@timeside/core';
import { Encoder, type EncoderParams, type EncoderTarget, encoderParams } from './base/encoder.js';
import { BYTES_PER_SAMPLE, interleaveToBytes, type PcmFormat } from './dsp/pcm.js';
import {
  buildInfoChunk,
  buildWavHeader,
  MAX_RIFF_SIZE,
  markWavStreaming,
  patchWavSizes,
  type WavHeader,
} from './riff.js';

/** Parameters of `wav_encoder`. */
export interface WavEncoderParams extends EncoderParams {
  /** Sample encoding (default: 'pcm16'). */
  format: PcmFormat;
}

/** Writes `buffer[0, length)` at `position`, looping over short writes. */
async function writeFully(
  file: FileHandle,
  buffer: Uint8Array,
  length: number,
  position: number,
): Promise<void> {
  let done = 0;
  while (done < length) {
    const { bytesWritten } = await file.write(buffer, done, length - done, position + done);
    done += bytesWritten;
  }
}

/** Writes `chunk` to a stream, resolving when it may take more (its 'drain'); rejects if it closes first. */
function writeToStream(sink: Writable, chunk: Uint8Array): Promise<void> {
  if (sink.destroyed) return Promise.reject(new Error('the stream was closed before the end'));
  if (sink.write(chunk)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const done = (error?: Error) => {
      sink.off('drain', onDrain);
      sink.off('close', onClose);
      sink.off('error', done);
      if (error) reject(error);
      else resolve();
    };
    const onDrain = () => done();
    const onClose = () => done(new Error('the stream was closed before the end'));
    sink.on('drain', onDrain);
    sink.on('close', onClose);
    sink.on('error', done);
  });
}

/**
 * `wav_encoder`: streams the audio to a WAV file (or a stream) in pure TypeScript. The header goes
 * first with zero sizes; each block is interleaved and written as it arrives (the pipeline awaits
 * the write, so a slow disk or consumer slows the decoder instead of filling memory); `finish`
 * patches the sizes of a file.
 */
export class WavEncoder extends Encoder<WavEncoderParams> {
  static override readonly meta: ProcessorMeta = {
    id: 'wav_encoder',
    kind: 'encoder',
    name: 'WAV encoder',
    version: '1.1.0',
    description:
      'Writes the stream as a RIFF/WAVE file: 16- or 24-bit integer PCM (float samples scaled by ' +
      '2^(bits−1), rounded to nearest with ties to even and clipped, as ffmpeg converts float to 16-bit) ' +
      'or 32-bit IEEE float; more than two channels use WAVE_FORMAT_EXTENSIBLE; tags go in a ' +
      'LIST/INFO chunk. Streaming: memory stays flat with the file length; a stream (`stream()`) ' +
      'declares its sizes unknown (0xFFFFFFFF), as they cannot be patched; files over 4 GiB (the ' +
      'RIFF limit) fail. Its test reads the file back with ffmpeg and finds the input within half ' +
      'a quantisation step (a 16-bit source bit for bit), and exact ties written as ffmpeg writes them.',
    extension: 'wav',
    params: {
      ...encoderParams('the .wav file'),
      format: {
        type: 'string',
        default: 'pcm16',
        enum: ['pcm16', 'pcm24', 'float32'],
        description: 'Sample encoding: 16-bit or 24-bit integer PCM, or 32-bit float',
      },
    },
  };

  #file: FileHandle | undefined;
  #sink: Writable | undefined;
  #name = '';
  #header: WavHeader | undefined;
  #bytesPerFrame = 0;
  #dataBytes = 0;
  #frames = 0;
  #buffer = new Uint8Array(0);

  protected override async open(
    format: StreamFormat,
    target: EncoderTarget,
    tags: Record<string, string>,
    _ctx: SetupContext,
  ): Promise<void> {
    this.#header = buildWavHeader(
      this.params.format,
      format.channels,
      format.sampleRate,
      buildInfoChunk(tags),
    );
    this.#bytesPerFrame = format.channels * BYTES_PER_SAMPLE[this.params.format];
    this.#dataBytes = 0;
    this.#frames = 0;
    const header = this.#header.bytes;
    if (target.kind === 'stream') {
      this.#name = 'stream';
      this.#sink = target.sink;
      markWavStreaming(this.#header);
      await this.#guard(writeToStream(target.sink, Buffer.from(header)));
      return;
    }
    this.#name = target.finalPath;
    try {
      this.#file = await open(target.path, 'w');
      await writeFully(this.#file, header, header.length, 0);
    } catch (error) {
      throw encodeError(
        'wav_encoder',
        this.#name,
        `cannot write the wav file there: ${(error as Error).message}`,
        error,
      );
    }
  }

  /** Turns a failed write into an E_ENCODE naming the output. */
  #guard(write: Promise<void>): Promise<void> {
    return write.catch((error: Error) => {
      throw encodeError('wav_encoder', this.#name, error.message, error);
    });
  }

  protected override write(block: AudioBlock): Promise<void> {
    const header = this.#header!;
    const bytes = block.length * this.#bytesPerFrame;
    const sink = this.#sink;
    if (!sink && header.bytes.length - 8 + this.#dataBytes + bytes + 1 > MAX_RIFF_SIZE) {
      return Promise.reject(encodeError('wav_encoder', this.#name, 'a WAV file cannot exceed 4 GiB'));
    }
    // A stream keeps each chunk until its consumer reads it: it gets its own buffer.
    if (sink) this.#buffer = new Uint8Array(bytes);
    else if (this.#buffer.length < bytes) this.#buffer = new Uint8Array(bytes);
    interleaveToBytes(block.data, block.length, this.params.format, this.#buffer);
    const position = header.bytes.length + this.#dataBytes;
    this.#dataBytes += bytes;
    this.#frames += block.length;
    if (sink) return this.#guard(writeToStream(sink, this.#buffer));
    return this.#guard(writeFully(this.#file!, this.#buffer, bytes, position));
  }

  protected override async close(): Promise<void> {
    const header = this.#header!;
    const sink = this.#sink;
    if (sink) {
      this.#sink = undefined;
      if (this.#dataBytes % 2 === 1) await this.#guard(writeToStream(sink, new Uint8Array(1)));
      sink.end();
      return;
    }
    const file = this.#file!;
    patchWavSizes(header, this.#dataBytes, this.#frames);
    try {
      if (this.#dataBytes % 2 === 1) {
        await writeFully(file, new Uint8Array(1), 1, header.bytes.length + this.#dataBytes);
      }
      await writeFully(file, header.bytes, header.bytes.length, 0);
      this.#file = undefined;
      await file.close();
    } catch (error) {
      throw encodeError('wav_encoder', this.#name, (error as Error).message, error);
    }
  }

  protected override async abort(): Promise<void> {
    const file = this.#file;
    this.#file = undefined;
    this.#sink = undefined;
    // The base destroys the stream; the pipeline deletes the temporary file.
    await file?.close().catch(() => undefined);
  }
}
