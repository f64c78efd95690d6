/**
 * Kernels that turn interleaved little-endian PCM or float bytes into planar float32.
 * Integers are scaled by 1 / 2^(bits−1) (unsigned 8-bit: (u − 128) / 128), so full scale maps
 * to [−1, 1) as in ffmpeg's `pcm_*` → `flt` conversion.
 */
import { endianness } from 'node:os';

/** Sample formats of the built-in WAV reader. */
export type PcmFormat = 'u8' | 's16' | 's24' | 's32' | 'f32' | 'f64';

/** Bytes per sample of each format. */
export const PCM_BYTES: Readonly<Record<PcmFormat, number>> = {
  u8: 1,
  s16: 2,
  s24: 3,
  s32: 4,
  f32: 4,
  f64: 8,
};

const LITTLE_ENDIAN = endianness() === 'LE';

/**
 * Deinterleaves `frames` frames of `channels` channels from `src` (starting at byte `srcOffset`)
 * into `out[c][outOffset …]`. Uses typed-array views where the platform is little-endian and the
 * bytes are aligned, a DataView otherwise. Each format has its own monomorphic loop.
 */
export function deinterleavePcm(
  format: PcmFormat,
  src: Uint8Array,
  srcOffset: number,
  frames: number,
  channels: number,
  out: readonly Float32Array[],
  outOffset: number,
): void {
  const bytes = PCM_BYTES[format];
  const start = src.byteOffset + srcOffset;
  const count = frames * channels;
  if (format === 'u8') {
    u8(new Uint8Array(src.buffer, start, count), frames, channels, out, outOffset);
  } else if (format === 's24') {
    s24(new Uint8Array(src.buffer, start, count * 3), frames, channels, out, outOffset);
  } else if (!LITTLE_ENDIAN || start % bytes !== 0) {
    viaDataView(format, new DataView(src.buffer, start, count * bytes), frames, channels, out, outOffset);
  } else if (format === 's16') {
    s16(new Int16Array(src.buffer, start, count), frames, channels, out, outOffset);
  } else if (format === 's32') {
    s32(new Int32Array(src.buffer, start, count), frames, channels, out, outOffset);
  } else if (format === 'f32') {
    f32(new Float32Array(src.buffer, start, count), frames, channels, out, outOffset);
  } else {
    f64(new Float64Array(src.buffer, start, count), frames, channels, out, outOffset);
  }
}

type Out = readonly Float32Array[];

function u8(v: Uint8Array, frames: number, channels: number, out: Out, at: number): void {
  for (let c = 0; c < channels; c++) {
    const o = out[c];
    for (let i = 0, j = c; i < frames; i++, j += channels) o[at + i] = (v[j] - 128) / 128;
  }
}

function s16(v: Int16Array, frames: number, channels: number, out: Out, at: number): void {
  if (channels === 2) {
    // Stereo, the usual case, in one pass over the interleaved samples instead of two.
    const left = out[0];
    const right = out[1];
    for (let i = 0, j = 0; i < frames; i++, j += 2) {
      left[at + i] = v[j] / 32768;
      right[at + i] = v[j + 1] / 32768;
    }
    return;
  }
  for (let c = 0; c < channels; c++) {
    const o = out[c];
    for (let i = 0, j = c; i < frames; i++, j += channels) o[at + i] = v[j] / 32768;
  }
}

function s24(v: Uint8Array, frames: number, channels: number, out: Out, at: number): void {
  const stride = channels * 3;
  for (let c = 0; c < channels; c++) {
    const o = out[c];
    for (let i = 0, j = c * 3; i < frames; i++, j += stride) {
      // The 24-bit word goes to the top of an int32; the arithmetic shift back sign-extends it.
      o[at + i] = (((v[j] << 8) | (v[j + 1] << 16) | (v[j + 2] << 24)) >> 8) / 8388608;
    }
  }
}

function s32(v: Int32Array, frames: number, channels: number, out: Out, at: number): void {
  for (let c = 0; c < channels; c++) {
    const o = out[c];
    for (let i = 0, j = c; i < frames; i++, j += channels) o[at + i] = v[j] / 2147483648;
  }
}

function f32(v: Float32Array, frames: number, channels: number, out: Out, at: number): void {
  if (channels === 1) {
    out[0].set(v.subarray(0, frames), at);
    return;
  }
  if (channels === 2) {
    const left = out[0];
    const right = out[1];
    for (let i = 0, j = 0; i < frames; i++, j += 2) {
      left[at + i] = v[j];
      right[at + i] = v[j + 1];
    }
    return;
  }
  for (let c = 0; c < channels; c++) {
    const o = out[c];
    for (let i = 0, j = c; i < frames; i++, j += channels) o[at + i] = v[j];
  }
}

function f64(v: Float64Array, frames: number, channels: number, out: Out, at: number): void {
  for (let c = 0; c < channels; c++) {
    const o = out[c];
    for (let i = 0, j = c; i < frames; i++, j += channels) o[at + i] = v[j];
  }
}

function viaDataView(
  format: PcmFormat,
  view: DataView,
  frames: number,
  channels: number,
  out: Out,
  at: number,
) {
  const bytes = PCM_BYTES[format];
  for (let c = 0; c < channels; c++) {
    const o = out[c];
    for (let i = 0; i < frames; i++) {
      const p = (i * channels + c) * bytes;
      if (format === 's16') o[at + i] = view.getInt16(p, true) / 32768;
      else if (format === 's32') o[at + i] = view.getInt32(p, true) / 2147483648;
      else if (format === 'f32') o[at + i] = view.getFloat32(p, true);
      else o[at + i] = view.getFloat64(p, true);
    }
  }
}
