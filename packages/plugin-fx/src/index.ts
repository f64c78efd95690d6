/**
 * @timeside/plugin-fx — the fx of TimeSide-TS: processors that change the audio every processor
 * after them sees, in the pipeline's one pass. Discovered through the `timeside-plugin` manifest
 * in package.json.
 */
import { definePlugin, type ProcessorClass } from '@timeside/core';
import { Bandpass } from './bandpass.js';
import { DcRemove } from './dc_remove.js';
import { Fade } from './fade.js';
import { Gain } from './gain.js';
import { Highpass } from './highpass.js';
import { Lowpass } from './lowpass.js';
import { Normalize } from './normalize.js';
import { Remix } from './remix.js';
import { Resample } from './resample.js';

export { Bandpass } from './bandpass.js';
export { BIQUAD_PARAMS, BiquadFx, type BiquadParams } from './biquad_fx.js';
export { DcRemove, type DcRemoveParams } from './dc_remove.js';
export { type BiquadCoefficients, type BiquadType, biquadCoefficients } from './dsp/biquad.js';
export { FADE_SHAPES, type FadeShape, fadeGain } from './dsp/fade_curves.js';
export { Fade, type FadeParams } from './fade.js';
export { Gain, type GainParams } from './gain.js';
export { Highpass } from './highpass.js';
export { Lowpass } from './lowpass.js';
export { NORMALIZE_SOURCES, Normalize, type NormalizeParams } from './normalize.js';
export { Remix, type RemixParams } from './remix.js';
export { Resample, type ResampleParams } from './resample.js';

/** Every fx of this plugin, sorted by id. */
export const processors: ProcessorClass[] = [
  Bandpass,
  DcRemove,
  Fade,
  Gain,
  Highpass,
  Lowpass,
  Normalize,
  Remix,
  Resample,
];

export default definePlugin({ name: '@timeside/plugin-fx', processors });
