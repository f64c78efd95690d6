import { type AnalyzerResult, isMatrix, type Matrix } from '@timeside/core';
import type { Rect } from './axes.js';
import { CATEGORY_COLORS } from './color.js';
import { colormapLut } from './colormap.js';
import type { FrequencyScale } from './scale.js';
import { drawRaster, type Surface } from './surface.js';

/** True for a result a grapher can draw: framewise values, events or segments. */
export function isPlottable(result: AnalyzerResult): boolean {
  if (result.timeMode === 'event' || result.timeMode === 'segment') return result.time !== undefined;
  if (result.timeMode === 'framewise') {
    return result.frame !== undefined && result.value !== undefined && typeof result.value !== 'number';
  }
  return false;
}

/** A 1-D series of a framewise value, or undefined when it has several columns. */
function series(value: AnalyzerResult['value']): ArrayLike<number> | undefined {
  if (value === undefined || typeof value === 'number') return undefined;
  if (isMatrix(value)) return value.cols === 1 ? value.data : undefined;
  if (value.length > 0 && Array.isArray(value[0])) {
    const rows = value as number[][];
    return rows[0].length === 1 ? rows.map((r) => r[0]) : undefined;
  }
  return value as ArrayLike<number>;
}

function asMatrix(value: AnalyzerResult['value']): Matrix | undefined {
  if (value === undefined || typeof value === 'number') return undefined;
  if (isMatrix(value)) return value;
  if (value.length > 0 && Array.isArray(value[0])) {
    const rows = value as number[][];
    const cols = rows[0].length;
    const data = new Float32Array(rows.length * cols);
    rows.forEach((r, i) => {
      data.set(r, i * cols);
    });
    return { rows: rows.length, cols, data };
  }
  return undefined;
}

/**
 * Draws a result into `area` over a span of `durationS` seconds, in `color`: a framewise series as
 * a line (with its min–max band where several frames share a pixel; on the frequency axis `scale`
 * when its unit is Hz, else over its own range), a framewise matrix as a heat map, events as
 * markers, segments as bands (coloured by label in label mode).
 */
export function drawResult(
  surface: Surface,
  result: AnalyzerResult,
  area: Rect,
  durationS: number,
  color: string,
  scale?: FrequencyScale,
): void {
  if (!(durationS > 0)) return;
  const xOf = (t: number) => area.x + (t / durationS) * area.width;
  const { ctx } = surface;
  ctx.save();
  if (result.timeMode === 'event' && result.time) {
    ctx.strokeStyle = color;
    ctx.fillStyle = color;
    ctx.lineWidth = 1.5;
    for (const t of result.time) {
      const x = xOf(t);
      ctx.beginPath();
      ctx.moveTo(x, area.y);
      ctx.lineTo(x, area.y + area.height);
      ctx.stroke();
      ctx.beginPath();
      ctx.moveTo(x - 4, area.y);
      ctx.lineTo(x + 4, area.y);
      ctx.lineTo(x, area.y + 6);
      ctx.closePath();
      ctx.fill();
    }
  } else if (result.timeMode === 'segment' && result.time) {
    const durations = result.duration;
    result.time.forEach((t, i) => {
      const x0 = xOf(t);
      const x1 = xOf(t + (durations?.[i] ?? 0));
      const c = result.label ? CATEGORY_COLORS[result.label[i] % CATEGORY_COLORS.length] : color;
      ctx.globalAlpha = 0.3;
      ctx.fillStyle = c;
      ctx.fillRect(x0, area.y, Math.max(1, x1 - x0), area.height);
      ctx.globalAlpha = 0.9;
      ctx.fillRect(x0, area.y, 1, area.height);
    });
  } else if (result.timeMode === 'framewise' && result.frame) {
    const stepS = result.frame.hop / result.frame.sampleRate;
    const values = series(result.value);
    if (values)
      drawSeries(surface, values, stepS, area, xOf, color, result.unit === 'Hz' ? scale : undefined);
    else {
      const matrix = asMatrix(result.value);
      if (matrix) drawHeatMap(surface, matrix, stepS, durationS, area);
    }
  }
  ctx.restore();
}

function drawSeries(
  surface: Surface,
  values: ArrayLike<number>,
  stepS: number,
  area: Rect,
  xOf: (t: number) => number,
  color: string,
  scale: FrequencyScale | undefined,
): void {
  const valid = (v: number) => Number.isFinite(v) && (!scale || v > 0);
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (valid(v)) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (lo > hi) return;
  if (lo === hi) {
    lo -= 1;
    hi += 1;
  }
  const pad = 0.06 * (hi - lo);
  const bottom = area.y + area.height;
  const yOf = scale
    ? (v: number) => bottom - scale.toUnit(v) * area.height
    : (v: number) => bottom - ((v - lo + pad) / (hi - lo + 2 * pad)) * area.height;

  // Several frames per device pixel: one point per pixel (mean), and the min–max band behind it.
  const columns = Math.max(1, Math.round(area.width * surface.rasterDensity));
  const pointX: number[] = [];
  const pointY: number[] = [];
  const bandTop: number[] = [];
  const bandBottom: number[] = [];
  if (values.length > columns) {
    const sum = new Float64Array(columns);
    const count = new Uint32Array(columns);
    const min = new Float64Array(columns).fill(Number.POSITIVE_INFINITY);
    const max = new Float64Array(columns).fill(Number.NEGATIVE_INFINITY);
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      const c = Math.floor(((xOf(i * stepS) - area.x) / area.width) * columns);
      if (c < 0 || c >= columns) continue;
      if (!valid(v)) continue;
      sum[c] += v;
      count[c]++;
      if (v < min[c]) min[c] = v;
      if (v > max[c]) max[c] = v;
    }
    for (let c = 0; c < columns; c++) {
      const x = area.x + ((c + 0.5) / columns) * area.width;
      pointX.push(x);
      pointY.push(count[c] > 0 ? yOf(sum[c] / count[c]) : Number.NaN);
      bandTop.push(count[c] > 0 ? yOf(max[c]) : Number.NaN);
      bandBottom.push(count[c] > 0 ? yOf(min[c]) : Number.NaN);
    }
  } else {
    for (let i = 0; i < values.length; i++) {
      pointX.push(xOf(i * stepS));
      pointY.push(valid(values[i]) ? yOf(values[i]) : Number.NaN);
    }
  }
  const { ctx } = surface;
  if (bandTop.length) {
    ctx.globalAlpha = 0.3;
    ctx.fillStyle = color;
    const w = area.width / bandTop.length;
    for (let c = 0; c < bandTop.length; c++) {
      if (Number.isNaN(bandTop[c])) continue;
      ctx.fillRect(pointX[c] - w / 2, bandTop[c], w, Math.max(0, bandBottom[c] - bandTop[c]));
    }
    ctx.globalAlpha = 1;
  }
  ctx.beginPath();
  let drawing = false;
  for (let i = 0; i < pointX.length; i++) {
    if (Number.isNaN(pointY[i])) {
      drawing = false;
      continue;
    }
    if (drawing) ctx.lineTo(pointX[i], pointY[i]);
    else {
      ctx.moveTo(pointX[i], pointY[i]);
      // A lone point between gaps is still seen.
      ctx.lineTo(pointX[i] + 0.01, pointY[i]);
      drawing = true;
    }
  }
  ctx.lineJoin = 'round';
  ctx.lineCap = 'round';
  ctx.strokeStyle = 'rgba(0,0,0,0.45)';
  ctx.lineWidth = 3.5;
  ctx.stroke();
  ctx.strokeStyle = color;
  ctx.lineWidth = 1.75;
  ctx.stroke();
}

/** A framewise matrix (frames × coefficients) as a viridis heat map, coefficient 0 at the bottom. */
function drawHeatMap(surface: Surface, matrix: Matrix, stepS: number, durationS: number, area: Rect): void {
  const { rows: frames, cols, data } = matrix;
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (Number.isFinite(v)) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (lo > hi || frames === 0) return;
  const span = hi > lo ? hi - lo : 1;
  const columns = Math.max(1, Math.round(area.width * surface.rasterDensity));
  const lut = colormapLut('viridis');
  const rgba = new Uint8ClampedArray(columns * cols * 4);
  for (let x = 0; x < columns; x++) {
    const frame = Math.min(frames - 1, Math.floor((((x + 0.5) / columns) * durationS) / stepS));
    for (let k = 0; k < cols; k++) {
      const v = data[frame * cols + k];
      const level = Number.isFinite(v) ? Math.round((255 * (v - lo)) / span) : 0;
      const o = ((cols - 1 - k) * columns + x) * 4;
      rgba[o] = lut[3 * level];
      rgba[o + 1] = lut[3 * level + 1];
      rgba[o + 2] = lut[3 * level + 2];
      rgba[o + 3] = 255;
    }
  }
  drawRaster(surface, rgba, columns, cols, area.x, area.y, area.width, area.height);
}
