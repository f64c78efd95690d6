import {
  type AudioBlock,
  type FinishContext,
  Float64Series,
  type ParamSchema,
  type ParamsOf,
  Processor,
  type ProcessorMeta,
  paramError,
  type ResultSpec,
  type StreamFormat,
} from '@timeside/core';
import {
  defaultChannelWeights,
  integratedLoudness,
  K_WEIGHTING_STATE_LENGTH,
  type KWeighting,
  kWeightedSquares,
  kWeightingCoefficients,
  loudnessOf,
  loudnessRange,
} from './dsp/ebur128.js';
import {
  type TruePeakInterpolator,
  type TruePeakState,
  truePeakInterpolator,
  truePeakState,
  truePeakUpdate,
} from './dsp/true_peak.js';

const ID = 'loudness_ebur128';

/** Sub-blocks (100 ms) per momentary block (400 ms) and per short-term block (3 s). */
const MOMENTARY_SEGMENTS = 4;
const SHORT_TERM_SEGMENTS = 30;

const PARAMS = {
  channelWeights: {
    type: 'array',
    items: 'number',
    default: [],
    description:
      'Weight G_i ≥ 0 of each channel (BS.1770-4 Table 3); empty: by channel count — L R C = 1.0, ' +
      'Ls Rs = 1.41 for 5 channels (L R C Ls Rs), LFE = 0 for 6 (L R C LFE Ls Rs), else 1.0 each',
  },
} as const satisfies ParamSchema;

export type LoudnessEbur128Params = ParamsOf<typeof PARAMS>;

const RESULTS = [
  {
    id: `${ID}.integrated`,
    name: 'Integrated loudness',
    unit: 'LUFS',
    description: 'Gated programme loudness, ITU-R BS.1770-4 §2 (−70 LUFS absolute, −10 LU relative gate)',
  },
  {
    id: `${ID}.lra`,
    name: 'Loudness range',
    unit: 'LU',
    description: 'EBU Tech 3342: 95th − 10th percentile of the gated short-term loudness',
  },
  {
    id: `${ID}.true_peak`,
    name: 'True peak',
    unit: 'dBTP',
    description:
      'Largest absolute value over all channels of the samples and of the signal oversampled by ' +
      'BS.1770-4 Annex 2’s 48-tap interpolating filter (4× below 96 kHz, 2× below 192 kHz, none above)',
  },
  {
    id: `${ID}.momentary`,
    name: 'Momentary loudness (400 ms)',
    unit: 'LUFS',
    description: 'Ungated loudness of 400 ms blocks, one every 100 ms (frame i covers [i·hop, i·hop + size))',
  },
  {
    id: `${ID}.short_term`,
    name: 'Short-term loudness (3 s)',
    unit: 'LUFS',
    description: 'Ungated loudness of 3 s blocks, one every 100 ms (frame i covers [i·hop, i·hop + size))',
  },
] as const satisfies readonly ResultSpec[];

/**
 * `loudness_ebur128`: programme loudness after ITU-R BS.1770-4 and EBU R128, on the raw
 * multichannel stream. Each channel is K-weighted and squared; the weighted sum over channels is
 * accumulated per 100 ms, from which the 400 ms momentary and 3 s short-term block energies
 * follow (75 % and 97 % overlap). Only those block energies are kept, so memory stays flat with
 * length (≈ 16 bytes per 100 ms).
 */
export class LoudnessEbur128 extends Processor<LoudnessEbur128Params> {
  static override readonly meta: ProcessorMeta = {
    id: ID,
    kind: 'analyzer',
    name: 'Loudness (EBU R128)',
    version: '1.1.0',
    description:
      'Programme loudness after ITU-R BS.1770-4 / EBU R128 on all channels (not the mono downmix): ' +
      'K-weighting (high shelf + high-pass, re-derived for any sample rate from the analog prototype), ' +
      'channel weights (L R C 1.0, Ls Rs 1.41, LFE excluded), 400 ms blocks every 100 ms gated at ' +
      '−70 LUFS and −10 LU → integrated loudness (LUFS); loudness range after EBU Tech 3342 (3 s ' +
      'blocks every 100 ms, −20 LU relative gate, 95th − 10th percentile, LU); true peak (dBTP) with ' +
      'the interpolating filter of BS.1770-4 Annex 2 (its 48-tap, 4-phase FIR; 4× below 96 kHz, ' +
      'phases 0 and 2 for 2× below 192 kHz, the samples alone above), over the samples and the ' +
      'windows that lie wholly within the signal (no silence assumed before or after it, whose step ' +
      'would read as an overshoot); momentary (400 ms) and short-term (3 s) ' +
      'loudness every 100 ms (LUFS; −Infinity for digital silence). Blocks are counted from the ' +
      'start and only complete blocks are reported; integrated is −Infinity when no block passes the ' +
      'gates. Its test checks the EBU Tech 3341 cases 1–6, 9, 12 and 15–19 (steady sines that start ' +
      'and stop abruptly) and Tech 3342 cases 1–4, ' +
      'and agrees with ffmpeg’s ebur128 filter within 0.1 LU on a varying stereo programme.',
    params: PARAMS,
    results: RESULTS,
  };

  #sampleRate = 48000;
  /** Samples per 100 ms sub-block (rounded for rates that are not multiples of 10 Hz). */
  #step = 4800;
  #weights: Float64Array = new Float64Array(0);
  #filter!: KWeighting;
  #filterStates: Float64Array[] = [];
  #power = new Float64Array(0);
  /** Weighted sum of squares of the sub-block being filled, and its sample count. */
  #segmentSum = 0;
  #segmentFill = 0;
  /** The last 30 sub-block sums (a ring), and how many sub-blocks are complete. */
  readonly #segments = new Float64Array(SHORT_TERM_SEGMENTS);
  #segmentCount = 0;
  readonly #momentary = new Float64Series(1024);
  readonly #shortTerm = new Float64Series(1024);
  #interpolator!: TruePeakInterpolator;
  #peakStates: TruePeakState[] = [];

  constructor(given: Partial<LoudnessEbur128Params> | Record<string, unknown> = {}) {
    super(given);
    const negative = this.params.channelWeights.find((weight) => weight < 0);
    if (negative !== undefined) {
      throw paramError(ID, 'channelWeights', `must hold weights ≥ 0 (BS.1770-4 Table 3), got ${negative}`);
    }
  }

  override setup(format: StreamFormat): void {
    const { channelWeights } = this.params;
    const channels = format.channels;
    if (channelWeights.length > 0 && channelWeights.length !== channels) {
      throw paramError(
        ID,
        'channelWeights',
        `has ${channelWeights.length} weights but the stream has ${channels} channels; give one per channel or none`,
      );
    }
    this.#sampleRate = format.sampleRate;
    this.#step = Math.max(1, Math.round(format.sampleRate / 10));
    this.#weights =
      channelWeights.length > 0 ? Float64Array.from(channelWeights) : defaultChannelWeights(channels);
    this.#filter = kWeightingCoefficients(format.sampleRate);
    this.#filterStates = Array.from({ length: channels }, () => new Float64Array(K_WEIGHTING_STATE_LENGTH));
    const interpolator = truePeakInterpolator(format.sampleRate);
    this.#interpolator = interpolator;
    this.#peakStates = Array.from({ length: channels }, () => truePeakState(interpolator));
  }

  override process(block: AudioBlock): void {
    const length = block.length;
    if (this.#power.length < length) this.#power = new Float64Array(length);
    const power = this.#power;
    power.fill(0, 0, length);
    const weights = this.#weights;
    for (let c = 0; c < weights.length; c++) {
      if (weights[c] !== 0) {
        kWeightedSquares(this.#filter, this.#filterStates[c], block.data[c], length, weights[c], power);
      }
      truePeakUpdate(this.#interpolator, this.#peakStates[c], block.data[c], length);
    }
    const step = this.#step;
    let sum = this.#segmentSum;
    let fill = this.#segmentFill;
    for (let i = 0; i < length; ) {
      const end = Math.min(length, i + step - fill);
      for (let j = i; j < end; j++) sum += power[j];
      fill += end - i;
      i = end;
      if (fill === step) {
        this.#closeSegment(sum);
        sum = 0;
        fill = 0;
      }
    }
    this.#segmentSum = sum;
    this.#segmentFill = fill;
  }

  /** A 100 ms sub-block is complete: derive the momentary and short-term blocks that end with it. */
  #closeSegment(sum: number): void {
    const ring = this.#segments;
    ring[this.#segmentCount % SHORT_TERM_SEGMENTS] = sum;
    this.#segmentCount++;
    const count = this.#segmentCount;
    const step = this.#step;
    if (count >= MOMENTARY_SEGMENTS) {
      let total = 0;
      for (let k = count - MOMENTARY_SEGMENTS; k < count; k++) total += ring[k % SHORT_TERM_SEGMENTS];
      this.#momentary.push(total / (MOMENTARY_SEGMENTS * step));
    }
    if (count >= SHORT_TERM_SEGMENTS) {
      let total = 0;
      for (let k = 0; k < SHORT_TERM_SEGMENTS; k++) total += ring[k];
      this.#shortTerm.push(total / (SHORT_TERM_SEGMENTS * step));
    }
  }

  override finish(ctx: FinishContext): void {
    const momentary = this.#momentary.toArray();
    const shortTerm = this.#shortTerm.toArray();
    const step = this.#step;
    const sampleRate = this.#sampleRate;
    const [integrated, lra, truePeak, momentarySpec, shortTermSpec] = RESULTS;
    ctx.addResult({ ...integrated, timeMode: 'global', value: integratedLoudness(momentary) });
    ctx.addResult({ ...lra, timeMode: 'global', value: loudnessRange(shortTerm) });
    let peak = 0;
    for (const state of this.#peakStates) peak = Math.max(peak, state.peak);
    ctx.addResult({ ...truePeak, timeMode: 'global', value: 20 * Math.log10(peak) });
    ctx.addResult({
      ...momentarySpec,
      timeMode: 'framewise',
      frame: { sampleRate, size: MOMENTARY_SEGMENTS * step, hop: step },
      value: toLoudness(momentary),
    });
    ctx.addResult({
      ...shortTermSpec,
      timeMode: 'framewise',
      frame: { sampleRate, size: SHORT_TERM_SEGMENTS * step, hop: step },
      value: toLoudness(shortTerm),
    });
  }
}

function toLoudness(energies: Float64Array): Float32Array {
  const out = new Float32Array(energies.length);
  for (let i = 0; i < energies.length; i++) out[i] = loudnessOf(energies[i]);
  return out;
}
