import {
  type FinishContext,
  type NodeSpec,
  type Params,
  type ParamsOf,
  Processor,
  type ProcessorMeta,
  paramError,
  type ResultSpec,
  type SetupContext,
  type StreamFormat,
} from '@timeside/core';
import { onsetTimeOffset, peakPosition, smoothOdf } from './dsp/onset.js';
import { estimateTempo, onsetEnvelope, trackBeats } from './dsp/tempo.js';
import { type OnsetDetectionFunction, odfParams, odfSpec } from './onset_detection_function.js';

const params = {
  ...odfParams({
    method: 'Onset detection function the tempo is measured on (see onset_detection_function)',
  }),
  minBpm: {
    type: 'number',
    default: 40,
    exclusiveMinimum: 0,
    unit: 'BPM',
    description: 'Slowest tempo considered',
  },
  maxBpm: {
    type: 'number',
    default: 240,
    exclusiveMinimum: 0,
    unit: 'BPM',
    description: 'Fastest tempo considered (must exceed minBpm)',
  },
} as const;

/** Parameters of `tempo`. */
export type TempoParams = ParamsOf<typeof params>;

const RESULTS = [
  { id: 'tempo', name: 'Tempo', unit: 'BPM', description: 'Global tempo; 0 when no periodicity is found' },
  { id: 'beats', name: 'Beats', unit: 's', description: 'Beat times' },
] as const satisfies readonly ResultSpec[];

/**
 * `tempo`: the global tempo (BPM) and the beat times of the audio, from the onset detection
 * function. Tempo after Davies & Plumbley (2007) as in aubio's beat tracker: autocorrelation of
 * the thresholded ODF, shift-invariant comb filterbank, Rayleigh prior around 120 BPM, then a
 * refinement over every multiple of the period; beats by Ellis's dynamic programme (2007).
 */
export class Tempo extends Processor<TempoParams> {
  static override readonly meta: ProcessorMeta = {
    id: 'tempo',
    kind: 'analyzer',
    name: 'Tempo and beats',
    version: '1.0.1',
    description:
      'Global tempo in beats per minute (Davies & Plumbley 2007 / aubio: autocorrelation of the onset ' +
      'detection function through a comb filterbank with a Rayleigh prior around 120 BPM, refined over ' +
      'every multiple of the period) and beat times in seconds (Ellis 2007 dynamic programming, each ' +
      'beat placed on its onset as `onsets` places them). Tested: click tracks at 60, 90, 120 and 140 BPM ' +
      'read within ±1 BPM, and their beats match the clicks at ±70 ms.',
    params,
    results: RESULTS,
    requires: (p: Params): NodeSpec[] => [odfSpec(p)],
  };

  #odf!: OnsetDetectionFunction;
  #sampleRate = 0;

  constructor(given: Partial<TempoParams> | Record<string, unknown> = {}) {
    super(given);
    if (this.params.maxBpm <= this.params.minBpm) {
      throw paramError(
        'tempo',
        'maxBpm',
        `must exceed minBpm (${this.params.minBpm}), got ${this.params.maxBpm}`,
      );
    }
  }

  override setup(format: StreamFormat, ctx: SetupContext): void {
    this.#odf = ctx.inputs[0] as OnsetDetectionFunction;
    this.#sampleRate = format.sampleRate;
  }

  override finish(ctx: FinishContext): void {
    const { method, fftSize, hopSize, window, minBpm, maxBpm } = this.params;
    const odf = this.#odf.values();
    const envelope = onsetEnvelope(odf);
    const frameRate = this.#sampleRate / hopSize;
    const estimate = estimateTempo(envelope, { frameRate, minBpm, maxBpm });
    let beats = new Float64Array(0);
    if (estimate) {
      const frames = trackBeats(envelope, estimate.period);
      const smooth = new Float32Array(odf.length);
      smoothOdf(odf, smooth);
      const offset = onsetTimeOffset(method, fftSize, hopSize, window);
      beats = new Float64Array(frames.length);
      for (let i = 0; i < frames.length; i++) {
        const position = peakPosition(smooth, frames[i], 1);
        beats[i] = Math.max(0, (position * hopSize + offset) / this.#sampleRate);
      }
    }
    const [tempoSpec, beatsSpec] = RESULTS;
    ctx.addResult({ ...tempoSpec, timeMode: 'global', value: estimate?.bpm ?? 0 });
    ctx.addResult({ ...beatsSpec, timeMode: 'event', time: beats });
  }
}
