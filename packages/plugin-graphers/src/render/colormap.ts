import {
  interpolateInferno,
  interpolateMagma,
  interpolatePlasma,
  interpolateTurbo,
  interpolateViridis,
} from 'd3-scale-chromatic';
import { parseHexColor, type Rgba } from './color.js';

/** Colour maps offered by the graphers: the perceptually uniform maps of matplotlib, and turbo. */
export const COLORMAPS = ['magma', 'viridis', 'inferno', 'plasma', 'turbo', 'grey'] as const;
/** A colour map's name. */
export type ColormapName = (typeof COLORMAPS)[number];

const INTERPOLATORS: Record<Exclude<ColormapName, 'grey'>, (t: number) => string> = {
  magma: interpolateMagma,
  viridis: interpolateViridis,
  inferno: interpolateInferno,
  plasma: interpolatePlasma,
  turbo: interpolateTurbo,
};

/** d3's interpolators return `#rrggbb` or `rgb(r, g, b)`. */
function parseCss(text: string): Rgba {
  const hex = parseHexColor(text);
  if (hex) return hex;
  const m = /rgb\((\d+),\s*(\d+),\s*(\d+)\)/.exec(text);
  if (!m) throw new Error(`unexpected colour "${text}"`);
  return [Number(m[1]), Number(m[2]), Number(m[3]), 255];
}

const cache = new Map<ColormapName, Uint8Array>();

/**
 * A colour map sampled at 256 levels, as packed RGB (`lut[3·i]`…): level 0 is the low end (dark
 * for magma, viridis, inferno and plasma, whose lightness grows monotonically with the level).
 */
export function colormapLut(name: ColormapName): Uint8Array {
  let lut = cache.get(name);
  if (!lut) {
    lut = new Uint8Array(256 * 3);
    for (let i = 0; i < 256; i++) {
      const [r, g, b] = name === 'grey' ? [i, i, i] : parseCss(INTERPOLATORS[name](i / 255));
      lut[3 * i] = r;
      lut[3 * i + 1] = g;
      lut[3 * i + 2] = b;
    }
    cache.set(name, lut);
  }
  return lut;
}

/** The colour of level `t` ∈ [0, 1] (clipped) of a map, as a CSS `rgb()` string. */
export function colormapCss(name: ColormapName, t: number): string {
  const lut = colormapLut(name);
  const i = 3 * Math.round(255 * Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)));
  return `rgb(${lut[i]},${lut[i + 1]},${lut[i + 2]})`;
}
