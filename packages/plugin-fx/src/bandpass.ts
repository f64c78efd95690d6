import type { ProcessorMeta } from '@timeside/core';
import { BIQUAD_PARAMS, BiquadFx, biquadDescription } from './biquad_fx.js';

/** `bandpass`: Second-order band-pass filter with 0 dB at its centre: H(s) = (s/Q)/(s² + s/Q + 1), −3.01 dB where |1 − Ω²| = Ω/Q. */
export class Bandpass extends BiquadFx {
  static override readonly meta: ProcessorMeta = {
    id: 'bandpass',
    kind: 'fx',
    name: 'Band-pass filter',
    version: '1.0.0',
    description: biquadDescription(
      'Second-order band-pass filter with 0 dB at its centre: H(s) = (s/Q)/(s² + s/Q + 1), −3.01 dB where |1 − Ω²| = Ω/Q.',
    ),
    params: BIQUAD_PARAMS,
  };

  protected readonly type = 'bandpass';
}
