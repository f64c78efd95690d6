import { schemeTableau10 } from 'd3-scale-chromatic';

/** An RGBA color, 0–255 per component. */
export type Rgba = readonly [number, number, number, number];

/**
 * Parses a CSS hex color: `#rgb`, `#rrggbb` or `#rrggbbaa` (alpha defaults to opaque).
 * Returns undefined when `text` is not one.
 */
export function parseHexColor(text: string): Rgba | undefined {
  const m = /^#([0-9a-f]{3}|[0-9a-f]{6}|[0-9a-f]{8})$/i.exec(text.trim());
  if (!m) return undefined;
  let hex = m[1];
  if (hex.length === 3) hex = [...hex].map((d) => d + d).join('');
  if (hex.length === 6) hex += 'ff';
  return [0, 2, 4, 6].map((i) => Number.parseInt(hex.slice(i, i + 2), 16)) as unknown as Rgba;
}

/** A color as CSS `rgba()`, for the canvas. */
export function cssColor(color: Rgba, alpha = 1): string {
  return `rgba(${color[0]},${color[1]},${color[2]},${((color[3] / 255) * alpha).toFixed(4)})`;
}

/** Relative luminance (sRGB, ITU-R BT.709 weights on linearised components), 0 (black) to 1. */
export function luminance(color: Rgba): number {
  const lin = (v: number) => {
    const c = v / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(color[0]) + 0.7152 * lin(color[1]) + 0.0722 * lin(color[2]);
}

/** Colors told apart at a glance, for overlaid results and segment labels (Tableau 10, from d3). */
export const CATEGORY_COLORS: readonly string[] = schemeTableau10;

/** Overlay colours over a light waveform: warm first, away from the default blue foreground. */
export const OVERLAY_COLORS: readonly string[] = [
  '#e15759',
  '#f28e2b',
  '#59a14f',
  '#b07aa1',
  '#4e79a7',
  '#9c755f',
];

/** Overlay colours over a spectrogram: cool and bright first, away from magma's reds and yellows. */
export const SPECTROGRAM_OVERLAY_COLORS: readonly string[] = [
  '#3ee6ff',
  '#9dff5c',
  '#ffffff',
  '#ff5cf4',
  '#5c8dff',
];
