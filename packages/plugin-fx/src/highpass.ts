import type { ProcessorMeta } from '@timeside/core';
import { BIQUAD_PARAMS, BiquadFx, biquadDescription } from './biquad_fx.js';

/** `highpass`: Second-order high-pass filter: H(s) = s²/(s² + s/Q + 1); with the default Q = 1/√2 the gain at `frequency` is −3.01 dB. */
export class Highpass extends BiquadFx {
  static override readonly meta: ProcessorMeta = {
    id: 'highpass',
    kind: 'fx',
    name: 'High-pass filter',
    version: '1.0.0',
    description: biquadDescription(
      'Second-order high-pass filter: H(s) = s²/(s² + s/Q + 1); with the default Q = 1/√2 the gain at `frequency` is −3.01 dB.',
    ),
    params: BIQUAD_PARAMS,
  };

  protected readonly type = 'highpass';
}
