/** Stable-pitch segments: runs of consecutive voiced frames whose f0 stays close to the run's mean. */
export interface PitchSegments {
  /** Index of each segment's first frame. */
  firstFrame: Int32Array;
  /** Number of frames of each segment. */
  frameCount: Int32Array;
  /** Median f0 of each segment, Hz. */
  medianHz: Float32Array;
}

/** Median of `values`, sorting them in place; NaN when empty. */
export function medianInPlace(values: Float32Array | Float64Array): number {
  const n = values.length;
  if (n === 0) return Number.NaN;
  values.sort();
  const mid = n >> 1;
  return n % 2 === 1 ? values[mid] : 0.5 * (values[mid - 1] + values[mid]);
}

/**
 * Groups a framewise f0 track (NaN = unvoiced) into stable-pitch segments: a segment grows while
 * frames are voiced and within ±`toleranceCents` of the mean pitch (in cents) of the frames it
 * already holds; an unvoiced frame or a larger jump ends it. Segments shorter than `minFrames`
 * are dropped. The running mean, rather than the previous frame, keeps a slow glide from being
 * chained into one segment.
 */
export function groupStablePitch(f0: Float32Array, toleranceCents: number, minFrames: number): PitchSegments {
  const first: number[] = [];
  const count: number[] = [];
  const medians: number[] = [];
  const scratch = new Float32Array(f0.length);
  let start = -1;
  let sumLog2 = 0;
  const close = (end: number) => {
    if (start >= 0 && end - start >= Math.max(1, minFrames)) {
      const slice = scratch.subarray(0, end - start);
      slice.set(f0.subarray(start, end));
      first.push(start);
      count.push(end - start);
      medians.push(medianInPlace(slice));
    }
    start = -1;
  };
  for (let i = 0; i < f0.length; i++) {
    const hz = f0[i];
    if (!(hz > 0)) {
      close(i);
      continue;
    }
    const log2 = Math.log2(hz);
    if (start >= 0 && Math.abs(1200 * (log2 - sumLog2 / (i - start))) > toleranceCents) close(i);
    if (start < 0) {
      start = i;
      sumLog2 = 0;
    }
    sumLog2 += log2;
  }
  close(f0.length);
  return {
    firstFrame: Int32Array.from(first),
    frameCount: Int32Array.from(count),
    medianHz: Float32Array.from(medians),
  };
}
