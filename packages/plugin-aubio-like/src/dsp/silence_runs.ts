/** Runs of equal labels over frames: run i covers frames [start[i], start[i+1]), the last up to `frames`. */
export interface LabelRuns {
  start: number[];
  label: number[];
}

/**
 * Relabels every run of `label` shorter than `minFrames` as `otherLabel` and merges the runs that
 * become neighbours with the same label. Returns new runs; the input is left as it is.
 */
export function dropShortRuns(
  runs: LabelRuns,
  frames: number,
  label: number,
  otherLabel: number,
  minFrames: number,
): LabelRuns {
  const out: LabelRuns = { start: [], label: [] };
  for (let i = 0; i < runs.start.length; i++) {
    const end = i + 1 < runs.start.length ? runs.start[i + 1] : frames;
    const value = runs.label[i] === label && end - runs.start[i] < minFrames ? otherLabel : runs.label[i];
    if (out.label.length > 0 && out.label[out.label.length - 1] === value) continue;
    out.start.push(runs.start[i]);
    out.label.push(value);
  }
  return out;
}
