import type { SKRSContext2D } from '@napi-rs/canvas';
import type { FrequencyScale } from './scale.js';

/** A rectangle in CSS pixels. */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Room for the time labels under the plot and the frequency labels left of it (CSS px). */
const BOTTOM_MARGIN = 18;
const LEFT_MARGIN = 40;
const FONT = '10px sans-serif';

/**
 * The plot's rectangle in an image: all of it without axes; with axes, less a strip at the bottom
 * for time labels and, when `withFrequency`, one at the left for frequency labels.
 */
export function plotArea(width: number, height: number, axes: boolean, withFrequency: boolean): Rect {
  if (!axes) return { x: 0, y: 0, width, height };
  const left = withFrequency ? Math.min(LEFT_MARGIN, Math.floor(width / 4)) : 0;
  const bottom = Math.min(BOTTOM_MARGIN, Math.floor(height / 4));
  return { x: left, y: 0, width: width - left, height: height - bottom };
}

const TIME_STEPS_S = [
  0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800,
  3600, 7200,
];

/** Tick times (s) at least `minSpacingPx` apart on a plot `widthPx` wide showing `durationS`. */
export function timeTicks(durationS: number, widthPx: number, minSpacingPx = 70): number[] {
  if (!(durationS > 0) || widthPx <= 0) return [];
  const step = TIME_STEPS_S.find((s) => (s / durationS) * widthPx >= minSpacingPx) ?? TIME_STEPS_S.at(-1)!;
  const ticks: number[] = [];
  for (let i = 0; i * step <= durationS + 1e-9; i++) ticks.push(Number((i * step).toFixed(6)));
  return ticks;
}

/** `0:05`, `1:30`, `1:02:03` from a minute on, else `0.25 s` / `2 s`. */
export function formatTime(seconds: number, durationS: number): string {
  if (durationS < 60) return `${Number(seconds.toPrecision(6))} s`;
  const total = Math.round(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** `500`, `1k`, `2.5k`, `20k` (Hz). */
export function formatHz(freqHz: number): string {
  return freqHz >= 1000 ? `${Number((freqHz / 1000).toPrecision(3))}k` : `${Math.round(freqHz)}`;
}

/** 0 for a power of ten, 1 for 2·10ⁿ, 2 for 5·10ⁿ. */
function rank(freqHz: number): number {
  const leading = Math.round(freqHz / 10 ** Math.floor(Math.log10(freqHz)));
  return leading === 1 ? 0 : leading === 2 ? 1 : 2;
}

/** Frequencies to label on a scale, at least `minSpacingPx` apart on an axis `heightPx` tall. */
export function frequencyTicks(scale: FrequencyScale, heightPx: number, minSpacingPx = 22): number[] {
  const candidates: number[] = [];
  if (scale.kind === 'linear') {
    const span = scale.maxHz - scale.minHz;
    const raw = (span * minSpacingPx) / Math.max(1, heightPx);
    const magnitude = 10 ** Math.floor(Math.log10(raw));
    const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude;
    for (let f = Math.ceil(scale.minHz / step) * step; f <= scale.maxHz; f += step) candidates.push(f);
  } else {
    // From 10 Hz on a log axis (below it nothing is worth a label); from 100 Hz on a mel axis,
    // which is nearly linear down there: 10 Hz would sit on the bottom edge and crowd out 100 Hz.
    for (let decade = scale.kind === 'mel' ? 100 : 10; decade <= 100000; decade *= 10) {
      for (const m of [1, 2, 5]) candidates.push(m * decade);
    }
  }
  // Decades first, then 2× and 5× where they fit: 100 and 1k are labelled before 200 or 500.
  const priority = scale.kind === 'linear' ? candidates : [...candidates].sort((a, b) => rank(a) - rank(b));
  const ticks: number[] = [];
  for (const f of priority) {
    if (f < scale.minHz || f > scale.maxHz) continue;
    const y = scale.toUnit(f) * heightPx;
    if (ticks.every((t) => Math.abs(scale.toUnit(t) * heightPx - y) >= minSpacingPx)) ticks.push(f);
  }
  ticks.sort((a, b) => a - b);
  return ticks;
}

/**
 * Draws time ticks and labels under `area` and, with a scale, frequency labels at its left, in
 * `color` (a CSS color).
 */
export function drawAxes(
  ctx: SKRSContext2D,
  area: Rect,
  durationS: number,
  color: string,
  frequency?: FrequencyScale,
): void {
  ctx.save();
  ctx.font = FONT;
  ctx.fillStyle = color;
  ctx.strokeStyle = color;
  ctx.lineWidth = 1;
  const bottom = area.y + area.height;
  ctx.textBaseline = 'top';
  const ticks = timeTicks(durationS, area.width);
  for (const t of ticks) {
    const x = area.x + (t / durationS) * area.width;
    const px = Math.round(x) + 0.5;
    ctx.beginPath();
    ctx.moveTo(px, bottom);
    ctx.lineTo(px, bottom + 4);
    ctx.stroke();
    const label = formatTime(t, durationS);
    const w = ctx.measureText(label).width;
    ctx.textAlign = x - w / 2 < area.x ? 'left' : x + w / 2 > area.x + area.width ? 'right' : 'center';
    ctx.fillText(label, x, bottom + 5);
  }
  if (frequency) {
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (const f of frequencyTicks(frequency, area.height)) {
      const y = bottom - frequency.toUnit(f) * area.height;
      const py = Math.round(y) + 0.5;
      ctx.beginPath();
      ctx.moveTo(area.x - 4, py);
      ctx.lineTo(area.x, py);
      ctx.stroke();
      ctx.fillText(formatHz(f), area.x - 6, Math.min(bottom - 5, Math.max(area.y + 5, y)));
    }
  }
  ctx.restore();
}
