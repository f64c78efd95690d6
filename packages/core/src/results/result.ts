/** Analyzer results, after the original TimeSide's `AnalyzerResult` (DESIGN.md §5). */

export type TimeMode = 'global' | 'event' | 'segment' | 'framewise';
export type DataMode = 'value' | 'label';

/** The audio a result was computed on. Times in seconds. */
export interface AudioInfo {
  uri: string;
  start: number;
  duration: number;
  sampleRate: number;
  channels: number;
}

/** Framing of a framewise result: frame i starts at sample i·hop (time i·hop / sampleRate). */
export interface FrameInfo {
  sampleRate: number;
  size: number;
  hop: number;
}

/** A value: one number, a vector, or a 2-D array (one row per frame/event). */
export type ResultValue = number | Float32Array | Float64Array | number[] | number[][];

export interface AnalyzerResult {
  /** Result id, e.g. 'level.max', 'pitch.f0', 'onsets'. */
  id: string;
  name: string;
  unit: string;
  description: string;
  processor: { id: string; version: string; params: Record<string, unknown> };
  audio: AudioInfo;
  timeMode: TimeMode;
  dataMode: DataMode;
  frame?: FrameInfo;
  value?: ResultValue;
  label?: number[];
  labelMetadata?: Record<number, string>;
  /** Event or segment start times (s). */
  time?: Float64Array;
  /** Segment durations (s). */
  duration?: Float64Array;
}

/** Times (s) of each entry of a framewise result: frame i starts at i·hop / sampleRate. */
export function frameTimes(result: AnalyzerResult): Float64Array {
  if (result.timeMode !== 'framewise' || !result.frame) return result.time ?? new Float64Array(0);
  const count = rowCount(result.value);
  const times = new Float64Array(count);
  const step = result.frame.hop / result.frame.sampleRate;
  for (let i = 0; i < count; i++) times[i] = i * step;
  return times;
}

/** Number of rows (frames, events) of a value. */
export function rowCount(value: ResultValue | undefined): number {
  if (value === undefined) return 0;
  if (typeof value === 'number') return 1;
  return value.length;
}
