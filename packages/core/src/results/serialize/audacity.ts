/**
 * Audacity label tracks: one text file per event or segment result, one line per label,
 * `start<TAB>end<TAB>text` in seconds (File > Import > Labels). An event is a point label
 * (start = end). The text is the label's name, the value, or the result's name. Audacity's
 * format has no place for metadata: it is in the JSON, YAML or HDF5 written beside it.
 */
import type { AnalyzerResult } from '../result.js';
import { formatNumber, isSingle, labelText, valueCell, valueShape } from './shape.js';

/** True for the results a label track can show. */
export function isLabelTrackResult(r: AnalyzerResult): boolean {
  return (r.timeMode === 'event' || r.timeMode === 'segment') && r.time !== undefined;
}

/** The label track of one event or segment result. */
export function labelTrackOf(r: AnalyzerResult): string {
  const shape = valueShape(r.value, r.id);
  const time = r.time ?? new Float64Array(0);
  const cols = shape.kind === 'rows' || shape.kind === 'matrix' ? shape.cols : 1;
  let out = '';
  for (let i = 0; i < time.length; i++) {
    const end = r.timeMode === 'segment' && r.duration ? time[i] + r.duration[i] : time[i];
    let text: string;
    if (r.label) text = labelText(r, r.label[i]);
    else if (shape.kind === 'none') text = r.name;
    else {
      const row = shape.kind === 'scalar' ? 0 : i;
      text = Array.from({ length: cols }, (_, j) =>
        formatNumber(valueCell(r.value, shape, row, j), isSingle(shape)),
      ).join(' ');
    }
    out += `${formatNumber(time[i])}\t${formatNumber(end)}\t${text.replace(/[\t\r\n]+/g, ' ')}\n`;
  }
  return out;
}
