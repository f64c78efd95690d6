import { type FileHandle, open } from 'node:fs/promises';
import {
  type AudioBlock,
  encodeError,
  ioError,
  Processor,
  type ProcessorMeta,
  paramError,
  type SetupContext,
  type StreamFormat,
} from '@timeside/core';
import { BYTES_PER_SAMPLE, interleaveToBytes, type PcmFormat } from './dsp/pcm.js';
import { buildWavHeader, MAX_RIFF_SIZE, patchWavSizes, type WavHeader } from './riff.js';

/** Parameters of `wav_encoder`. */
export interface WavEncoderParams {
  /** Path of the .wav file to write (required). */
  output: string | null;
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

/**
 * `wav_encoder`: streams the audio to a WAV file in pure TypeScript. The header goes first with
 * zero sizes; each block is interleaved and written as it arrives (the pipeline awaits the write,
 * so a slow disk slows the decoder instead of filling memory); `finish` patches the sizes.
 */
export class WavEncoder extends Processor<WavEncoderParams> {
  static override readonly meta: ProcessorMeta = {
    id: 'wav_encoder',
    kind: 'encoder',
    name: 'WAV encoder',
    version: '1.0.1',
    description:
      'Writes the stream as a RIFF/WAVE file: 16- or 24-bit integer PCM (float samples scaled by ' +
      '2^(bits−1), rounded to nearest with ties to even and clipped, as ffmpeg converts float to 16-bit) ' +
      'or 32-bit IEEE float; more than two channels ' +
      'use WAVE_FORMAT_EXTENSIBLE. Streaming: memory stays flat with the file length; files over ' +
      '4 GiB (the RIFF limit) fail. Its test reads the file back with ffmpeg and finds the input ' +
      'within half a quantisation step, and exact ties written as ffmpeg writes them.',
    extension: 'wav',
    params: {
      output: {
        type: 'string',
        default: null,
        nullable: true,
        description: 'Path of the .wav file to write (required)',
      },
      format: {
        type: 'string',
        default: 'pcm16',
        enum: ['pcm16', 'pcm24', 'float32'],
        description: 'Sample encoding: 16-bit or 24-bit integer PCM, or 32-bit float',
      },
    },
  };

  #file: FileHandle | undefined;
  #path = '';
  #header: WavHeader | undefined;
  #bytesPerFrame = 0;
  #dataBytes = 0;
  #frames = 0;
  #buffer = new Uint8Array(0);

  constructor(params: Partial<WavEncoderParams> | Record<string, unknown> = {}) {
    super(params);
    if (!this.params.output) {
      throw paramError('wav_encoder', 'output', 'is required: give the path of the .wav file to write');
    }
  }

  override async setup(format: StreamFormat, ctx: SetupContext): Promise<void> {
    const output = this.params.output as string;
    this.#path = ctx.output(output);
    this.#header = buildWavHeader(this.params.format, format.channels, format.sampleRate);
    this.#bytesPerFrame = format.channels * BYTES_PER_SAMPLE[this.params.format];
    try {
      this.#file = await open(this.#path, 'w');
      await writeFully(this.#file, this.#header.bytes, this.#header.bytes.length, 0);
    } catch (error) {
      throw ioError(output, `cannot write: ${(error as Error).message}`, error);
    }
  }

  override process(block: AudioBlock): Promise<void> | undefined {
    const file = this.#file;
    const header = this.#header;
    if (block.length === 0 || !file || !header) return undefined;
    const bytes = block.length * this.#bytesPerFrame;
    if (header.bytes.length - 8 + this.#dataBytes + bytes + 1 > MAX_RIFF_SIZE) {
      throw encodeError('wav_encoder', this.params.output ?? undefined, 'a WAV file cannot exceed 4 GiB');
    }
    if (this.#buffer.length < bytes) this.#buffer = new Uint8Array(bytes);
    interleaveToBytes(block.data, block.length, this.params.format, this.#buffer);
    const position = header.bytes.length + this.#dataBytes;
    this.#dataBytes += bytes;
    this.#frames += block.length;
    return writeFully(file, this.#buffer, bytes, position);
  }

  override async finish(): Promise<void> {
    const file = this.#file;
    const header = this.#header;
    if (!file || !header) return;
    patchWavSizes(header, this.#dataBytes, this.#frames);
    try {
      if (this.#dataBytes % 2 === 1) {
        await writeFully(file, new Uint8Array(1), 1, header.bytes.length + this.#dataBytes);
      }
      await writeFully(file, header.bytes, header.bytes.length, 0);
      this.#file = undefined;
      await file.close();
    } catch (error) {
      throw encodeError('wav_encoder', this.params.output ?? undefined, (error as Error).message, error);
    }
  }

  override async release(): Promise<void> {
    const file = this.#file;
    this.#file = undefined;
    // After a failure: close the handle; the pipeline deletes the temporary file.
    await file?.close().catch(() => undefined);
  }
}
