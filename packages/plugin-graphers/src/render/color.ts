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

/** Fills every pixel of an RGBA image with `color`. */
export function fillImage(rgba: Uint8Array, color: Rgba): void {
  for (let o = 0; o < rgba.length; o += 4) {
    rgba[o] = color[0];
    rgba[o + 1] = color[1];
    rgba[o + 2] = color[2];
    rgba[o + 3] = color[3];
  }
}

/**
 * The row of amplitude `value` in a lane `height` pixels tall: +1 at the top row, −1 at the bottom
 * row, 0 at the middle; values outside [−1, 1] are clipped to the lane.
 */
export function amplitudeRow(value: number, height: number): number {
  const v = Math.min(1, Math.max(-1, value));
  return Math.round(((1 - v) * (height - 1)) / 2);
}

/**
 * Draws a min/max envelope into a lane of an RGBA image `imageWidth` pixels wide: column x is
 * painted from the row of `max[x]` down to the row of `min[x]` (at least one pixel, so silence
 * draws the center line).
 */
export function drawEnvelope(
  rgba: Uint8Array,
  imageWidth: number,
  laneTop: number,
  laneHeight: number,
  min: Float32Array,
  max: Float32Array,
  color: Rgba,
): void {
  const columns = Math.min(imageWidth, min.length);
  for (let x = 0; x < columns; x++) {
    const top = amplitudeRow(max[x], laneHeight);
    const bottom = amplitudeRow(min[x], laneHeight);
    for (let y = Math.min(top, bottom); y <= Math.max(top, bottom); y++) {
      const o = ((laneTop + y) * imageWidth + x) * 4;
      rgba[o] = color[0];
      rgba[o + 1] = color[1];
      rgba[o + 2] = color[2];
      rgba[o + 3] = color[3];
    }
  }
}
