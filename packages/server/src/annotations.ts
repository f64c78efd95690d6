/**
 * An annotation track as an analyzer result (a labelled segment result), so core's serializers
 * export it like any other: ELAN, JAMS, Audacity labels, CSV, YAML, JSON.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type AnalyzerResult, RESULT_FORMATS, type ResultFormat, writeResults } from '@timeside/core';
import type { Annotation, Item, Track } from './store.js';

/** The formats a track exports to. */
export const TRACK_FORMATS = ['json', 'yaml', 'csv', 'eaf', 'jams', 'audacity'] as const;

/** The track as one segment result with label data: label i is `labelMetadata[label[i]]`. */
export function trackResult(track: Track, item: Item, annotations: readonly Annotation[]): AnalyzerResult {
  const names: string[] = [];
  const index = new Map<string, number>();
  const label = annotations.map((a) => {
    let i = index.get(a.label);
    if (i === undefined) {
      i = names.length;
      names.push(a.label);
      index.set(a.label, i);
    }
    return i;
  });
  return {
    id: 'annotations',
    name: track.name,
    unit: '',
    description: `Annotation track "${track.name}"${track.author ? ` by ${track.author}` : ''}`,
    processor: { id: 'annotations', version: '1.0.0', params: { track: track.id, author: track.author } },
    audio: {
      uri: item.title,
      start: 0,
      duration: item.durationS ?? 0,
      sampleRate: item.sampleRate,
      channels: item.channels,
    },
    timeMode: 'segment',
    dataMode: 'label',
    label,
    labelMetadata: Object.fromEntries(names.map((n, i) => [i, n])),
    time: Float64Array.from(annotations, (a) => a.time),
    duration: Float64Array.from(annotations, (a) => a.duration),
  };
}

/** The track written in `format` by core's serializer, as bytes (through a temporary directory). */
export async function exportTrack(result: AnalyzerResult, format: ResultFormat, tmpRoot: string) {
  const ext = RESULT_FORMATS.find((f) => f.id === format)?.extensions[0] ?? `.${format}`;
  const dir = await mkdtemp(join(tmpRoot, 'export-'));
  try {
    const written = await writeResults([result], join(dir, `track${ext}`), format);
    return { bytes: await readFile(written[0]), ext };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
