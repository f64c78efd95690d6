/** Ruler steps in seconds: each label a round number at any zoom, from milliseconds to hours. */
const STEPS = [
  0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800,
  3600, 7200,
];

/** The smallest ruler step (seconds) whose ticks are at least `minPx` apart at `pxPerSecond`. */
export function rulerStep(pxPerSecond: number, minPx = 80): number {
  for (const s of STEPS) if (s * pxPerSecond >= minPx) return s;
  return STEPS[STEPS.length - 1];
}

/**
 * `seconds` as `m:ss` (or `h:mm:ss`), with as many decimals as `step` needs (0 for whole
 * seconds, up to 3 for milliseconds).
 */
export function formatTime(seconds: number, step = 1): string {
  if (!Number.isFinite(seconds)) return '–:––';
  const decimals = step >= 1 ? 0 : step >= 0.1 ? 1 : step >= 0.01 ? 2 : 3;
  const sign = seconds < 0 ? '-' : '';
  const total = Math.abs(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  let ss = s.toFixed(decimals);
  // toFixed may round 59.96 up to "60.0": carry is not worth it at these sizes, clamp instead.
  if (Number.parseFloat(ss) >= 60) ss = (60 - 10 ** -decimals).toFixed(decimals);
  const [whole, frac] = ss.split('.');
  const sec = whole.padStart(2, '0') + (frac ? `.${frac}` : '');
  return h > 0 ? `${sign}${h}:${String(m).padStart(2, '0')}:${sec}` : `${sign}${m}:${sec}`;
}
