import {
  type AudioBlock,
  type FinishContext,
  type NodeSpec,
  type Params,
  type ParamsOf,
  Processor,
  type ProcessorMeta,
  type ResultSpec,
} from '@timeside/core';
import { CHROMA_PARAMS, type ChromaBatch, chromaSpec } from './chroma.js';
import { KEY_NAMES, keyCorrelations } from './dsp/chroma.js';

const RESULTS = [
  { id: 'key', name: 'Key', unit: '', description: 'Global key and mode, e.g. "C major", "A minor"' },
  {
    id: 'key.confidence',
    name: 'Key confidence',
    unit: '',
    description: 'Correlation (−1 … 1) of the chroma profile with the chosen key’s profile',
  },
  {
    id: 'key.correlations',
    name: 'Key correlations',
    unit: '',
    description: 'Correlation with each of the 24 keys: C major … B major, then C minor … B minor',
  },
] as const satisfies readonly ResultSpec[];

/** Parameters of `key` (those of the `chroma` it reads). */
export type KeyParams = ParamsOf<typeof CHROMA_PARAMS>;

/** `key`: global key and mode by Krumhansl–Schmuckler key finding on the chroma. */
export class Key extends Processor<KeyParams> {
  static override readonly meta: ProcessorMeta = {
    id: 'key',
    kind: 'analyzer',
    name: 'Key',
    version: '1.0.0',
    description:
      'The global key and mode: the chroma frames (the `chroma` analyzer, same parameters, shared) are ' +
      'averaged into one 12-bin profile, correlated (Pearson) with the Krumhansl–Kessler probe-tone ' +
      'profiles of the 24 major and minor keys (C. L. Krumhansl, Cognitive Foundations of Musical Pitch, ' +
      '1990; the Krumhansl–Schmuckler algorithm), and the best one wins. `key` is a label ("C major", ' +
      '"A minor"; labelMetadata maps its index, major keys 0–11 from C, minor 12–23), `key.confidence` ' +
      'its correlation (1 would be the profile itself; a key is unclear below ≈ 0.5), and ' +
      '`key.correlations` all 24. Silence gives correlation 0 for every key. Tested: a C-major triad ' +
      'reads C major and an A-minor triad A minor.',
    params: CHROMA_PARAMS,
    requires: (p: Params): NodeSpec[] => [chromaSpec(p)],
    results: RESULTS,
  };

  readonly #sum = new Float64Array(12);

  override process(_block: AudioBlock, inputs: readonly unknown[]): void {
    const batch = inputs[0] as ChromaBatch;
    for (let f = 0; f < batch.count; f++) {
      const frame = batch.chroma[f];
      for (let j = 0; j < 12; j++) this.#sum[j] += frame[j];
    }
  }

  override finish(ctx: FinishContext): void {
    const correlations = keyCorrelations(this.#sum);
    let best = 0;
    for (let k = 1; k < 24; k++) if (correlations[k] > correlations[best]) best = k;
    const [key, confidence, all] = RESULTS;
    const labelMetadata: Record<number, string> = {};
    KEY_NAMES.forEach((name, i) => {
      labelMetadata[i] = name;
    });
    ctx.addResult({ ...key, timeMode: 'global', dataMode: 'label', label: [best], labelMetadata });
    ctx.addResult({ ...confidence, timeMode: 'global', value: correlations[best] });
    ctx.addResult({ ...all, timeMode: 'global', value: correlations });
  }
}
