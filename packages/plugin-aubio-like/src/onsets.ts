import {
  type AudioBlock,
  type FinishContext,
  Float32Series,
  type NodeSpec,
  type Params,
  type ParamsOf,
  Processor,
  type ProcessorMeta,
  type ResultSpec,
  type SetupContext,
  type SpectrumBatch,
  type StreamFormat,
  stftSpec,
  type WindowName,
} from '@timeside/core';
import { type OdfMethod, onsetTimeOffset, pickPeaks } from './dsp/onset.js';
import { frameLevelDb } from './dsp/periodicity.js';
import {
  type OdfParamDescriptions,
  type OnsetDetectionFunction,
  odfParams,
  odfSpec,
} from './onset_detection_function.js';

/** Descriptions of the `onsets` parameters; `notes` words them for its own use. */
export interface OnsetParamDescriptions extends OdfParamDescriptions {
  threshold?: string;
  silence?: string;
  minioi?: string;
}

/**
 * The parameters of `onsets` — the ODF's (`odfParams`) and the peak picking's — declared alike
 * by `notes`, which passes them on to the `onsets` node it requires (`onsetsSpec`).
 */
export function onsetParams({
  threshold = 'Peak-picking threshold: weight of the local mean of the ODF above its local median (aubio)',
  silence = 'Frames quieter than this (mean power, dBFS) carry no onset',
  minioi = 'Minimum inter-onset interval: an onset closer than this to the previous one is dropped',
  ...odf
}: OnsetParamDescriptions) {
  return {
    ...odfParams(odf),
    threshold: { type: 'number', default: 0.3, minimum: 0, description: threshold },
    silence: { type: 'number', default: -70, maximum: 0, unit: 'dB', description: silence },
    minioi: { type: 'number', default: 0.02, minimum: 0, unit: 's', description: minioi },
  } as const;
}

const params = onsetParams({
  method: 'Onset detection function the peaks are picked from (see onset_detection_function)',
});

/** Parameters of `onsets`. */
export type OnsetsParams = ParamsOf<typeof params>;

const RESULT = {
  id: 'onsets',
  name: 'Onsets',
  unit: 's',
  description: 'Event times; value: ODF at the onset',
} as const satisfies ResultSpec;

/** The `onsets` node a processor declaring `onsetParams` requires (as `notes` does), from its params. */
export function onsetsSpec(p: Params): NodeSpec {
  const { method, fftSize, hopSize, window, threshold, silence, minioi } = p;
  return { processor: Onsets, params: { method, fftSize, hopSize, window, threshold, silence, minioi } };
}

/** Onset times (s) and ODF values from an ODF and the frames' levels, as `onsets` reports them. */
export function detectOnsets(
  odf: Float32Array,
  levels: Float32Array,
  options: {
    method: OdfMethod;
    sampleRate: number;
    fftSize: number;
    hopSize: number;
    threshold: number;
    silence: number;
    minioi: number;
    window?: WindowName;
  },
): { time: Float64Array; strength: Float32Array } {
  const peaks = pickPeaks(odf, { threshold: options.threshold });
  const offset = onsetTimeOffset(options.method, options.fftSize, options.hopSize, options.window);
  const times: number[] = [];
  const strengths: number[] = [];
  let last = Number.NEGATIVE_INFINITY;
  for (const position of peaks) {
    const frame = Math.min(odf.length - 1, Math.round(position));
    // The onset lies in this frame or its neighbours: gate on the loudest of them.
    const level = Math.max(
      levels[Math.max(0, frame - 1)],
      levels[frame],
      levels[Math.min(odf.length - 1, frame + 1)],
    );
    if (!(level >= options.silence)) continue;
    const time = Math.max(0, (position * options.hopSize + offset) / options.sampleRate);
    if (time - last < options.minioi) continue;
    times.push(time);
    strengths.push(odf[frame]);
    last = time;
  }
  return { time: Float64Array.from(times), strength: Float32Array.from(strengths) };
}

/**
 * `onsets`: the times where notes and percussive events begin, by aubio's adaptive peak picking
 * over the onset detection function (aubio `onset`, Brossier 2006): low-pass, then each frame's
 * value above its local median by more than `threshold` × its local mean is a candidate; peaks in
 * silent frames or closer than `minioi` to the previous onset are dropped. It requires the
 * `onset_detection_function` node with the same method and STFT, so asking for both computes
 * the ODF once.
 */
export class Onsets extends Processor<OnsetsParams> {
  static override readonly meta: ProcessorMeta = {
    id: 'onsets',
    kind: 'analyzer',
    name: 'Onsets',
    version: '1.0.1',
    description:
      'Onset times in seconds by adaptive median/mean peak picking over the onset detection function ' +
      '(aubio onset: threshold, silence in dBFS, minimum inter-onset interval). Each peak frame is ' +
      'placed where the onset actually lies in that frame (a per-method offset, see onsetTimeOffset), ' +
      'so times are not delayed by the framing. Values: the ODF at each onset. Tested: a 120 BPM click ' +
      'track gives F ≥ 0.98 at ±50 ms (MIREX one-to-one matching) with every click within 10 ms; ' +
      'irregular noise bursts, 1 kHz blips and bursts on a −50 dBFS noise bed give F ≥ 0.98 with every ' +
      'method.',
    params,
    results: [RESULT],
    requires: (p: Params): NodeSpec[] => [odfSpec(p), stftSpec(p)],
  };

  #odf!: OnsetDetectionFunction;
  #levels = new Float32Series(4096);
  #sampleRate = 0;
  #times: Float64Array = new Float64Array(0);

  override setup(format: StreamFormat, ctx: SetupContext): void {
    this.#odf = ctx.inputs[0] as OnsetDetectionFunction;
    this.#sampleRate = format.sampleRate;
    const expected = format.totalFrames ? Math.ceil(format.totalFrames / this.params.hopSize) + 1 : 4096;
    this.#levels = new Float32Series(expected);
  }

  override process(_block: AudioBlock, inputs: readonly unknown[]): void {
    const spectra = inputs[1] as SpectrumBatch;
    // Mean power in dBFS of each frame (aubio's silence test uses the same measure).
    for (let f = 0; f < spectra.count; f++) {
      const frame = spectra.frames[f];
      this.#levels.push(frameLevelDb(frame, frame.length));
    }
  }

  override finish(ctx: FinishContext): void {
    const { time, strength } = detectOnsets(this.#odf.values(), this.#levels.view(), {
      ...this.params,
      sampleRate: this.#sampleRate,
    });
    this.#times = time;
    ctx.addResult({ ...RESULT, timeMode: 'event', time, value: strength });
  }

  /** The onset times (s), once `finish` has run (for consumers such as `notes`). */
  times(): Float64Array {
    return this.#times;
  }

  /** Mean power (dBFS) of every STFT frame processed so far (a view, valid until the next frame). */
  levels(): Float32Array {
    return this.#levels.view();
  }
}
