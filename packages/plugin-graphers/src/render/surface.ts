import { createCanvas, type SKRSContext2D, SvgExportFlag } from '@napi-rs/canvas';

/** Image formats the graphers write. */
export const IMAGE_FORMATS = ['png', 'svg'] as const;
/** An image format. */
export type ImageFormat = (typeof IMAGE_FORMATS)[number];

/** A 2-D drawing surface in CSS pixels, whatever the format and pixel density. */
export interface Surface {
  ctx: SKRSContext2D;
  /** Size in CSS pixels. */
  width: number;
  height: number;
  /** Device pixels per CSS pixel (1 for SVG, whose rasters are still drawn at `rasterDensity`). */
  density: number;
  /** Device pixels per CSS pixel for embedded rasters (spectrograms, heat maps). */
  rasterDensity: number;
  /** The encoded file. */
  encode(): Promise<Buffer>;
}

/**
 * A Skia surface (`@napi-rs/canvas`): PNG at `density` device pixels per CSS pixel, or SVG of
 * `width` × `height` user units where rasters are embedded as PNG at that density.
 */
export function createSurface(format: ImageFormat, width: number, height: number, density: number): Surface {
  if (format === 'svg') {
    // Text stays <text> (not converted to paths): a browser renders it with its own fonts.
    const canvas = createCanvas(width, height, SvgExportFlag.RelativePathEncoding);
    const ctx = canvas.getContext('2d');
    return {
      ctx,
      width,
      height,
      density: 1,
      rasterDensity: density,
      encode: async () => canvas.getContent(),
    };
  }
  const canvas = createCanvas(Math.round(width * density), Math.round(height * density));
  const ctx = canvas.getContext('2d');
  ctx.scale(density, density);
  return {
    ctx,
    width,
    height,
    density,
    rasterDensity: density,
    encode: () => canvas.encode('png'),
  };
}

/**
 * Draws an RGBA raster (`columns` × `rows` device pixels, row 0 on top) over the rectangle
 * (x, y, w, h) in CSS pixels, pixel for pixel when the raster has the surface's density.
 */
export function drawRaster(
  surface: Surface,
  rgba: Uint8ClampedArray,
  columns: number,
  rows: number,
  x: number,
  y: number,
  w: number,
  h: number,
): void {
  const raster = createCanvas(columns, rows);
  const rctx = raster.getContext('2d');
  const image = rctx.createImageData(columns, rows);
  image.data.set(rgba);
  rctx.putImageData(image, 0, 0);
  surface.ctx.imageSmoothingEnabled = true;
  surface.ctx.imageSmoothingQuality = 'high';
  surface.ctx.drawImage(raster, x, y, w, h);
}
