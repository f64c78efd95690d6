import type { ProcessorMeta } from '@timeside/core';
import { BIQUAD_PARAMS, BiquadFx, biquadDescription } from './biquad_fx.js';

/** `lowpass`: Second-order low-pass filter: H(s) = 1/(s² + s/Q + 1); with the default Q = 1/√2 the gain at `frequency` is −3.01 dB. */
export class Lowpass extends BiquadFx {
  static override readonly meta: ProcessorMeta = {
    id: 'lowpass',
    kind: 'fx',
    name: 'Low-pass filter',
    version: '1.0.0',
    description: biquadDescription(
      'Second-order low-pass filter: H(s) = 1/(s² + s/Q + 1); with the default Q = 1/√2 the gain at `frequency` is −3.01 dB.',
    ),
    params: BIQUAD_PARAMS,
  };

  protected readonly type = 'lowpass';
}
