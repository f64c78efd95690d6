import type { Params } from '../processor/params.js';
import type { NodeSpec } from '../processor/processor.js';
import { Stft } from './stft.js';
import { WINDOW_NAMES, type WindowName } from './window.js';

/** FFT sizes the `stft` adapter accepts (powers of two), the default enum of `stftParams`. */
export const STFT_FFT_SIZES = [64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768] as const;

/**
 * The `fftSize`, `hopSize` and `window` parameter specs of a processor that reads the shared STFT.
 * A type alias, not an interface, so that it is assignable to `ParamSchema` (an index signature).
 */
export type StftParamSpecs = {
  fftSize: { type: 'integer'; default: number; enum: readonly number[]; description: string };
  hopSize: { type: 'integer'; default: number; minimum: number; description: string };
  window: { type: 'string'; default: WindowName; enum: typeof WINDOW_NAMES; description: string };
};

/** Options of `stftParams`; each omitted one takes the `stft` adapter's own value. */
export interface StftParamOptions<WithWindow extends boolean = boolean> {
  /** Default FFT size (2048). */
  fftSize?: number;
  /** FFT sizes offered (STFT_FFT_SIZES); a processor may offer fewer. */
  fftSizes?: readonly number[];
  /** Default hop size (512). */
  hopSize?: number;
  /** Default window ('hann'). */
  window?: WindowName;
  /** false: no `window` parameter, for a processor fixed to one window (see `stftSpec`). */
  withWindow?: WithWindow;
  /** Descriptions in place of the adapter's, for wording specific to the processor. */
  descriptions?: { fftSize?: string; hopSize?: string; window?: string };
}

/**
 * The `fftSize`, `hopSize` and `window` entries of a processor's parameter schema, shaped as the
 * `stft` adapter declares them, so that a processor passing them on (see `stftSpec`) accepts
 * exactly what the adapter accepts. Spread it into a schema declared `as const`; `ParamsOf`
 * infers `window` as a `WindowName`. With `withWindow: false` the `window` entry is left out.
 */
export function stftParams<WithWindow extends boolean = true>(
  options: StftParamOptions<WithWindow> = {},
): WithWindow extends false ? Omit<StftParamSpecs, 'window'> : StftParamSpecs {
  const { fftSize = 2048, fftSizes = STFT_FFT_SIZES, hopSize = 512, window = 'hann' } = options;
  const descriptions = options.descriptions ?? {};
  const specs: Partial<StftParamSpecs> = {
    fftSize: {
      type: 'integer',
      default: fftSize,
      enum: fftSizes,
      description: descriptions.fftSize ?? 'FFT and frame size in samples (a power of two)',
    },
    hopSize: {
      type: 'integer',
      default: hopSize,
      minimum: 1,
      description: descriptions.hopSize ?? 'Step between frames in samples',
    },
  };
  if (options.withWindow !== false) {
    specs.window = {
      type: 'string',
      default: window,
      enum: WINDOW_NAMES,
      description: descriptions.window ?? 'Window function',
    };
  }
  return specs as WithWindow extends false ? Omit<StftParamSpecs, 'window'> : StftParamSpecs;
}

/**
 * The `stft` node a processor requires, from its validated params (`requires: (p) =>
 * [stftSpec(p)]`): their `fftSize`, `hopSize` and `window` (the Hann window when the processor has
 * no `window` parameter). Every consumer asking with the same values shares one FFT per frame.
 */
export function stftSpec(params: Params): NodeSpec {
  const { fftSize, hopSize, window = 'hann' } = params;
  return { processor: Stft, params: { fftSize, hopSize, window } };
}
