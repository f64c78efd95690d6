/** Zeroth-order modified Bessel function of the first kind, by its power series. */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const half = x / 2;
  for (let k = 1; k < 64; k++) {
    term *= (half / k) ** 2;
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

/**
 * A Kaiser-windowed sinc low-pass kernel for band-limited interpolation (J. O. Smith, "Digital
 * Audio Resampling", the windowed-sinc table method), tabulated on one side: `table[j]` is
 * h(j / oversample) in input samples, for 0 ≤ j ≤ halfWidth·oversample (h is even; zero beyond).
 * h(x) = 2·fc·sinc(2·fc·x)·w(x), fc the cutoff in cycles per input sample, so Σ h(n + φ) ≈ 1 (unit
 * gain at DC).
 */
export interface SincKernel {
  table: Float64Array;
  /** Table points per input sample. */
  oversample: number;
  /** Half length of the kernel, in input samples. */
  halfWidth: number;
}

/** Builds the kernel: `zeroCrossings` zero crossings of the sinc on each side, Kaiser β `beta`. */
export function sincKernel(
  cutoff: number,
  zeroCrossings: number,
  beta: number,
  oversample = 512,
): SincKernel {
  const halfWidth = zeroCrossings / (2 * cutoff);
  const points = Math.ceil(halfWidth * oversample) + 2;
  const table = new Float64Array(points);
  const norm = besselI0(beta);
  for (let j = 0; j < points; j++) {
    const x = j / oversample;
    if (x >= halfWidth) break;
    const arg = 2 * cutoff * x;
    const sinc = arg === 0 ? 1 : Math.sin(Math.PI * arg) / (Math.PI * arg);
    const r = x / halfWidth;
    table[j] = 2 * cutoff * sinc * (besselI0(beta * Math.sqrt(1 - r * r)) / norm);
  }
  return { table, oversample, halfWidth };
}

/** h(x) by linear interpolation in the table (0 outside the kernel). */
export function kernelAt(kernel: SincKernel, x: number): number {
  const position = Math.abs(x) * kernel.oversample;
  const j = Math.floor(position);
  const table = kernel.table;
  if (j + 1 >= table.length) return 0;
  const frac = position - j;
  return table[j] + frac * (table[j + 1] - table[j]);
}
