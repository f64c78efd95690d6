/**
 * CSV results (csv-stringify / csv-parse): one file per result, one row per entry (frame, event,
 * segment), the time column first. The metadata comes first as `# key: <JSON>` comment lines,
 * which pandas (`comment='#'`) and numpy (`genfromtxt`) skip. Numbers are written in their
 * shortest exact form (float32 values with at most 9 digits), NaN and ±Infinity as nan / inf /
 * -inf, so a round trip is exact.
 */
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import type { AnalyzerResult } from '../result.js';
import {
  buildValue,
  checkMeta,
  entryTimes,
  formatNumber,
  isSingle,
  labelText,
  metaOf,
  parseNumber,
  type ResultMeta,
  readError,
  resultOf,
  valueCell,
  valueShape,
} from './shape.js';

/** The first line of every results CSV. */
export const CSV_SIGNATURE = '# timeside-results csv 1';

/** The text of one result's CSV file. */
export function csvOf(r: AnalyzerResult): string {
  const shape = valueShape(r.value, r.id);
  const meta = metaOf(r, shape);
  const count = meta.count;
  const times = entryTimes(r, count);
  const single = isSingle(shape);
  const header = ['time'];
  if (r.duration) header.push('duration');
  const valueCols =
    shape.kind === 'rows' || shape.kind === 'matrix' ? shape.cols : shape.kind === 'none' ? 0 : 1;
  if (valueCols === 1 && shape.kind !== 'rows' && shape.kind !== 'matrix') header.push('value');
  else for (let j = 0; j < valueCols; j++) header.push(`value_${j}`);
  if (r.label) header.push('label', 'label_text');
  const rows: string[][] = [header];
  for (let i = 0; i < count; i++) {
    const row = [formatNumber(times[i])];
    if (r.duration) row.push(formatNumber(r.duration[i]));
    for (let j = 0; j < valueCols; j++) row.push(formatNumber(valueCell(r.value, shape, i, j), single));
    if (r.label) row.push(formatNumber(r.label[i]), labelText(r, r.label[i]));
    rows.push(row);
  }
  const comments = Object.entries(meta).map(([k, v]) => `# ${k}: ${JSON.stringify(v)}`);
  return `${CSV_SIGNATURE}\n${comments.join('\n')}\n${stringify(rows)}`;
}

/** Reads one result's CSV file (its text already read). */
export function readCsv(text: string, file: string): AnalyzerResult[] {
  const lines = text.split('\n');
  if (lines[0]?.trimEnd() !== CSV_SIGNATURE) {
    throw readError(file, `not a TimeSide results CSV (its first line is not "${CSV_SIGNATURE}")`);
  }
  const fields: Record<string, unknown> = {};
  let n = 1;
  for (; n < lines.length && lines[n].startsWith('#'); n++) {
    const m = /^# ([A-Za-z]+): (.*)$/.exec(lines[n].trimEnd());
    if (!m) throw readError(file, `line ${n + 1}: a comment line that is not "# key: <JSON>"`);
    try {
      fields[m[1]] = JSON.parse(m[2]);
    } catch (error) {
      throw readError(file, `line ${n + 1}: the value of "${m[1]}" is not JSON`, error);
    }
  }
  const meta: ResultMeta = checkMeta(fields, file, 'the # header');
  let table: string[][];
  try {
    table = parse(lines.slice(n).join('\n'), { skip_empty_lines: true, relax_column_count: false });
  } catch (error) {
    throw readError(file, `bad CSV (${(error as Error).message})`, error);
  }
  const [header, ...rows] = table;
  if (header?.[0] !== 'time') throw readError(file, `line ${n + 1}: no header row starting with "time"`);
  if (rows.length !== meta.count) {
    throw readError(file, `cut short or damaged: ${rows.length} rows where the header says ${meta.count}`);
  }
  const column = (name: string): number => header.indexOf(name);
  const numbers = (col: number): Float64Array =>
    Float64Array.from(rows, (row, i) => {
      const v = parseNumber(row[col] ?? '');
      if (v === undefined) {
        throw readError(file, `row ${i + 1}, column "${header[col]}": "${row[col]}" is not a number`);
      }
      return v;
    });
  const data: Parameters<typeof resultOf>[1] = {};
  if (meta.hasTime) data.time = numbers(0);
  if (meta.hasDuration) {
    const col = column('duration');
    if (col < 0) throw readError(file, 'no "duration" column');
    data.duration = numbers(col);
  }
  if (meta.hasLabel) {
    const col = column('label');
    if (col < 0) throw readError(file, 'no "label" column');
    data.label = Array.from(numbers(col));
  }
  if (meta.valueKind !== 'none') {
    const cols =
      meta.valueKind === 'rows' || meta.valueKind === 'matrix'
        ? Array.from({ length: meta.valueCols ?? 0 }, (_, j) => column(`value_${j}`))
        : [column('value')];
    if (cols.some((c) => c < 0)) throw readError(file, 'a value column is missing');
    const perColumn = cols.map(numbers);
    const count = meta.valueKind === 'scalar' ? Math.min(1, rows.length) : rows.length;
    const flat = new Float64Array(count * cols.length);
    for (let i = 0; i < count; i++)
      for (let j = 0; j < cols.length; j++) flat[i * cols.length + j] = perColumn[j][i];
    if (meta.valueKind === 'scalar' && count === 0) throw readError(file, 'a scalar value with no row');
    data.value = buildValue(meta.valueKind, meta.valueType, count, cols.length, flat);
  }
  return [resultOf(meta, data)];
}
