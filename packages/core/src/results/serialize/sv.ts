/**
 * Sonic Visualiser layers (File > Import Annotation Layer, CSV): one file per result, no header
 * row, in the three shapes Sonic Visualiser recognises — `time,value` (a time-value layer; more
 * value columns for rows), `time,label` (instants, for events) and `time,duration,value,label`
 * (regions, for segments). Global results have no place on a time line and are not written;
 * the metadata is in the JSON, YAML or HDF5 written beside them.
 */
import { stringify } from 'csv-stringify/sync';
import type { AnalyzerResult } from '../result.js';
import { entryCount, entryTimes, formatNumber, isSingle, labelText, valueCell, valueShape } from './shape.js';

/** True for the results a Sonic Visualiser layer can show. */
export function isLayerResult(r: AnalyzerResult): boolean {
  if (r.timeMode === 'global') return false;
  if (r.timeMode === 'framewise') return r.value !== undefined || r.label !== undefined;
  return r.time !== undefined;
}

/** The CSV layer of one framewise, event or segment result. */
export function layerOf(r: AnalyzerResult): string {
  const shape = valueShape(r.value, r.id);
  const count = entryCount(r, shape);
  const times = entryTimes(r, count);
  const single = isSingle(shape);
  const cols = shape.kind === 'rows' || shape.kind === 'matrix' ? shape.cols : shape.kind === 'none' ? 0 : 1;
  const values = (i: number) =>
    Array.from({ length: cols }, (_, j) =>
      formatNumber(valueCell(r.value, shape, shape.kind === 'scalar' ? 0 : i, j), single),
    );
  const rows: string[][] = [];
  for (let i = 0; i < count; i++) {
    const t = formatNumber(times[i]);
    const label = r.label ? labelText(r, r.label[i]) : undefined;
    if (r.timeMode === 'segment') {
      const duration = formatNumber(r.duration?.[i] ?? 0);
      const value = r.label ? formatNumber(r.label[i]) : (values(i)[0] ?? '');
      rows.push([t, duration, value, label ?? '']);
    } else if (r.timeMode === 'event') {
      rows.push([t, label ?? (cols ? values(i).join(' ') : r.name)]);
    } else {
      rows.push([t, ...(r.label ? [formatNumber(r.label[i])] : values(i))]);
    }
  }
  return stringify(rows);
}
