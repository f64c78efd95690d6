/**
 * Planar float → interleaved little-endian sample kernels for the encoders. Pure functions over
 * typed arrays writing into a caller-owned buffer, so the encoders allocate nothing per block.
 *
 * Scaling follows ffmpeg's float → 16-bit conversion (libswresample `audioconvert.c`:
 * `lrintf(x · 2^15)`, clipped): multiply by 2^(bits−1), round to nearest with ties to even, clip to
 * the integer range. So +1.0 clips to 2^(bits−1) − 1 and −1.0 maps to −2^(bits−1), and ffmpeg's
 * integer → float (÷ 2^(bits−1)) reads the values back within half a quantisation step. 24-bit
 * samples are rounded the same way (ffmpeg's own pcm_s24le path truncates a 32-bit intermediate
 * instead, an error of up to one step). NaN is written as 0.
 */

/** Sample encodings the WAV encoder writes. */
export type PcmFormat = 'pcm16' | 'pcm24' | 'float32';

/** Bytes per sample of each encoding. */
export const BYTES_PER_SAMPLE: Readonly<Record<PcmFormat, number>> = { pcm16: 2, pcm24: 3, float32: 4 };

const PCM16_SCALE = 32768;
const PCM24_SCALE = 8388608;

/**
 * Quantises one float sample to a signed integer of `scale` = 2^(bits−1): round to nearest, ties to
 * even (as C's `lrintf` in the default rounding mode), clipped.
 */
export function quantize(sample: number, scale: number): number {
  if (Number.isNaN(sample)) return 0;
  const x = sample * scale;
  let v = Math.round(x);
  // Math.round sends ties up; an exact tie that landed on an odd integer goes to the even one below.
  if (v - x === 0.5 && v % 2 !== 0) v -= 1;
  if (v >= scale) return scale - 1;
  if (v < -scale) return -scale;
  return v;
}

/**
 * Interleaves `length` frames of `planar` (one array per channel) into `out` as little-endian
 * samples of `format`, starting at byte 0. Returns the number of bytes written; `out` must hold
 * at least `length · channels · BYTES_PER_SAMPLE[format]` bytes.
 */
export function interleaveToBytes(
  planar: readonly Float32Array[],
  length: number,
  format: PcmFormat,
  out: Uint8Array,
): number {
  const channels = planar.length;
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const width = BYTES_PER_SAMPLE[format];
  const stride = channels * width;
  for (let c = 0; c < channels; c++) {
    const src = planar[c];
    let offset = c * width;
    switch (format) {
      case 'pcm16':
        for (let i = 0; i < length; i++, offset += stride)
          view.setInt16(offset, quantize(src[i], PCM16_SCALE), true);
        break;
      case 'pcm24':
        for (let i = 0; i < length; i++, offset += stride) {
          const v = quantize(src[i], PCM24_SCALE);
          out[offset] = v & 0xff;
          out[offset + 1] = (v >> 8) & 0xff;
          out[offset + 2] = (v >> 16) & 0xff;
        }
        break;
      case 'float32':
        for (let i = 0; i < length; i++, offset += stride) view.setFloat32(offset, src[i], true);
        break;
    }
  }
  return length * stride;
}
