/**
 * The built-in WAV reader: a pure header parser and a streaming block reader. WAV is the format
 * of most analysis inputs, and reading it here skips an ffmpeg process and a pipe copy.
 *
 * Format reference: Microsoft's RIFF/WAVE ("Multimedia Programming Interface and Data
 * Specifications 1.0", 1991) and WAVEFORMATEXTENSIBLE (mmreg.h / ksmedia.h): chunks are
 * `id(4) size(u32 LE) body`, padded to an even length; `fmt ` precedes `data`.
 */
import type { FileHandle } from 'node:fs/promises';
import { abortError, ioError } from '../errors/index.js';
import type { AudioBlock } from '../processor/processor.js';
import { deinterleavePcm, PCM_BYTES, type PcmFormat } from './pcm.js';

/** The format of a WAV file's audio, from its `fmt ` and `data` chunks. */
export interface WavHeader {
  /** Sample format of the data: unsigned 8-bit, signed 16/24/32-bit PCM, float 32/64. */
  format: PcmFormat;
  /** `wFormatTag`: 1 (PCM), 3 (IEEE float) or 0xFFFE (WAVE_FORMAT_EXTENSIBLE). */
  formatTag: number;
  /** Bits per sample of the container (8, 16, 24, 32 or 64). */
  bitsPerSample: number;
  /** Significant bits (`wValidBitsPerSample` of EXTENSIBLE; else bitsPerSample). */
  validBitsPerSample: number;
  channels: number;
  /** Frames per second, in Hz. */
  sampleRate: number;
  /** Bytes per frame. */
  blockAlign: number;
  /** Speaker positions (`dwChannelMask` of EXTENSIBLE), when given. */
  channelMask?: number;
  /** Byte offset of the first sample. */
  dataOffset: number;
  /** Bytes of audio data (whole frames, clipped to the file's end). */
  dataBytes: number;
  /** Frames of audio data. */
  totalFrames: number;
  /** Descriptive tags of a `LIST`/`INFO` chunk before the data (title, artist…), when there is one. */
  tags?: Record<string, string>;
}

/** Why a buffer does not hold a WAV header the built-in reader can use. */
export interface WavParseFailure {
  ok: false;
  /**
   * `not-wav`: not a RIFF/WAVE file. `unsupported`: a WAV in a coding this reader does not handle
   * (µ-law, ADPCM, RF64…: ffmpeg reads those). `corrupt`: a RIFF/WAVE file whose header is broken.
   * `need-more`: the header continues past the bytes given; call again with `needBytes` bytes.
   */
  kind: 'not-wav' | 'unsupported' | 'corrupt' | 'need-more';
  reason: string;
  needBytes?: number;
}

export type WavParseResult = { ok: true; header: WavHeader } | WavParseFailure;

/** Most channels the reader accepts (WAV allows 65535; ffmpeg decides about the rest). */
export const WAV_MAX_CHANNELS = 1024;

/** The sub-format GUID tail shared by KSDATAFORMAT_SUBTYPE_PCM and _IEEE_FLOAT (after the 2-byte tag). */
const GUID_TAIL = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];

const FORMAT_NAMES: Record<number, string> = {
  2: 'Microsoft ADPCM',
  6: 'A-law',
  7: 'µ-law',
  17: 'IMA ADPCM',
  49: 'GSM 6.10',
  85: 'MPEG layer 3',
};

function fourcc(bytes: Uint8Array, at: number): string {
  let id = '';
  for (let i = at; i < at + 4; i++) {
    const b = bytes[i];
    id += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return id;
}

/**
 * RIFF INFO ids and the tag names ffmpeg gives them (libavformat `ff_riff_info_conv`), so a WAV's
 * tags read the same here as through ffprobe.
 */
const INFO_TAGS: Readonly<Record<string, string>> = {
  IART: 'artist',
  ICMT: 'comment',
  ICOP: 'copyright',
  ICRD: 'date',
  IGNR: 'genre',
  INAM: 'title',
  IPRD: 'album',
  IPRT: 'track',
  ITRK: 'track',
};

/** Largest `LIST` chunk read for its tags; a larger one is skipped like any unknown chunk. */
const INFO_LIMIT = 1 << 20;

const utf8 = new TextDecoder('utf-8');

/** The known tags of the INFO list in bytes [from, to): NUL-terminated strings, padded to even. */
function parseInfo(bytes: Uint8Array, view: DataView, from: number, to: number): Record<string, string> {
  const tags: Record<string, string> = {};
  for (let pos = from; pos + 8 <= to; ) {
    const name = INFO_TAGS[fourcc(bytes, pos)];
    const size = view.getUint32(pos + 4, true);
    const end = Math.min(to, pos + 8 + size);
    if (name) {
      let stop = pos + 8;
      while (stop < end && bytes[stop] !== 0) stop++;
      const text = utf8.decode(bytes.subarray(pos + 8, stop)).trim();
      if (text !== '') tags[name] = text;
    }
    pos = pos + 8 + size + (size & 1);
  }
  return tags;
}

function fail(kind: WavParseFailure['kind'], reason: string, needBytes?: number): WavParseFailure {
  return needBytes === undefined ? { ok: false, kind, reason } : { ok: false, kind, reason, needBytes };
}

interface FmtInfo {
  format: PcmFormat;
  formatTag: number;
  bitsPerSample: number;
  validBitsPerSample: number;
  channels: number;
  sampleRate: number;
  blockAlign: number;
  channelMask?: number;
}

function parseFmt(view: DataView, bytes: Uint8Array, body: number, size: number): FmtInfo | WavParseFailure {
  if (size < 16) return fail('corrupt', `the fmt chunk is ${size} bytes long, less than the 16 it needs`);
  const formatTag = view.getUint16(body, true);
  const channels = view.getUint16(body + 2, true);
  const sampleRate = view.getUint32(body + 4, true);
  const blockAlign = view.getUint16(body + 12, true);
  const bitsPerSample = view.getUint16(body + 14, true);
  if (channels === 0) return fail('corrupt', 'the fmt chunk declares 0 channels');
  if (sampleRate === 0) return fail('corrupt', 'the fmt chunk declares a sample rate of 0 Hz');
  if (blockAlign === 0) return fail('corrupt', 'the fmt chunk declares 0 bytes per frame');
  // The header's own byte-rate field (u32) must be able to hold rate × frame size, and ffmpeg
  // reads the rate as a signed 32-bit int: a rate beyond either is damage, not a recording.
  if (sampleRate > 0x7fffffff || sampleRate * blockAlign > 0xffffffff) {
    return fail(
      'corrupt',
      `the fmt chunk declares an impossible sample rate of ${sampleRate} Hz ` +
        `(× ${blockAlign} bytes per frame, more bytes per second than a WAV header can state)`,
    );
  }
  let code = formatTag;
  let validBitsPerSample = bitsPerSample;
  let channelMask: number | undefined;
  if (formatTag === 0xfffe) {
    if (size < 40) {
      return fail(
        'corrupt',
        `the WAVE_FORMAT_EXTENSIBLE fmt chunk is ${size} bytes long, less than the 40 it needs`,
      );
    }
    validBitsPerSample = view.getUint16(body + 18, true);
    channelMask = view.getUint32(body + 20, true);
    code = view.getUint16(body + 24, true);
    for (let i = 0; i < GUID_TAIL.length; i++) {
      if (bytes[body + 26 + i] !== GUID_TAIL[i]) {
        return fail(
          'unsupported',
          'its WAVE_FORMAT_EXTENSIBLE sub-format GUID is neither PCM nor IEEE float',
        );
      }
    }
    if (validBitsPerSample === 0) validBitsPerSample = bitsPerSample;
  }
  if (code !== 1 && code !== 3) {
    const name = FORMAT_NAMES[code] ? ` (${FORMAT_NAMES[code]})` : '';
    return fail(
      'unsupported',
      `its coding 0x${code.toString(16).padStart(4, '0')}${name} is not PCM or IEEE float`,
    );
  }
  if (channels > WAV_MAX_CHANNELS) {
    return fail(
      'unsupported',
      `it has ${channels} channels, more than the ${WAV_MAX_CHANNELS} the WAV reader handles`,
    );
  }
  let format: PcmFormat | undefined;
  if (code === 1) {
    format = ({ 8: 'u8', 16: 's16', 24: 's24', 32: 's32' } as const)[bitsPerSample];
  } else {
    format = ({ 32: 'f32', 64: 'f64' } as const)[bitsPerSample];
  }
  if (!format) {
    return fail(
      'unsupported',
      `${bitsPerSample}-bit ${code === 1 ? 'PCM' : 'float'} samples are not read directly`,
    );
  }
  if (validBitsPerSample > bitsPerSample) {
    return fail('corrupt', `it declares ${validBitsPerSample} valid bits in ${bitsPerSample}-bit samples`);
  }
  if (blockAlign !== channels * PCM_BYTES[format]) {
    return fail(
      'unsupported',
      `its frames are ${blockAlign} bytes, not ${channels} × ${PCM_BYTES[format]} as ${bitsPerSample}-bit samples need`,
    );
  }
  return {
    format,
    formatTag,
    bitsPerSample,
    validBitsPerSample,
    channels,
    sampleRate,
    blockAlign,
    channelMask,
  };
}

/**
 * Parses a WAV header from the first bytes of a file (`fileSize` is the whole file's size, when
 * more than `bytes` is known to exist). A pure function: it never throws and never allocates
 * more than a few objects, whatever the bytes. Walks the chunks (odd sizes padded to even) to
 * `fmt ` (PCM 1, IEEE float 3, WAVE_FORMAT_EXTENSIBLE 0xFFFE with a PCM or float sub-format)
 * and `data`. A data size of 0 or 0xFFFFFFFF, or one past the end of the file, means "to the end
 * of the file" (streamed or truncated recordings); a trailing partial frame is ignored.
 */
export function parseWavHeader(bytes: Uint8Array, fileSize: number = bytes.length): WavParseResult {
  const have = bytes.length;
  const size = Math.max(fileSize, have);
  if (have < 12) {
    const riff = [0x52, 0x49, 0x46, 0x46];
    for (let i = 0; i < Math.min(4, have); i++)
      if (bytes[i] !== riff[i]) return fail('not-wav', 'no RIFF header');
    if (size < 12) return fail(have < 4 ? 'not-wav' : 'corrupt', `the file is only ${size} bytes long`);
    return fail('need-more', 'the RIFF header continues', 12);
  }
  const id = fourcc(bytes, 0);
  const form = fourcc(bytes, 8);
  if (id === 'RF64' || id === 'BW64') return fail('unsupported', `it is an ${id} file (64-bit sizes)`);
  if (id === 'RIFX') return fail('unsupported', 'it is a big-endian RIFX file');
  if (id !== 'RIFF') return fail('not-wav', 'no RIFF header');
  if (form !== 'WAVE') return fail('not-wav', `a RIFF file of type "${form}", not WAVE`);

  const view = new DataView(bytes.buffer, bytes.byteOffset, have);
  let fmt: FmtInfo | undefined;
  let tags: Record<string, string> | undefined;
  let pos = 12;
  // Each step moves at least 8 bytes forward, so the walk ends within size / 8 steps.
  while (pos + 8 <= size) {
    if (pos + 8 > have) return fail('need-more', 'the chunk list continues', pos + 8);
    const chunk = fourcc(bytes, pos);
    const chunkSize = view.getUint32(pos + 4, true);
    const body = pos + 8;
    if (chunk === 'fmt ') {
      if (body + chunkSize > size) {
        return fail('corrupt', `the file ends inside its fmt chunk (the header is truncated)`);
      }
      if (body + chunkSize > have) return fail('need-more', 'the fmt chunk continues', body + chunkSize);
      const parsed = parseFmt(view, bytes, body, chunkSize);
      if ('ok' in parsed) return parsed;
      fmt = parsed;
    } else if (chunk === 'data') {
      if (!fmt) return fail('unsupported', 'its data chunk comes before its fmt chunk');
      const available = size - body;
      const declared =
        chunkSize === 0 || chunkSize === 0xffffffff || chunkSize > available ? available : chunkSize;
      const totalFrames = Math.floor(declared / fmt.blockAlign);
      return {
        ok: true,
        header: { ...fmt, dataOffset: body, dataBytes: totalFrames * fmt.blockAlign, totalFrames, tags },
      };
    } else if (chunk === 'LIST' && chunkSize >= 4 && chunkSize <= INFO_LIMIT && body + chunkSize <= size) {
      if (body + chunkSize > have) return fail('need-more', 'the LIST chunk continues', body + chunkSize);
      if (fourcc(bytes, body) === 'INFO')
        tags = { ...tags, ...parseInfo(bytes, view, body + 4, body + chunkSize) };
    } else if (body + chunkSize > size) {
      return fail(
        'corrupt',
        `its "${chunk}" chunk at byte ${pos} claims ${chunkSize} bytes, past the end of the file (${size} bytes), ` +
          `before any audio data`,
      );
    }
    pos = body + chunkSize + (chunkSize & 1);
  }
  if (!fmt) return fail('corrupt', 'it has no fmt chunk (the header is truncated or damaged)');
  return fail('corrupt', 'it has no data chunk (the file is truncated or damaged)');
}

/** Largest header (all chunks before `data`) the reader looks through before leaving the file to ffmpeg. */
export const WAV_HEADER_LIMIT = 16 * 1024 * 1024;

/**
 * Reads and parses the header of an open file, reading more while the chunks before `data`
 * continue (up to {@link WAV_HEADER_LIMIT}). Never returns `need-more`. I/O errors throw
 * TimesideErrors (`E_IO`) naming `name`.
 */
export async function readWavHeader(
  handle: FileHandle,
  fileSize: number,
  name: string,
): Promise<WavParseResult> {
  let length = Math.min(fileSize, 64 * 1024);
  for (;;) {
    const bytes = Buffer.alloc(length);
    let got = 0;
    try {
      while (got < length) {
        const { bytesRead } = await handle.read(bytes, got, length - got, got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
    } catch (error) {
      throw ioError(name, `cannot read: ${(error as Error).message}`, error);
    }
    const result = parseWavHeader(bytes.subarray(0, got), Math.max(fileSize, got));
    if (result.ok || result.kind !== 'need-more') return result;
    const need = result.needBytes ?? length * 2;
    if (need > WAV_HEADER_LIMIT) {
      return fail('unsupported', `its chunks before the audio data exceed ${WAV_HEADER_LIMIT >> 20} MiB`);
    }
    if (got < length || need <= got) return fail('corrupt', 'the file ends inside its header');
    length = Math.min(Math.max(need, length * 2), WAV_HEADER_LIMIT, fileSize);
  }
}

/** Most bytes of interleaved audio one block of {@link readWavBlocks} reads (64 MiB). */
export const MAX_BLOCK_BYTES = 64 * 1024 * 1024;

/** Options of {@link readWavBlocks}. */
export interface WavBlockOptions {
  /** First frame to read (default: 0). */
  startFrame?: number;
  /** Frame after the last one to read (default: the end of the data). */
  endFrame?: number;
  /** Frames per block (default: 65536). */
  blockSize?: number;
  /** Checked before each read: an aborted signal throws E_ABORT. */
  signal?: AbortSignal;
  /** The file named in errors. */
  name?: string;
}

/**
 * Streams frames [startFrame, endFrame) of a WAV file's data as planar float32 blocks of at most
 * `blockSize` frames (fewer when the audio is shorter, or a frame so wide that a block would pass
 * {@link MAX_BLOCK_BYTES}). One read
 * Buffer and one Float32Array per channel are allocated up front and reused for every block: the
 * consumer must use a block before pulling the next. The last block has `eod` set (an empty one
 * if there is no audio). Memory stays at one block whatever the file's length.
 */
export async function* readWavBlocks(
  handle: FileHandle,
  header: WavHeader,
  options: WavBlockOptions = {},
): AsyncGenerator<AudioBlock, void, undefined> {
  const { blockAlign, channels, format } = header;
  const startFrame = Math.min(Math.max(0, options.startFrame ?? 0), header.totalFrames);
  const endFrame = Math.min(Math.max(startFrame, options.endFrame ?? header.totalFrames), header.totalFrames);
  // Buffers no larger than the audio there is, nor than MAX_BLOCK_BYTES: a 16 kB file declaring
  // 1024 channels of float64 must not allocate 800 MB for one block.
  const blockSize = Math.max(
    1,
    Math.min(options.blockSize ?? 65536, endFrame - startFrame, Math.floor(MAX_BLOCK_BYTES / blockAlign)),
  );
  const name = options.name ?? 'WAV file';
  const readBuffer = Buffer.allocUnsafeSlow(blockSize * blockAlign);
  const data = Array.from({ length: channels }, () => new Float32Array(blockSize));
  let frame = startFrame;
  for (;;) {
    if (options.signal?.aborted) throw abortError(name);
    const want = Math.min(blockSize, endFrame - frame);
    const bytes = want * blockAlign;
    let got = 0;
    try {
      while (got < bytes) {
        const position = header.dataOffset + frame * blockAlign + got;
        const { bytesRead } = await handle.read(readBuffer, got, bytes - got, position);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
    } catch (error) {
      throw ioError(name, `cannot read: ${(error as Error).message}`, error);
    }
    const frames = Math.floor(got / blockAlign);
    deinterleavePcm(format, readBuffer, 0, frames, channels, data, 0);
    const start = frame - startFrame;
    frame += frames;
    // A short read means the file shrank since its header was read: end there.
    const eod = frame >= endFrame || frames < want;
    yield { data, start, length: frames, eod };
    if (eod) return;
  }
}
