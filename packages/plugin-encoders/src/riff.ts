import { BYTES_PER_SAMPLE, type PcmFormat } from './dsp/pcm.js';

/**
 * RIFF/WAVE header layout (Microsoft "Multimedia Programming Interface and Data Specifications
 * 1.0", 1991, and "WAVEFORMATEXTENSIBLE", 2007): integer PCM uses WAVE_FORMAT_PCM (1) with a
 * 16-byte `fmt `; float uses WAVE_FORMAT_IEEE_FLOAT (3) with an 18-byte `fmt ` (cbSize 0) and a
 * `fact` chunk holding the frame count; more than two channels use WAVE_FORMAT_EXTENSIBLE with
 * the same codes as SubFormat and a channel mask of 0 ("no particular speaker positions").
 */
export interface WavHeader {
  bytes: Buffer;
  /** Byte offset of the `data` chunk's size field. */
  dataSizeOffset: number;
  /** Byte offset of the `fact` chunk's frame count, when there is one. */
  factOffset?: number;
}

const WAVE_FORMAT_PCM = 1;
const WAVE_FORMAT_IEEE_FLOAT = 3;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;
/** KSDATAFORMAT_SUBTYPE_* GUID bytes after the 2-byte format code (mmreg.h). */
const SUBFORMAT_TAIL = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];

/** The largest data chunk a RIFF file can describe (its sizes are 32-bit). */
export const MAX_RIFF_SIZE = 0xffffffff;

/**
 * RIFF INFO ids of the tags, as ffmpeg maps them (libavformat `ff_riff_info_conv`), so that
 * ffmpeg and ffprobe read them back under the same names.
 */
const INFO_IDS: Readonly<Record<string, string>> = {
  artist: 'IART',
  comment: 'ICMT',
  copyright: 'ICOP',
  date: 'ICRD',
  genre: 'IGNR',
  title: 'INAM',
  album: 'IPRD',
  track: 'IPRT',
};

/**
 * A `LIST`/`INFO` chunk holding the tags RIFF INFO has an id for (others are left out), or an
 * empty buffer when there are none. Each value is a NUL-terminated UTF-8 string, padded to even.
 */
export function buildInfoChunk(tags: Readonly<Record<string, string>>): Buffer {
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(tags)) {
    const id = INFO_IDS[name];
    if (!id || value === '') continue;
    const text = Buffer.from(`${value}\0`, 'utf8');
    const head = Buffer.alloc(8);
    head.write(id, 0, 'ascii');
    head.writeUInt32LE(text.length, 4);
    parts.push(head, text);
    if (text.length % 2 === 1) parts.push(Buffer.alloc(1));
  }
  if (parts.length === 0) return Buffer.alloc(0);
  const body = Buffer.concat(parts);
  const head = Buffer.alloc(12);
  head.write('LIST', 0, 'ascii');
  head.writeUInt32LE(body.length + 4, 4);
  head.write('INFO', 8, 'ascii');
  return Buffer.concat([head, body]);
}

/**
 * Builds a WAVE header for `format` with size fields of 0, to be patched by `patchWavSizes`;
 * `info` (a `LIST` chunk from `buildInfoChunk`) goes before the `data` chunk.
 */
export function buildWavHeader(
  format: PcmFormat,
  channels: number,
  sampleRate: number,
  info: Uint8Array = new Uint8Array(0),
): WavHeader {
  const bytesPerSample = BYTES_PER_SAMPLE[format];
  const isFloat = format === 'float32';
  const extensible = channels > 2;
  const fmtSize = extensible ? 40 : isFloat ? 18 : 16;
  const factSize = isFloat ? 12 : 0;
  const length = 12 + 8 + fmtSize + factSize + info.length + 8;
  const b = Buffer.alloc(length);
  const code = isFloat ? WAVE_FORMAT_IEEE_FLOAT : WAVE_FORMAT_PCM;
  const blockAlign = channels * bytesPerSample;
  b.write('RIFF', 0, 'ascii');
  b.write('WAVE', 8, 'ascii');
  b.write('fmt ', 12, 'ascii');
  b.writeUInt32LE(fmtSize, 16);
  b.writeUInt16LE(extensible ? WAVE_FORMAT_EXTENSIBLE : code, 20);
  b.writeUInt16LE(channels, 22);
  b.writeUInt32LE(sampleRate, 24);
  b.writeUInt32LE(sampleRate * blockAlign, 28);
  b.writeUInt16LE(blockAlign, 32);
  b.writeUInt16LE(bytesPerSample * 8, 34);
  let o = 36;
  if (fmtSize > 16) {
    b.writeUInt16LE(fmtSize - 18, o); // cbSize
    o += 2;
  }
  if (extensible) {
    b.writeUInt16LE(bytesPerSample * 8, o); // wValidBitsPerSample
    b.writeUInt32LE(0, o + 2); // dwChannelMask
    b.writeUInt16LE(code, o + 6);
    Buffer.from(SUBFORMAT_TAIL).copy(b, o + 8);
    o += 22;
  }
  let factOffset: number | undefined;
  if (isFloat) {
    b.write('fact', o, 'ascii');
    b.writeUInt32LE(4, o + 4);
    factOffset = o + 8;
    o += 12;
  }
  b.set(info, o);
  o += info.length;
  b.write('data', o, 'ascii');
  return { bytes: b, dataSizeOffset: o + 4, factOffset };
}

/**
 * Fills the size fields of `header.bytes` for `dataBytes` of samples (`frames` frames). A data
 * chunk of odd size is followed by one pad byte (RIFF word alignment), counted in the RIFF size.
 */
export function patchWavSizes(header: WavHeader, dataBytes: number, frames: number): void {
  const b = header.bytes;
  const pad = dataBytes % 2;
  b.writeUInt32LE(b.length - 8 + dataBytes + pad, 4);
  b.writeUInt32LE(dataBytes, header.dataSizeOffset);
  if (header.factOffset !== undefined) b.writeUInt32LE(Math.min(frames, MAX_RIFF_SIZE), header.factOffset);
}

/**
 * Marks the sizes as unknown (0xFFFFFFFF), for a WAV streamed where it cannot be patched at the
 * end: readers such as ffmpeg then read the data to the end of the stream.
 */
export function markWavStreaming(header: WavHeader): void {
  header.bytes.writeUInt32LE(MAX_RIFF_SIZE, 4);
  header.bytes.writeUInt32LE(MAX_RIFF_SIZE, header.dataSizeOffset);
}
