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
  /**
   * NaN and ±Infinity samples the decoder replaced by 0 (docs/decoding.md, "Non-finite
   * samples"); absent when there were none.
   */
  nonFiniteSamples?: number;
  /**
   * NaN and ±Infinity samples the fx chain emitted (a gain that overflows float32) and the
   * pipeline replaced by 0 before the analyzers, graphers and encoders; absent when there were none.
   */
  fxNonFiniteSamples?: number;
}

/** Framing of a framewise result: frame i starts at sample i·hop (time i·hop / sampleRate). */
export interface FrameInfo {
  sampleRate: number;
  size: number;
  hop: number;
}

/**
 * A 2-D value stored row-major in one typed array: row i is data[i·cols … (i+1)·cols). Used for
 * large framewise rows (spectrogram frames × bins, MFCC frames × coefficients) so they cost
 * 4 bytes a number and no array per row.
 */
export interface Matrix {
  rows: number;
  cols: number;
  data: Float32Array | Float64Array;
}

/** A value: one number, a vector, or a 2-D array (one row per frame/event) as rows or a Matrix. */
export type ResultValue = number | Float32Array | Float64Array | number[] | number[][] | Matrix;

/** True when a value is the typed 2-D form. */
export function isMatrix(value: unknown): value is Matrix {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !ArrayBuffer.isView(value) &&
    typeof (value as Matrix).rows === 'number' &&
    typeof (value as Matrix).cols === 'number' &&
    ArrayBuffer.isView((value as Matrix).data)
  );
}

/** Row i of a Matrix, as a view (no copy). */
export function matrixRow(matrix: Matrix, i: number): Float32Array | Float64Array {
  return matrix.data.subarray(i * matrix.cols, (i + 1) * matrix.cols);
}

/** Any 2-D value (Matrix or rows) as number[][]; a vector becomes one column. For tests and exports. */
export function resultRows(value: ResultValue | undefined): number[][] {
  if (value === undefined) return [];
  if (typeof value === 'number') return [[value]];
  if (isMatrix(value)) return Array.from({ length: value.rows }, (_, i) => Array.from(matrixRow(value, i)));
  if (Array.isArray(value) && value.length > 0 && Array.isArray(value[0])) return value as number[][];
  return Array.from(value as ArrayLike<number>, (v) => [v]);
}

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
  if (isMatrix(value)) return value.rows;
  return value.length;
}
