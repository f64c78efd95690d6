import { writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import {
  type AnalyzerResult,
  type FinishContext,
  graphError,
  ioError,
  isMatrix,
  type NodeSpec,
  type Params,
  Processor,
  type ProcessorMeta,
  paramError,
  resultError,
  type SetupContext,
} from '@timeside/core';
import { writeFileAtomic } from './grapher.js';

/** Parameters of `audiowaveform`. */
export interface AudiowaveformParams {
  /** File to write (.json or .dat); null: none, call `render()` (default: null). */
  output: string | null;
  /** 'json' or 'dat'; null: from the output's extension, else json (default: null). */
  format: 'json' | 'dat' | null;
  /** Samples per pixel (audiowaveform's --zoom) (default: 256). */
  samplesPerPixel: number;
  /** Number of pixels wanted instead: samplesPerPixel = ceil(frames / width); null: use samplesPerPixel (default: null). */
  width: number | null;
  /** 8 or 16 bits per value (default: 16). */
  bits: 8 | 16;
}

/** BBC audiowaveform's data, version 2: what peaks.js and wavesurfer.js read. */
export interface AudiowaveformData {
  version: 2;
  channels: number;
  sample_rate: number;
  samples_per_pixel: number;
  bits: 8 | 16;
  length: number;
  /** Pixel i of channel c: min at data[(i·channels + c)·2], max right after. */
  data: number[];
}

/**
 * A `waveform_peaks` result as audiowaveform data: each value ×32767 (16 bits) or ×127 (8 bits),
 * rounded and clipped to the integer range, in the result's row order (which is audiowaveform's).
 */
export function audiowaveformData(peaks: AnalyzerResult, bits: 8 | 16 = 16): AudiowaveformData {
  const value = peaks.value;
  if (!peaks.frame || !isMatrix(value) || value.cols % 2 !== 0) {
    throw resultError(
      `${peaks.id} is not a waveform_peaks result (framewise rows of [min, max] per channel)`,
    );
  }
  const scale = bits === 8 ? 127 : 32767;
  const lo = bits === 8 ? -128 : -32768;
  const data = new Array<number>(value.data.length);
  for (let i = 0; i < value.data.length; i++) {
    data[i] = Math.min(scale, Math.max(lo, Math.round(value.data[i] * scale)));
  }
  return {
    version: 2,
    channels: value.cols / 2,
    sample_rate: peaks.frame.sampleRate,
    samples_per_pixel: peaks.frame.hop,
    bits,
    length: value.rows,
    data,
  };
}

/**
 * The binary `.dat` twin: a 24-byte little-endian header (version 2, flags with bit 0 set for 8
 * bits, sample rate, samples per pixel, length, channels), then the values as int8 or int16.
 */
export function audiowaveformDat(data: AudiowaveformData): Buffer {
  const bytes = data.bits === 8 ? 1 : 2;
  const out = Buffer.alloc(24 + data.data.length * bytes);
  out.writeInt32LE(2, 0);
  out.writeUInt32LE(data.bits === 8 ? 1 : 0, 4);
  out.writeInt32LE(data.sample_rate, 8);
  out.writeInt32LE(data.samples_per_pixel, 12);
  out.writeUInt32LE(data.length, 16);
  out.writeInt32LE(data.channels, 20);
  data.data.forEach((v, i) => {
    if (bytes === 1) out.writeInt8(v, 24 + i);
    else out.writeInt16LE(v, 24 + 2 * i);
  });
  return out;
}

const ID = 'audiowaveform';

function formatOf(path: string): 'json' | 'dat' | undefined {
  const ext = extname(path).slice(1).toLowerCase();
  return ext === 'json' || ext === 'dat' ? ext : undefined;
}

/**
 * `audiowaveform`: the `waveform_peaks` result written as BBC audiowaveform's JSON or `.dat`
 * (version 2), so peaks.js and wavesurfer.js draw TimeSide's data.
 */
export class Audiowaveform extends Processor<AudiowaveformParams> {
  static override readonly meta: ProcessorMeta = {
    id: ID,
    kind: 'grapher',
    name: 'Waveform data (BBC audiowaveform)',
    version: '1.0.0',
    description:
      "Writes the waveform_peaks result in BBC audiowaveform's format, version 2, read by peaks.js and " +
      'wavesurfer.js: JSON {version, channels, sample_rate, samples_per_pixel, bits, length, data} where ' +
      'pixel i of channel c has its min at data[(i·channels + c)·2] and its max right after, each sample ' +
      '×32767 (bits 16) or ×127 (bits 8), rounded; or the binary .dat (24-byte little-endian header: ' +
      'version, flags with bit 0 for 8 bits, sample rate, samples per pixel, length, channels; then int8 ' +
      'or int16 pairs). Its test reads both back with a parser of its own: a ±0.5 square wave gives ' +
      '±16384 (16 bits) and ±64 (8 bits) in every pixel, per channel.',
    extension: 'json',
    params: {
      output: {
        type: 'string',
        default: null,
        nullable: true,
        description: 'File to write (.json or .dat); null: call render() later',
      },
      format: {
        type: 'string',
        default: null,
        nullable: true,
        enum: ['json', 'dat'],
        description: 'json or dat; null: from the extension of output (json when it has none)',
      },
      samplesPerPixel: {
        type: 'integer',
        default: 256,
        minimum: 1,
        description: 'Samples per pixel (audiowaveform --zoom); ignored when width is set',
      },
      width: {
        type: 'integer',
        default: null,
        nullable: true,
        minimum: 1,
        description: 'Pixels wanted: samplesPerPixel = ceil(frames / width); null: use samplesPerPixel',
      },
      bits: { type: 'integer', default: 16, enum: [8, 16], description: 'Bits per value: 8 or 16' },
    },
    requires: (p: Params): NodeSpec[] => [
      { processor: 'waveform_peaks', params: { samplesPerPixel: p.samplesPerPixel, width: p.width } },
    ],
  };

  #path: string | undefined;
  #data: AudiowaveformData | undefined;

  constructor(params: Partial<AudiowaveformParams> | Record<string, unknown> = {}) {
    super(params);
    const { output, format } = this.params;
    if (output && format && formatOf(output) && formatOf(output) !== format) {
      throw paramError(ID, 'format', `is ${format}, but output ${output} names a .${formatOf(output)} file`);
    }
  }

  /** The format the run's output is written in. */
  get format(): 'json' | 'dat' {
    const { output, format } = this.params;
    return format ?? (output ? formatOf(output) : undefined) ?? 'json';
  }

  override setup(_format: unknown, ctx: SetupContext): void {
    if (this.params.output) this.#path = ctx.output(this.params.output);
  }

  override async finish(ctx: FinishContext): Promise<void> {
    const peaks = ctx.inputResults[0]?.get('waveform_peaks');
    if (!peaks) throw resultError('waveform_peaks gave no result to write');
    this.#data = audiowaveformData(peaks, this.params.bits);
    if (this.#path) {
      try {
        await writeFile(this.#path, this.#encode(this.format));
      } catch (error) {
        throw ioError(this.params.output as string, `cannot write: ${(error as Error).message}`, error);
      }
    }
  }

  #encode(format: 'json' | 'dat'): Buffer {
    const data = this.#data!;
    return format === 'dat' ? audiowaveformDat(data) : Buffer.from(`${JSON.stringify(data)}\n`);
  }

  /** The data of the last run, encoded; with `output`, also written there (atomically). */
  async render(options: { output?: string; format?: 'json' | 'dat' } = {}): Promise<Buffer> {
    if (!this.#data) throw graphError('render() needs a finished run: run the pipeline first', ID);
    const format = options.format ?? (options.output ? formatOf(options.output) : undefined) ?? this.format;
    const data = this.#encode(format);
    if (options.output) await writeFileAtomic(options.output, data);
    return data;
  }
}
