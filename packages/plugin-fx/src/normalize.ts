import { readFileSync } from 'node:fs';
import { basename, extname, resolve } from 'node:path';
import {
  type AudioBlock,
  ioError,
  type ParamsOf,
  Processor,
  type ProcessorMeta,
  paramError,
  ResultContainer,
  resultError,
  type SetupContext,
  type StreamFormat,
} from '@timeside/core';
import { dbToLinear, OutputBlock } from './dsp/output_block.js';

const ID = 'normalize';

/** The result of a previous run each mode reads from a results file. */
export const NORMALIZE_SOURCES = {
  peak: 'level.max',
  loudness: 'loudness_ebur128.integrated',
} as const;

/** The target each mode takes when `target` is null: −1 dBFS peak, EBU R128's −23 LUFS. */
const DEFAULT_TARGET = { peak: -1, loudness: -23 } as const;

const PARAMS = {
  mode: {
    type: 'string',
    default: 'peak',
    enum: ['peak', 'loudness'],
    description:
      "'peak': sample peak in dBFS (level.max); 'loudness': integrated loudness in LUFS (loudness_ebur128.integrated)",
  },
  target: {
    type: 'number',
    default: null,
    nullable: true,
    description: 'Level to reach: dBFS (peak) or LUFS (loudness) (null: −1 dBFS, or −23 LUFS as EBU R128)',
  },
  measured: {
    type: 'number',
    default: null,
    nullable: true,
    description: 'The level the input has, as measured by an earlier run (dBFS or LUFS, as `mode`)',
  },
  results: {
    type: 'string',
    default: null,
    nullable: true,
    description:
      'A results JSON file written by an earlier run on the same input (`timeside run -a level` or ' +
      '`-a loudness_ebur128`), read for the measured level when `measured` is null; `{stem}` stands for ' +
      'the input’s file name without its extension, for batches (`out/{stem}.results.json`)',
  },
} as const;

/** Parameters of `normalize`. */
export type NormalizeParams = ParamsOf<typeof PARAMS>;

/** The file name of `uri` without its extension (`archive/song.flac` → `song`). */
function stemOf(uri: string): string {
  const name = basename(uri);
  return name.slice(0, name.length - extname(name).length);
}

/** True when two input URIs name the same input: equal, or file paths that resolve alike. */
function sameInput(a: string, b: string): boolean {
  if (a === b) return true;
  // A scheme (http:, memory:) names no file; a one-letter one is a Windows drive.
  const isUrl = (u: string) => /^[a-z][a-z0-9+.-]+:/i.test(u);
  return !isUrl(a) && !isUrl(b) && resolve(a) === resolve(b);
}

/** `normalize`: a gain that brings a level measured by an earlier run to a target. */
export class Normalize extends Processor<NormalizeParams> {
  static override readonly meta: ProcessorMeta = {
    id: ID,
    kind: 'fx',
    name: 'Normalize',
    version: '1.0.0',
    description:
      'Applies the constant gain target − measured (dB) that brings the sample peak (mode "peak", dBFS) ' +
      'or the integrated loudness (mode "loudness", LUFS, EBU R128) to `target`. The pipeline decodes ' +
      'once and a level is only known at the end of the stream, so normalize does not measure: it takes ' +
      'the level from an earlier run of `level` or `loudness_ebur128` on the same input — a number in ' +
      '`measured`, or the results JSON file of that run in `results` (its `level.max` or ' +
      '`loudness_ebur128.integrated`; a file made from another input is refused; `{stem}` in the path ' +
      'is replaced by the input’s name, so one parameter serves a batch: `timeside run DIR -a level -o m`, ' +
      'then `timeside run DIR -x normalize -p normalize.results=m/{stem}.results.json -e wav_encoder`). Nothing is clipped or ' +
      'limited. Tested: a sine measured by `level` in a first run and normalized to −6 dBFS in a second ' +
      'reads −6.00 dBFS peak, and a loudness target moves `loudness_ebur128` to it within 0.05 LU.',
    params: PARAMS,
  };

  #gainDb = 0;
  #factor = 1;
  #out!: OutputBlock;

  constructor(params: Partial<NormalizeParams> | Record<string, unknown> = {}) {
    super(params);
    if (this.params.measured === null && this.params.results === null) {
      throw paramError(
        ID,
        'measured',
        'and `results` are both null: give the level an earlier run measured, or that run’s results file',
      );
    }
  }

  /** The gain applied, in dB (after setup). */
  get gainDb(): number {
    return this.#gainDb;
  }

  override setup(format: StreamFormat, ctx: SetupContext): void {
    const { mode } = this.params;
    const uri = ctx.audio.uri;
    const file = (this.params.results as string | null)?.replaceAll('{stem}', stemOf(uri));
    const measured = this.params.measured ?? this.#readMeasured(file as string, uri);
    if (!Number.isFinite(measured)) {
      throw paramError(ID, 'measured', `is ${measured}: a silent input cannot be normalized`);
    }
    const target = this.params.target ?? DEFAULT_TARGET[mode];
    this.#gainDb = target - measured;
    this.#factor = dbToLinear(this.#gainDb);
    this.#out = new OutputBlock(format.channels);
  }

  /** The level in `file` (a results JSON of an earlier run on `uri`). */
  #readMeasured(file: string, uri: string): number {
    const id = NORMALIZE_SOURCES[this.params.mode];
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw ioError(file, `cannot read the results file given to ${ID}: ${(error as Error).message}`, error);
    }
    let container: ResultContainer;
    try {
      container = ResultContainer.fromJSON(text);
    } catch (error) {
      throw resultError(`${ID}: ${(error as Error).message}`, file);
    }
    const result = container.get(id);
    if (!result || typeof result.value !== 'number') {
      throw paramError(
        ID,
        'results',
        `file ${file} holds no ${id} value: run ${id.split('.')[0]} on the input first (mode ${this.params.mode})`,
      );
    }
    if (!sameInput(result.audio.uri, uri)) {
      throw paramError(
        ID,
        'results',
        `file ${file} was measured on ${result.audio.uri}, not on ${uri}: its level does not apply here`,
      );
    }
    return result.value;
  }

  override process(block: AudioBlock): AudioBlock {
    const length = block.length;
    const out = this.#out.reserve(length);
    const factor = this.#factor;
    for (let c = 0; c < out.length; c++) {
      const input = block.data[c];
      const output = out[c];
      for (let i = 0; i < length; i++) output[i] = input[i] * factor;
    }
    return this.#out.emit(block.start, length, block.eod);
  }
}
