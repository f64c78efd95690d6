import { type FileHandle, open, stat } from 'node:fs/promises';
import { abortError, decodeError, ioError, paramError } from '../errors/index.js';
import { type FfmpegDecodeStream, ffmpegDecode, isUrl } from '../ffmpeg/decode.js';
import { probe } from '../ffmpeg/probe.js';
import type { AudioBlock, ProcessorMeta } from '../processor/processor.js';
import { Decoder, type OpenedStream } from './decoder.js';
import { deinterleavePcm } from './pcm.js';
import { MAX_BLOCK_BYTES, readWavBlocks, readWavHeader, type WavHeader } from './wav.js';

/** Parameters of {@link FileDecoder}. */
export interface FileDecoderParams {
  /** Where to start, in seconds (default: 0). */
  start: number;
  /** How much to decode, in seconds (default: null, to the end). */
  duration: number | null;
  /** Output sample rate in Hz (default: null, the file's). */
  sampleRate: number | null;
  /** Output channel count (default: null, the file's). */
  channels: number | null;
  /** Frames per block (default: 65536). */
  blockSize: number;
}

type Source =
  | { kind: 'wav'; handle: FileHandle; header: WavHeader; startFrame: number; endFrame: number }
  | {
      kind: 'ffmpeg';
      sampleRate: number;
      channels: number;
      /** Samples on ffmpeg's pipe: 16-bit integers when that is exact (see `#openFfmpeg`), else float32. */
      pcm: 'f32' | 's16';
      /** Exact frame count wanted when `duration` is set. */
      frameLimit?: number;
    };

function describeIoError(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory, not an audio file';
    default:
      return `cannot open: ${error.message}`;
  }
}

/**
 * The decoder of files and URLs (DESIGN.md §4). WAV files (recognised by their header, not their
 * name) in PCM 8/16/24/32-bit, float 32/64-bit or WAVE_FORMAT_EXTENSIBLE, decoded at their own
 * rate and channel count, are read by the built-in reader, frame-exact; everything else — mp3,
 * flac, ogg, opus, m4a/aac, the audio track of a video, http(s) URLs, and WAVs to resample or
 * remix — is decoded by ffmpeg to float32.
 */
export class FileDecoder extends Decoder<FileDecoderParams> {
  static override readonly meta: ProcessorMeta = {
    id: 'file_decoder',
    kind: 'decoder',
    name: 'File decoder',
    version: '1.0.0',
    description:
      'Decodes an audio file or URL to planar float32 blocks: WAV (PCM 8/16/24/32-bit, float 32/64-bit, ' +
      'WAVE_FORMAT_EXTENSIBLE) by a built-in reader, frame-exact, every other format (mp3, flac, ogg, opus, ' +
      'm4a/aac, video files, http(s) URLs) through ffmpeg. Integer samples are scaled by 1/2^(bits−1). ' +
      'Tested against the samples ffmpeg decodes from the same files.',
    params: {
      start: { type: 'number', default: 0, minimum: 0, unit: 's', description: 'Where to start, in seconds' },
      duration: {
        type: 'number',
        default: null,
        nullable: true,
        exclusiveMinimum: 0,
        unit: 's',
        description: 'How much to decode, in seconds (null: to the end)',
      },
      sampleRate: {
        type: 'integer',
        default: null,
        nullable: true,
        minimum: 1,
        unit: 'Hz',
        description: "Output sample rate (null: the file's); other rates are resampled by ffmpeg",
      },
      channels: {
        type: 'integer',
        default: null,
        nullable: true,
        minimum: 1,
        description: "Output channel count (null: the file's); other counts are mixed by ffmpeg",
      },
      blockSize: {
        type: 'integer',
        default: 65536,
        minimum: 1,
        maximum: 1 << 24,
        description: 'Frames per block',
      },
    },
  };

  /** The path or URL decoded. */
  readonly uri: string;
  #source?: Source;
  #stream?: FfmpegDecodeStream;

  constructor(uri: string, params: Partial<FileDecoderParams> = {}) {
    super(params);
    if (typeof uri !== 'string' || uri === '') {
      throw paramError('file_decoder', 'uri', `must be a file path or URL, got ${JSON.stringify(uri)}`);
    }
    this.uri = uri;
  }

  /**
   * Reads the file's header (or probes it with ffprobe) and reports what will be decoded. A
   * missing or unreadable file gives a TimesideError `E_IO`; a corrupt, truncated or non-audio
   * file `E_DECODE`, naming the file and why. `signal` also stops ffprobe (killed and awaited).
   */
  async open(signal?: AbortSignal): Promise<OpenedStream> {
    return this.opened(await this.#open(signal));
  }

  async #open(signal?: AbortSignal): Promise<OpenedStream> {
    await this.release();
    if (signal?.aborted) throw abortError(this.uri);
    const { sampleRate, channels } = this.params;
    if (isUrl(this.uri)) {
      const info = await probe(this.uri, { signal });
      return this.#openFfmpeg(info.sampleRate, info.channels, info.durationS, info.tags, info.sampleFormat);
    }
    let size: number;
    let kind: string | undefined;
    try {
      const stats = await stat(this.uri);
      if (stats.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
      size = stats.size;
      // A named pipe or a device would block ffprobe and the reader (a FIFO without a writer never opens).
      if (!stats.isFile())
        kind = stats.isFIFO() ? 'a named pipe' : stats.isSocket() ? 'a socket' : 'a device';
    } catch (error) {
      throw ioError(this.uri, describeIoError(error as NodeJS.ErrnoException), error);
    }
    if (kind) throw decodeError(this.uri, `it is ${kind}, not a regular file`);
    if (size === 0) throw decodeError(this.uri, 'the file is empty');
    let handle: FileHandle;
    try {
      handle = await open(this.uri, 'r');
    } catch (error) {
      throw ioError(this.uri, describeIoError(error as NodeJS.ErrnoException), error);
    }
    let keep = false;
    try {
      const parsed = await readWavHeader(handle, size, this.uri);
      if (parsed.ok) {
        const header = parsed.header;
        if (
          (sampleRate ?? header.sampleRate) === header.sampleRate &&
          (channels ?? header.channels) === header.channels
        ) {
          const opened = this.#openWav(handle, header); // throws on a start past the end
          keep = true;
          return opened;
        }
        return this.#openFfmpeg(
          header.sampleRate,
          header.channels,
          header.totalFrames / header.sampleRate,
          header.tags,
        );
      }
      if (parsed.kind === 'corrupt') throw decodeError(this.uri, `broken WAV file: ${parsed.reason}`);
    } finally {
      if (!keep) await handle.close();
    }
    // Not a WAV, or a WAV coding the built-in reader leaves to ffmpeg.
    const info = await probe(this.uri, { signal });
    return this.#openFfmpeg(info.sampleRate, info.channels, info.durationS, info.tags, info.sampleFormat);
  }

  #checkStart(totalS: number | undefined): void {
    const { start } = this.params;
    if (start > 0 && totalS !== undefined && start >= totalS) {
      throw decodeError(
        this.uri,
        `start ${start} s is at or past the end of the audio (${totalS.toFixed(3)} s)`,
      );
    }
  }

  #openWav(handle: FileHandle, header: WavHeader): OpenedStream {
    const { start, duration } = this.params;
    const sr = header.sampleRate;
    this.#checkStart(header.totalFrames / sr);
    // Frame-exact: the frame nearest to each time.
    const startFrame = Math.min(Math.round(start * sr), header.totalFrames);
    const endFrame =
      duration === null
        ? header.totalFrames
        : Math.min(header.totalFrames, startFrame + Math.round(duration * sr));
    this.#source = { kind: 'wav', handle, header, startFrame, endFrame };
    const totalFrames = endFrame - startFrame;
    return {
      format: { sampleRate: sr, channels: header.channels, totalFrames },
      audio: {
        uri: this.uri,
        start: startFrame / sr,
        duration: totalFrames / sr,
        sampleRate: sr,
        channels: header.channels,
      },
      tags: header.tags,
    };
  }

  #openFfmpeg(
    nativeRate: number,
    nativeChannels: number,
    durationS: number | undefined,
    tags?: Record<string, string>,
    sampleFormat = '',
  ): OpenedStream {
    const { start, duration } = this.params;
    const sampleRate = this.params.sampleRate ?? nativeRate;
    const channels = this.params.channels ?? nativeChannels;
    // A 16-bit integer decoder (16-bit FLAC, ALAC, PCM in other containers) neither resampled nor
    // remixed: its samples cross the pipe as they are, half the bytes of float32, and convert to
    // the same floats (v / 32768, as ffmpeg's own conversion) with no NaN to look for.
    const pcm =
      (sampleFormat === 's16' || sampleFormat === 's16p') &&
      sampleRate === nativeRate &&
      channels === nativeChannels
        ? 's16'
        : 'f32';
    this.#checkStart(durationS);
    const frameLimit = duration === null ? undefined : Math.round(duration * sampleRate);
    const available =
      durationS === undefined ? undefined : Math.max(0, Math.round((durationS - start) * sampleRate));
    // ffprobe's duration is an estimate for some formats (mp3 without a Xing header, streams).
    const totalFrames =
      frameLimit !== undefined && available !== undefined
        ? Math.min(frameLimit, available)
        : (frameLimit ?? available);
    this.#source = { kind: 'ffmpeg', sampleRate, channels, pcm, frameLimit };
    return {
      format: { sampleRate, channels, totalFrames },
      audio: {
        uri: this.uri,
        start,
        duration: totalFrames === undefined ? (durationS ?? 0) : totalFrames / sampleRate,
        sampleRate,
        channels,
      },
      tags,
    };
  }

  /** The blocks of the stream; arrays are reused between blocks. The last block has `eod` set. */
  async *blocks(signal?: AbortSignal): AsyncGenerator<AudioBlock, void, undefined> {
    const source = this.#source;
    if (!source) throw decodeError(this.uri, 'blocks() was called before open()');
    const blockSize = this.params.blockSize;
    if (source.kind === 'wav') {
      const blocks = readWavBlocks(source.handle, source.header, {
        startFrame: source.startFrame,
        endFrame: source.endFrame,
        blockSize,
        signal,
        name: this.uri,
      });
      // Integer PCM is finite by construction; float 32/64 may hold NaN/Inf (and f64 → f32 may overflow).
      const float = source.header.format === 'f32' || source.header.format === 'f64';
      for await (const block of blocks) {
        if (float) this.finite(block.data, block.length);
        yield block;
      }
      return;
    }
    yield* this.#ffmpegBlocks(source, blockSize, signal);
  }

  async *#ffmpegBlocks(
    source: Extract<Source, { kind: 'ffmpeg' }>,
    requestedBlockSize: number,
    signal: AbortSignal | undefined,
  ): AsyncGenerator<AudioBlock, void, undefined> {
    const { channels, sampleRate, pcm } = source;
    const { start, duration } = this.params;
    const stream = ffmpegDecode(this.uri, {
      start,
      duration: duration ?? undefined,
      sampleRate,
      channels,
      signal,
      name: this.uri,
      pcm,
    });
    const sampleBytes = pcm === 's16' ? 2 : 4;
    this.#stream = stream;
    const limit = source.frameLimit ?? Number.POSITIVE_INFINITY;
    // As the WAV reader: no block wider than MAX_BLOCK_BYTES of float32, however many channels.
    const blockSize = Math.max(1, Math.min(requestedBlockSize, Math.floor(MAX_BLOCK_BYTES / (channels * 4))));
    const data = Array.from({ length: channels }, () => new Float32Array(blockSize));
    const frameBytes = channels * sampleBytes;
    // ffmpeg's chunks are not aligned to frames: the bytes of a frame split across two chunks
    // wait here (at most one frame).
    const carry = new Uint8Array(frameBytes);
    const carryView = new DataView(carry.buffer);
    let carried = 0;
    let fill = 0;
    let produced = 0;
    try {
      for await (const chunk of stream) {
        let offset = 0;
        // Stopping at the limit leaves `whole` 0 only when less than a frame remains: the carry.
        while (offset < chunk.length && produced + fill < limit) {
          if (fill === blockSize) {
            // More data follows, so this full block is not the last.
            if (pcm === 'f32') this.finite(data, fill);
            yield { data, start: produced, length: fill, eod: false };
            produced += fill;
            fill = 0;
          }
          if (carried > 0) {
            const take = Math.min(frameBytes - carried, chunk.length - offset);
            carry.set(chunk.subarray(offset, offset + take), carried);
            carried += take;
            offset += take;
            if (carried === frameBytes) {
              for (let c = 0; c < channels; c++) {
                data[c][fill] =
                  pcm === 's16' ? carryView.getInt16(c * 2, true) / 32768 : carryView.getFloat32(c * 4, true);
              }
              fill++;
              carried = 0;
            }
          } else {
            const whole = Math.min(
              Math.floor((chunk.length - offset) / frameBytes),
              blockSize - fill,
              limit - produced - fill,
            );
            if (whole > 0) {
              deinterleavePcm(pcm, chunk, offset, whole, channels, data, fill);
              fill += whole;
              offset += whole * frameBytes;
            } else {
              carry.set(chunk.subarray(offset), 0);
              carried = chunk.length - offset;
              offset = chunk.length;
            }
          }
        }
        if (produced + fill >= limit) break; // ends the iteration: ffmpeg is killed and awaited
      }
    } finally {
      this.#stream = undefined;
    }
    // Integers are finite by construction.
    if (pcm === 'f32') this.finite(data, fill);
    this.ended(produced + fill);
    yield { data, start: produced, length: fill, eod: true };
  }

  /** Closes the file and kills ffmpeg, if running (awaited). Safe to call more than once. */
  override async release(): Promise<void> {
    const stream = this.#stream;
    const source = this.#source;
    this.#stream = undefined;
    this.#source = undefined;
    await stream?.abort();
    if (source?.kind === 'wav') await source.handle.close().catch(() => {});
  }
}

/**
 * `file_decoder(pathOrUrl, options)`: a decoder for an audio file or URL.
 *
 * @example
 * await pipe(fileDecoder('song.mp3', { start: 10, duration: 30, sampleRate: 22050 }), level()).run();
 */
export function fileDecoder(pathOrUrl: string, options: Partial<FileDecoderParams> = {}): FileDecoder {
  return new FileDecoder(pathOrUrl, options);
}
