import {
  type AudioBlock,
  type ParamsOf,
  Processor,
  type ProcessorMeta,
  type StreamFormat,
} from '@timeside/core';
import { OutputBlock } from './dsp/output_block.js';
import { kernelAt, type SincKernel, sincKernel } from './dsp/sinc_kernel.js';

const ID = 'resample';

const PARAMS = {
  sampleRate: {
    type: 'integer',
    default: 44100,
    minimum: 1000,
    maximum: 768000,
    unit: 'Hz',
    description: 'Sample rate of the stream after this fx',
  },
  zeroCrossings: {
    type: 'integer',
    default: 16,
    minimum: 2,
    maximum: 128,
    description: 'Zero crossings of the interpolating sinc on each side (longer: sharper, slower)',
  },
  rolloff: {
    type: 'number',
    default: 0.94,
    exclusiveMinimum: 0,
    maximum: 1,
    description: 'Cutoff as a share of the lower of the two Nyquist frequencies',
  },
} as const;

/** Parameters of `resample`. */
export type ResampleParams = ParamsOf<typeof PARAMS>;

/** Largest precomputed phase table, in weights (8 MB of doubles). */
const TABLE_LIMIT = 1 << 20;

/** Σ weights[base + t]·samples[offset + t] for t < count. */
function dot(
  weights: Float64Array,
  base: number,
  samples: Float32Array,
  offset: number,
  count: number,
): number {
  let sum = 0;
  for (let t = 0; t < count; t++) sum += weights[base + t] * samples[offset + t];
  return sum;
}

function gcd(a: number, b: number): number {
  let x = a;
  let y = b;
  while (y !== 0) [x, y] = [y, x % y];
  return x;
}

/** Kaiser β of the window: ≈ 80 dB stopband attenuation (Kaiser's formula 0.1102·(A − 8.7)). */
const KAISER_BETA = 8;

/** `resample`: band-limited sample-rate conversion in the stream. */
export class Resample extends Processor<ResampleParams> {
  static override readonly meta: ProcessorMeta = {
    id: ID,
    kind: 'fx',
    name: 'Resample',
    version: '1.0.0',
    description:
      'Converts the stream to `sampleRate` by band-limited interpolation (J. O. Smith, "Digital Audio ' +
      'Resampling": a Kaiser-windowed sinc, β = 8, with `zeroCrossings` zero crossings on each side, ' +
      'tabulated 512 points per sample and interpolated linearly), low-passed at `rolloff` of the lower ' +
      'Nyquist frequency so that downsampling does not alias. Output frame n is the input read at time ' +
      'n·Fin/Fout (no delay), and a stream of T frames becomes ceil(T·Fout/Fin) frames. The processors ' +
      'after it are set up with the new rate. Where the rate can be chosen at decode, `file_decoder`’s ' +
      '`sampleRate` option (ffmpeg) does the same, faster, for a whole pipeline. Tested: a 1 kHz sine ' +
      'resampled 44.1 → 48, 44.1 → 16, 48 → 44.1, 22.05 → 44.1 and 44.1 → 96.001 kHz is the 1 kHz sine ' +
      'of the new rate sample for sample (within 10⁻³), with ceil(T·Fout/Fin) frames; a 12 kHz tone ' +
      'taken to 16 kHz is more than 60 dB down instead of aliasing to 4 kHz; `tuning` after it still ' +
      'reads a 442 Hz A as 442 Hz.',
    params: PARAMS,
  };

  #kernel!: SincKernel;
  #inRate = 0;
  #outRate = 0;
  /** Input kept for the kernel: frame `#bufferStart + i` of the input stream is `#buffer[c][i]`. */
  #buffer: Float32Array[] = [];
  #bufferStart = 0;
  #bufferLength = 0;
  /** Next output frame to compute. */
  #next = 0;
  #inputFrames = 0;
  #out!: OutputBlock;
  #weights = new Float64Array(0);
  /** Taps per output frame: 2·ceil(halfWidth). */
  #taps = 0;
  /**
   * The kernel at every phase the ratio produces, when there are few enough: output frame n reads
   * phase (n·Fin mod Fout)/Fout, a multiple of g/Fout with g = gcd(Fin, Fout), so Fout/g phases
   * (160 for 44.1 → 48 kHz) cover the stream. Row p holds the taps of phase p·g/Fout.
   */
  #table: Float64Array | null = null;
  #gcd = 1;

  override setup(format: StreamFormat): void {
    this.#inRate = format.sampleRate;
    this.#outRate = this.params.sampleRate;
    const cutoff = (0.5 * this.params.rolloff * Math.min(this.#inRate, this.#outRate)) / this.#inRate;
    this.#kernel = sincKernel(cutoff, this.params.zeroCrossings, KAISER_BETA);
    const taps = 2 * Math.ceil(this.#kernel.halfWidth) + 2;
    this.#weights = new Float64Array(taps);
    this.#taps = 2 * Math.ceil(this.#kernel.halfWidth);
    this.#gcd = gcd(this.#inRate, this.#outRate);
    const phases = this.#outRate / this.#gcd;
    this.#table = null;
    if (phases * this.#taps <= TABLE_LIMIT) {
      const table = new Float64Array(phases * this.#taps);
      const half = Math.ceil(this.#kernel.halfWidth);
      for (let p = 0; p < phases; p++) {
        const phase = (p * this.#gcd) / this.#outRate;
        for (let t = 0; t < this.#taps; t++)
          table[p * this.#taps + t] = kernelAt(this.#kernel, t - half + 1 - phase);
      }
      this.#table = table;
    }
    this.#buffer = Array.from({ length: format.channels }, () => new Float32Array(taps * 2 + 4096));
    this.#bufferStart = -Math.ceil(this.#kernel.halfWidth);
    // The stream before frame 0 is silence: the buffer starts with that many zeros.
    this.#bufferLength = -this.#bufferStart;
    this.#out = new OutputBlock(format.channels);
  }

  override outputFormat(format: StreamFormat): StreamFormat {
    const totalFrames =
      format.totalFrames === undefined
        ? undefined
        : Math.ceil((format.totalFrames * this.params.sampleRate) / format.sampleRate);
    return { ...format, sampleRate: this.params.sampleRate, totalFrames };
  }

  override process(block: AudioBlock): AudioBlock {
    this.#append(block);
    this.#inputFrames += block.length;
    const inRate = this.#inRate;
    const outRate = this.#outRate;
    const half = Math.ceil(this.#kernel.halfWidth);
    // Output frame n reads input time n·inRate/outRate; it is ready once every input sample its
    // kernel covers has arrived (at the end, the stream continues with silence).
    const lastOutput = block.eod
      ? Math.ceil((this.#inputFrames * outRate) / inRate)
      : Math.floor(((this.#inputFrames - 1 - half) * outRate) / inRate) + 1;
    const count = Math.max(0, lastOutput - this.#next);
    const out = this.#out.reserve(count);
    const end = this.#bufferStart + this.#bufferLength;
    const weights = this.#weights;
    const table = this.#table;
    const taps = this.#taps;
    const halfTaps = taps / 2;
    const g = this.#gcd;
    const bufferStart = this.#bufferStart;
    const buffers = this.#buffer;
    const channels = out.length;
    for (let k = 0; k < count; k++) {
      const n = this.#next + k;
      // Exact in doubles for any stream shorter than 2^53 / inRate frames.
      const numerator = n * inRate;
      let centre = Math.floor(numerator / outRate);
      let remainder = numerator - centre * outRate;
      // The quotient is rounded: near a whole number the floor may be one off.
      if (remainder < 0) {
        centre--;
        remainder += outRate;
      } else if (remainder >= outRate) {
        centre++;
        remainder -= outRate;
      }
      const first = centre - halfTaps + 1;
      let base = 0;
      let w: Float64Array = weights;
      if (table) {
        base = ((remainder / g) | 0) * taps;
        w = table;
      } else {
        const phase = remainder / outRate;
        for (let t = 0; t < taps; t++) weights[t] = kernelAt(this.#kernel, t - halfTaps + 1 - phase);
      }
      const offset = first - bufferStart;
      const available = Math.min(taps, end - first);
      for (let c = 0; c < channels; c++) out[c][k] = dot(w, base, buffers[c], offset, available);
    }
    const start = this.#next;
    this.#next += count;
    this.#discard();
    return this.#out.emit(start, count, block.eod);
  }

  /** Appends the block's frames to the kernel buffer, growing it when needed. */
  #append(block: AudioBlock): void {
    const needed = this.#bufferLength + block.length;
    if (needed > this.#buffer[0].length) {
      const capacity = Math.max(needed, this.#buffer[0].length * 2);
      this.#buffer = this.#buffer.map((b) => {
        const grown = new Float32Array(capacity);
        grown.set(b.subarray(0, this.#bufferLength));
        return grown;
      });
    }
    const at = this.#bufferLength;
    for (let c = 0; c < this.#buffer.length; c++) {
      const buffer = this.#buffer[c];
      const input = block.data[c];
      for (let i = 0; i < block.length; i++) buffer[at + i] = input[i];
    }
    this.#bufferLength = needed;
  }

  /** Drops the input no later output frame reads. */
  #discard(): void {
    const centre = Math.floor((this.#next * this.#inRate) / this.#outRate);
    const first = centre - Math.ceil(this.#kernel.halfWidth) + 1;
    const drop = Math.min(this.#bufferLength, Math.max(0, first - this.#bufferStart));
    if (drop === 0) return;
    for (const b of this.#buffer) b.copyWithin(0, drop, this.#bufferLength);
    this.#bufferStart += drop;
    this.#bufferLength -= drop;
  }
}
