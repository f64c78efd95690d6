import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type AnalyzerResult,
  formatFromPath,
  isTimesideError,
  ResultContainer,
  type ResultFormat,
  resultRows,
} from '../src/index.js';

const root = mkdtempSync(join(tmpdir(), 'timeside-results-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const audio = { uri: '/archive/field/a.wav', start: 1.5, duration: 2, sampleRate: 44100, channels: 2 };
const processor = {
  id: 'probe',
  version: '1.2.0',
  params: { frameSize: 2048, hop: 512, floorDb: -Infinity, bands: [1, 2] },
};
const frame = { sampleRate: 44100, size: 2048, hop: 512 };
const base = { unit: '', description: 'a test result', processor, audio } as const;

/** One result of every time mode and data mode, with the values that trip formats up. */
function sample(): AnalyzerResult[] {
  return [
    {
      ...base,
      id: 'level.max',
      name: 'Max level',
      unit: 'dBFS',
      timeMode: 'global',
      dataMode: 'value',
      value: -Infinity,
    },
    {
      ...base,
      id: 'level.channels',
      name: 'Channel RMS',
      timeMode: 'global',
      dataMode: 'value',
      value: Float64Array.from([-3.0103, Number.NaN]),
    },
    {
      ...base,
      id: 'key',
      name: 'Key',
      timeMode: 'global',
      dataMode: 'label',
      label: [3],
      labelMetadata: { 3: 'C major' },
    },
    {
      ...base,
      id: 'pitch.f0',
      name: 'f0',
      unit: 'Hz',
      timeMode: 'framewise',
      dataMode: 'value',
      frame,
      // 0.1 is not exact in float32: the round trip must keep the float32 value bit for bit.
      value: Float32Array.from([0.1, 440.0001, Number.NaN, 1e-30, Number.NEGATIVE_INFINITY]),
    },
    {
      ...base,
      id: 'spectrogram',
      name: 'Spectrogram',
      timeMode: 'framewise',
      dataMode: 'value',
      frame,
      value: { rows: 2, cols: 3, data: Float32Array.from([1, 2, 3, 4, 5, 0.1]) },
    },
    {
      ...base,
      id: 'mfcc',
      name: 'MFCC',
      timeMode: 'framewise',
      dataMode: 'value',
      frame,
      value: [
        [1.5, -2],
        [3, Number.POSITIVE_INFINITY],
        [1 / 3, 0],
      ],
    },
    {
      ...base,
      id: 'voicing',
      name: 'Voicing',
      timeMode: 'framewise',
      dataMode: 'label',
      frame,
      label: [0, 1, 1],
      labelMetadata: { 0: 'unvoiced', 1: 'voiced' },
    },
    {
      ...base,
      id: 'onsets',
      name: 'Onsets',
      unit: 's',
      timeMode: 'event',
      dataMode: 'value',
      time: Float64Array.from([0.5, 1 / 3, 1.25]),
    },
    {
      ...base,
      id: 'onsets.strength',
      name: 'Onset strength',
      timeMode: 'event',
      dataMode: 'value',
      time: Float64Array.from([0.5, 1.25]),
      value: Float64Array.from([0.75, 12.5]),
    },
    {
      ...base,
      id: 'silence',
      name: 'Silence',
      timeMode: 'segment',
      dataMode: 'label',
      time: Float64Array.from([0, 0.8, 1.6]),
      duration: Float64Array.from([0.8, 0.8, 0.4]),
      label: [0, 1, 0],
      labelMetadata: { 0: 'sound, "loud"', 1: 'silence' },
    },
  ];
}

const EXACT: { format: ResultFormat; name: string }[] = [
  { format: 'json', name: 'a.results.json' },
  { format: 'yaml', name: 'a.results.yaml' },
  { format: 'csv', name: 'a.csv' },
  { format: 'hdf5', name: 'a.results.h5' },
];

function caught(fn: () => unknown): Promise<unknown> {
  return Promise.resolve()
    .then(fn)
    .then(
      () => undefined,
      (e) => e,
    );
}

describe('results files: round trips', () => {
  it.each(EXACT)(
    '$format: container → file → container is the original, values exact',
    async ({ format, name }) => {
      const dir = join(root, `exact-${format}`);
      mkdirSync(dir);
      const original = new ResultContainer(sample());
      const files = await original.toFile(join(dir, name), format);
      expect(files.length).toBe(format === 'csv' ? original.size : 1);
      const back = await ResultContainer.fromFiles(files);
      expect(back.ids()).toEqual(original.ids());
      for (const r of original) expect(back.get(r.id), r.id).toStrictEqual(r);
      // Bit for bit, not only equal as doubles.
      const f0 = back.require('pitch.f0').value as Float32Array;
      expect(Array.from(new Uint32Array(f0.buffer))).toEqual(
        Array.from(new Uint32Array((original.require('pitch.f0').value as Float32Array).buffer)),
      );
      expect(readdirSync(dir).filter((n) => n.startsWith('.'))).toEqual([]);
    },
  );

  it('csv: one file per result, time column first, metadata in # lines', async () => {
    const dir = join(root, 'csv-layout');
    mkdirSync(dir);
    const files = await new ResultContainer(sample()).toFile(join(dir, 'a.csv'));
    expect(files.map((f) => f.slice(dir.length + 1))).toEqual(sample().map((r) => `a.${r.id}.csv`));
    const lines = readFileSync(join(dir, 'a.pitch.f0.csv'), 'utf8').trim().split('\n');
    expect(lines[0]).toBe('# timeside-results csv 1');
    expect(lines).toContain('# frame: {"sampleRate":44100,"size":2048,"hop":512}');
    expect(lines).toContain(
      '# processor: {"id":"probe","version":"1.2.0","params":{"frameSize":2048,"hop":512,"floorDb":{"$number":"-Infinity"},"bands":[1,2]}}',
    );
    const data = lines.filter((l) => !l.startsWith('#'));
    // Frame i starts at i·512/44100 s; float32 values in their shortest exact decimal form.
    expect(data).toEqual([
      'time,value',
      '0,0.1',
      `${512 / 44100},440.0001`,
      `${1024 / 44100},nan`,
      `${1536 / 44100},1e-30`,
      `${2048 / 44100},-inf`,
    ]);
    const segments = readFileSync(join(dir, 'a.silence.csv'), 'utf8')
      .split('\n')
      .filter((l) => l && !l.startsWith('#'));
    expect(segments).toEqual([
      'time,duration,label,label_text',
      '0,0.8,0,"sound, ""loud"""',
      '0.8,0.8,1,silence',
      '1.6,0.4,0,"sound, ""loud"""',
    ]);
  });

  it('jams: exact for finite values; NaN and ±Infinity (no JSON number) come back as NaN', async () => {
    const path = join(root, 'a.jams');
    const original = new ResultContainer(sample());
    await original.toFile(path);
    const back = await ResultContainer.fromFile(path);
    expect(back.ids()).toEqual(original.ids());
    for (const id of ['key', 'spectrogram', 'voicing', 'onsets', 'onsets.strength', 'silence']) {
      expect(back.get(id), id).toStrictEqual(original.get(id));
    }
    expect(back.require('level.max').value).toBeNaN();
    expect(Array.from(back.require('level.channels').value as Float64Array)).toEqual([-3.0103, Number.NaN]);
    expect(back.require('mfcc').value).toEqual([
      [1.5, -2],
      [3, Number.NaN],
      [1 / 3, 0],
    ]);
    // pitch_contour: unvoiced frames carry frequency 0.
    expect(Array.from(back.require('pitch.f0').value as Float32Array)).toEqual(
      Array.from(Float32Array.from([0.1, 440.0001, 0, 1e-30, 0])),
    );
    const doc = JSON.parse(readFileSync(path, 'utf8'));
    expect(doc.file_metadata).toMatchObject({ title: 'a.wav', duration: 2 });
    const byId = (id: string) =>
      doc.annotations.find((a: { sandbox: { timeside: { id: string } } }) => a.sandbox.timeside.id === id);
    expect(byId('onsets').namespace).toBe('onset');
    expect(byId('onsets').data.map((o: { time: number }) => o.time)).toEqual([0.5, 1 / 3, 1.25]);
    expect(byId('silence').namespace).toBe('segment_open');
    expect(byId('silence').data[1]).toEqual({ time: 0.8, duration: 0.8, value: 'silence', confidence: null });
    expect(byId('pitch.f0').namespace).toBe('pitch_contour');
    expect(byId('pitch.f0').data[1].value).toEqual({
      index: 0,
      frequency: Math.fround(440.0001),
      voiced: true,
    });
    expect(byId('pitch.f0').data[1].time).toBe(512 / 44100);
    expect(byId('mfcc').namespace).toBe('vector');
  });

  it('eaf: the event and segment results come back, times to the millisecond', async () => {
    const path = join(root, 'a.eaf');
    const original = new ResultContainer(sample());
    await original.toFile(path);
    const back = await ResultContainer.fromFile(path);
    expect(back.ids()).toEqual(['onsets', 'onsets.strength', 'silence']);
    for (const r of back) {
      const o = original.require(r.id);
      const { time, duration, ...rest } = r;
      const { time: oTime, duration: oDuration, ...oRest } = o;
      expect(rest).toStrictEqual(oRest);
      expect(time).toBeInstanceOf(Float64Array);
      const times = Array.from(time ?? []);
      const durations = Array.from(duration ?? []);
      expect(times).toHaveLength(oTime?.length ?? 0);
      expect(duration === undefined).toBe(oDuration === undefined);
      for (const [k, t] of Array.from(oTime ?? []).entries())
        expect(Math.abs(times[k] - t)).toBeLessThanOrEqual(0.0005);
      for (const [k, d] of Array.from(oDuration ?? []).entries()) {
        expect(Math.abs(durations[k] - d)).toBeLessThanOrEqual(0.001);
      }
    }
  });

  it('eaf and jams: label names with spaces, markup, newlines and control characters map back to their labels', async () => {
    const names = { 0: ' padded ', 1: 'a & b <c> "d"', 2: 'two\nlines', 3: 'bell\u0007' };
    const labelled: AnalyzerResult = {
      ...sample()[9],
      audio: { ...audio, uri: '/archive/100% take.wav' },
      time: Float64Array.from([0, 1, 2, 3]),
      duration: Float64Array.from([1, 1, 1, 1]),
      label: [0, 1, 2, 3],
      labelMetadata: names,
    };
    for (const name of ['labels.eaf', 'labels.jams']) {
      const [file] = await new ResultContainer([labelled]).toFile(join(root, name));
      const back = (await ResultContainer.fromFile(file)).require('silence');
      expect(back.label, name).toEqual([0, 1, 2, 3]);
      expect(back.labelMetadata, name).toEqual(names);
    }
    // XML cannot hold U+0007: ELAN shows U+FFFD in its place.
    expect(readFileSync(join(root, 'labels.eaf'), 'utf8')).toContain(
      '<ANNOTATION_VALUE>bell\uFFFD</ANNOTATION_VALUE>',
    );
    expect(JSON.parse(readFileSync(join(root, 'labels.jams'), 'utf8')).file_metadata.title).toBe(
      '100% take.wav',
    );
  });

  it('audacity and sv: label tracks and layers with the known times and texts', async () => {
    const dir = join(root, 'tools');
    mkdirSync(dir);
    const c = new ResultContainer(sample());
    const labels = await c.toFile(join(dir, 'a.txt'), 'audacity');
    expect(labels.map((f) => f.slice(dir.length + 1))).toEqual([
      'a.onsets.txt',
      'a.onsets.strength.txt',
      'a.silence.txt',
    ]);
    expect(readFileSync(join(dir, 'a.silence.txt'), 'utf8')).toBe(
      '0\t0.8\tsound, "loud"\n0.8\t1.6\tsilence\n1.6\t2\tsound, "loud"\n',
    );
    expect(readFileSync(join(dir, 'a.onsets.strength.txt'), 'utf8')).toBe(
      '0.5\t0.5\t0.75\n1.25\t1.25\t12.5\n',
    );
    const layers = await c.toFile(join(dir, 'a.sv.csv'));
    expect(layers.map((f) => f.slice(dir.length + 1))).toEqual([
      'a.pitch.f0.sv.csv',
      'a.spectrogram.sv.csv',
      'a.mfcc.sv.csv',
      'a.voicing.sv.csv',
      'a.onsets.sv.csv',
      'a.onsets.strength.sv.csv',
      'a.silence.sv.csv',
    ]);
    expect(readFileSync(join(dir, 'a.onsets.sv.csv'), 'utf8')).toBe(
      `0.5,Onsets\n${1 / 3},Onsets\n1.25,Onsets\n`,
    );
    expect(readFileSync(join(dir, 'a.silence.sv.csv'), 'utf8')).toBe(
      '0,0.8,0,"sound, ""loud"""\n0.8,0.8,1,silence\n1.6,0.4,0,"sound, ""loud"""\n',
    );
    expect(readFileSync(join(dir, 'a.spectrogram.sv.csv'), 'utf8')).toBe(`0,1,2,3\n${512 / 44100},4,5,0.1\n`);
    const error = await caught(() => ResultContainer.fromFile(join(dir, 'a.silence.txt')));
    expect(isTimesideError(error) && error.code).toBe('E_RESULT');
    expect((error as Error).message).toContain(join(dir, 'a.silence.txt'));
  });
});

const hasPython =
  spawnSync('/usr/bin/python3', ['-c', 'import xml.etree.ElementTree'], { stdio: 'ignore' }).status === 0;
const hasH5py = spawnSync('/usr/bin/python3', ['-c', 'import h5py'], { stdio: 'ignore' }).status === 0;

function python(script: string, ...args: string[]): unknown {
  return JSON.parse(execFileSync('/usr/bin/python3', ['-c', script, ...args], { encoding: 'utf8' }));
}

describe('the ELAN document', () => {
  it('is well-formed ELAN XML: header, time slots in order, one tier per event/segment result, declared types', async () => {
    const path = join(root, 'structure.eaf');
    await new ResultContainer(sample()).toFile(path);
    const text = readFileSync(path, 'utf8');
    // preserveOrder keeps the element order, which the EAF schema fixes.
    const tree = new XMLParser({
      ignoreAttributes: false,
      attributeNamePrefix: '',
      preserveOrder: true,
    }).parse(text) as Record<string, unknown>[];
    const rootNode = tree.find((n) => 'ANNOTATION_DOCUMENT' in n) as Record<string, unknown>;
    const attrs = rootNode[':@'] as Record<string, string>;
    expect(attrs.AUTHOR).toBeTypeOf('string');
    expect(attrs.VERSION).toBe('3.0');
    expect(attrs.FORMAT).toBe('3.0');
    expect(attrs['xsi:noNamespaceSchemaLocation']).toBe('http://www.mpi.nl/tools/elan/EAFv3.0.xsd');
    expect(Number.isNaN(Date.parse(attrs.DATE))).toBe(false);
    const children = rootNode.ANNOTATION_DOCUMENT as Record<string, unknown>[];
    const names = children.map((c) => Object.keys(c).find((k) => k !== ':@'));
    expect(names).toEqual(['HEADER', 'TIME_ORDER', 'TIER', 'TIER', 'TIER', 'LINGUISTIC_TYPE']);

    const header = children[0];
    expect((header[':@'] as Record<string, string>).TIME_UNITS).toBe('milliseconds');
    const media = (header.HEADER as Record<string, unknown>[]).find((c) => 'MEDIA_DESCRIPTOR' in c)?.[
      ':@'
    ] as Record<string, string>;
    expect(media.MEDIA_URL).toBe('file:///archive/field/a.wav');
    expect(media.MIME_TYPE).toBe('audio/x-wav');

    const slots = (children[1].TIME_ORDER as Record<string, unknown>[]).map(
      (s) => s[':@'] as Record<string, string>,
    );
    const slotMs = new Map(slots.map((s) => [s.TIME_SLOT_ID, Number(s.TIME_VALUE)]));
    expect(slotMs.size).toBe(slots.length);
    const values = slots.map((s) => Number(s.TIME_VALUE));
    expect(values.every((v, i) => Number.isInteger(v) && (i === 0 || v >= values[i - 1]))).toBe(true);

    const types = new Map(
      children
        .filter((c) => 'LINGUISTIC_TYPE' in c)
        .map((c) => c[':@'] as Record<string, string>)
        .map((t) => [t.LINGUISTIC_TYPE_ID, t]),
    );
    const annotationIds = new Set<string>();
    const tiers = children
      .filter((c) => 'TIER' in c)
      .map((tier) => {
        const t = tier[':@'] as Record<string, string>;
        expect(types.get(t.LINGUISTIC_TYPE_REF)?.TIME_ALIGNABLE).toBe('true');
        const spans = (tier.TIER as Record<string, unknown>[]).map((a) => {
          const aligned = (a.ANNOTATION as Record<string, unknown>[])[0];
          const ref = aligned[':@'] as Record<string, string>;
          expect(annotationIds.has(ref.ANNOTATION_ID)).toBe(false);
          annotationIds.add(ref.ANNOTATION_ID);
          const start = slotMs.get(ref.TIME_SLOT_REF1);
          const end = slotMs.get(ref.TIME_SLOT_REF2);
          expect(start).toBeTypeOf('number');
          expect(end as number).toBeGreaterThan(start as number);
          const value = (aligned.ALIGNABLE_ANNOTATION as Record<string, unknown>[])[0].ANNOTATION_VALUE as {
            '#text': unknown;
          }[];
          return [start, end, String(value[0]?.['#text'] ?? '')];
        });
        return { id: t.TIER_ID, spans };
      });
    // The known times of the input, in ms; events last 1 ms.
    expect(tiers).toEqual([
      {
        id: 'onsets',
        spans: [
          [500, 501, 'Onsets'],
          [333, 334, 'Onsets'],
          [1250, 1251, 'Onsets'],
        ],
      },
      {
        id: 'onsets.strength',
        spans: [
          [500, 501, '0.75'],
          [1250, 1251, '12.5'],
        ],
      },
      {
        id: 'silence',
        spans: [
          [0, 800, 'sound, "loud"'],
          [800, 1600, 'silence'],
          [1600, 2000, 'sound, "loud"'],
        ],
      },
    ]);
  });

  it.skipIf(!hasPython)(
    'parses with Python’s own XML parser (xml.etree), tiers and annotations as written',
    async () => {
      const path = join(root, 'etree.eaf');
      await new ResultContainer(sample()).toFile(path);
      const summary = python(
        `
import json, sys, xml.etree.ElementTree as ET
doc = ET.parse(sys.argv[1]).getroot()
slots = {s.get('TIME_SLOT_ID'): int(s.get('TIME_VALUE')) for s in doc.find('TIME_ORDER')}
print(json.dumps({
  'root': doc.tag,
  'tiers': [[t.get('TIER_ID'), [[slots[a.get('TIME_SLOT_REF1')], a.findtext('ANNOTATION_VALUE')]
            for a in t.iter('ALIGNABLE_ANNOTATION')]] for t in doc.findall('TIER')],
}))`,
        path,
      );
      expect(summary).toEqual({
        root: 'ANNOTATION_DOCUMENT',
        tiers: [
          [
            'onsets',
            [
              [500, 'Onsets'],
              [333, 'Onsets'],
              [1250, 'Onsets'],
            ],
          ],
          [
            'onsets.strength',
            [
              [500, '0.75'],
              [1250, '12.5'],
            ],
          ],
          [
            'silence',
            [
              [0, 'sound, "loud"'],
              [800, 'silence'],
              [1600, 'sound, "loud"'],
            ],
          ],
        ],
      });
    },
  );

  it('reads a tier made in ELAN (no TimeSide metadata) as a segment result with labels', async () => {
    const path = join(root, 'hand.eaf');
    writeFileSync(
      path,
      `<?xml version="1.0" encoding="UTF-8"?>
<ANNOTATION_DOCUMENT AUTHOR="" DATE="2024-01-01T00:00:00+01:00" FORMAT="3.0" VERSION="3.0">
  <HEADER MEDIA_FILE="" TIME_UNITS="milliseconds"><MEDIA_DESCRIPTOR MEDIA_URL="file:///x/song.wav" MIME_TYPE="audio/x-wav"/></HEADER>
  <TIME_ORDER><TIME_SLOT TIME_SLOT_ID="ts1" TIME_VALUE="120"/><TIME_SLOT TIME_SLOT_ID="ts2" TIME_VALUE="2500"/><TIME_SLOT TIME_SLOT_ID="ts3" TIME_VALUE="4000"/></TIME_ORDER>
  <TIER LINGUISTIC_TYPE_REF="default-lt" TIER_ID="voice">
    <ANNOTATION><ALIGNABLE_ANNOTATION ANNOTATION_ID="a1" TIME_SLOT_REF1="ts1" TIME_SLOT_REF2="ts2"><ANNOTATION_VALUE>solo</ANNOTATION_VALUE></ALIGNABLE_ANNOTATION></ANNOTATION>
    <ANNOTATION><ALIGNABLE_ANNOTATION ANNOTATION_ID="a2" TIME_SLOT_REF1="ts2" TIME_SLOT_REF2="ts3"><ANNOTATION_VALUE>choir</ANNOTATION_VALUE></ALIGNABLE_ANNOTATION></ANNOTATION>
  </TIER>
  <LINGUISTIC_TYPE GRAPHIC_REFERENCES="false" LINGUISTIC_TYPE_ID="default-lt" TIME_ALIGNABLE="true"/>
</ANNOTATION_DOCUMENT>
`,
    );
    const voice = (await ResultContainer.fromFile(path)).require('voice');
    expect(voice.timeMode).toBe('segment');
    expect(voice.dataMode).toBe('label');
    expect(Array.from(voice.time ?? [])).toEqual([0.12, 2.5]);
    expect(Array.from(voice.duration ?? [])).toEqual([2.38, 1.5]);
    expect(voice.label).toEqual([0, 1]);
    expect(voice.labelMetadata).toEqual({ 0: 'solo', 1: 'choir' });
    expect(voice.audio.uri).toBe('file:///x/song.wav');
  });
});

describe('the HDF5 file', () => {
  it.skipIf(!hasH5py)(
    'opens in h5py, an independent reader: groups, datasets, attributes as documented (skipped when /usr/bin/python3 has no h5py: apt-get install python3-h5py)',
    async () => {
      const path = join(root, 'h5py.h5');
      await new ResultContainer(sample()).toFile(path);
      const seen = python(
        `
import json, sys, math, h5py
def num(x):
    x = float(x)
    return 'nan' if math.isnan(x) else ('inf' if x == math.inf else ('-inf' if x == -math.inf else x))
f = h5py.File(sys.argv[1], 'r')
f0, spec, sil, mx = f['pitch.f0'], f['spectrogram'], f['silence'], f['level.max']
print(json.dumps({
  'format': f.attrs['format'], 'groups': sorted(f.keys()),
  'f0': {'dtype': str(f0['value'].dtype), 'values': [num(v) for v in f0['value'][()]],
         'hop': int(f0.attrs['frame_hop']), 'size': int(f0.attrs['frame_size']), 'sr': int(f0.attrs['frame_sample_rate']),
         'processor': [f0.attrs['processor_id'], f0.attrs['processor_version']], 'params': json.loads(f0.attrs['processor_params']),
         'uri': f0.attrs['audio_uri'], 'start': float(f0.attrs['audio_start']), 'duration': float(f0.attrs['audio_duration'])},
  'spec': {'shape': list(spec['value'].shape), 'dtype': str(spec['value'].dtype), 'row1': [float(v) for v in spec['value'][1]]},
  'silence': {'time': list(map(float, sil['time'][()])), 'duration': list(map(float, sil['duration'][()])),
              'label': [int(v) for v in sil['label'][()]], 'names': json.loads(sil.attrs['label_metadata'])},
  'max': {'shape': list(mx['value'].shape), 'value': num(mx['value'][()])},
}))`,
        path,
      );
      expect(seen).toEqual({
        format: 'timeside-results',
        groups: sample()
          .map((r) => r.id)
          .sort(),
        f0: {
          dtype: 'float32',
          values: [Math.fround(0.1), Math.fround(440.0001), 'nan', Math.fround(1e-30), '-inf'],
          hop: 512,
          size: 2048,
          sr: 44100,
          processor: ['probe', '1.2.0'],
          params: { frameSize: 2048, hop: 512, floorDb: { $number: '-Infinity' }, bands: [1, 2] },
          uri: '/archive/field/a.wav',
          start: 1.5,
          duration: 2,
        },
        spec: { shape: [2, 3], dtype: 'float32', row1: [4, 5, Math.fround(0.1)] },
        silence: {
          time: [0, 0.8, 1.6],
          duration: [0.8, 0.8, 0.4],
          label: [0, 1, 0],
          names: { 0: 'sound, "loud"', 1: 'silence' },
        },
        max: { shape: [], value: '-inf' },
      });
    },
  );

  it('reads a file written by h5wasm directly, after the documented layout (another code path)', async () => {
    const path = join(root, 'by-hand.h5');
    const h5wasm = (await import('h5wasm/node')).default;
    await h5wasm.ready;
    const f = new h5wasm.File(path, 'w');
    f.create_attribute('format', 'timeside-results');
    const g = f.create_group('onsets');
    const attrs: Record<string, string | number> = {
      id: 'onsets',
      name: 'Onsets',
      unit: 's',
      description: '',
      time_mode: 'event',
      data_mode: 'value',
      processor_id: 'onsets',
      processor_version: '1.0.0',
      processor_params: '{"threshold":0.3}',
      audio_uri: 'song.flac',
      audio_start: 0,
      audio_duration: 3,
      audio_sample_rate: 48000,
      audio_channels: 1,
      value_kind: 'none',
      value_type: 'number',
      count: 2,
    };
    for (const [k, v] of Object.entries(attrs)) g.create_attribute(k, v);
    g.create_dataset({ name: 'time', data: Float64Array.from([0.25, 2.75]) });
    f.close();
    const onsets = (await ResultContainer.fromFile(path)).require('onsets');
    expect(onsets).toStrictEqual({
      id: 'onsets',
      name: 'Onsets',
      unit: 's',
      description: '',
      timeMode: 'event',
      dataMode: 'value',
      processor: { id: 'onsets', version: '1.0.0', params: { threshold: 0.3 } },
      audio: { uri: 'song.flac', start: 0, duration: 3, sampleRate: 48000, channels: 1 },
      time: Float64Array.from([0.25, 2.75]),
    });
  });
});

describe('typed arrays that are views into a larger buffer', () => {
  it.each(EXACT)('$format: writes the view, not its buffer', async ({ format, name }) => {
    const dir = join(root, `views-${format}`);
    mkdirSync(dir);
    const big = Float32Array.from({ length: 20 }, (_, i) => i);
    const f0 = sample()[3];
    const views = new ResultContainer([
      { ...f0, value: big.subarray(5, 9) },
      { ...sample()[4], value: { rows: 2, cols: 2, data: big.subarray(10, 14) } },
      { ...sample()[7], time: Float64Array.from([0, 1, 2, 3, 4]).subarray(3, 5) },
    ]);
    const back = await ResultContainer.fromFiles(await views.toFile(join(dir, name), format));
    expect(Array.from(back.require('pitch.f0').value as Float32Array)).toEqual([5, 6, 7, 8]);
    expect(resultRows(back.require('spectrogram').value)).toEqual([
      [10, 11],
      [12, 13],
    ]);
    expect(Array.from(back.require('onsets').time ?? [])).toEqual([3, 4]);
  });
});

describe('bad input: one TimesideError naming the file', () => {
  const formats: { format: ResultFormat; name: string }[] = [
    ...EXACT,
    { format: 'eaf', name: 'a.eaf' },
    { format: 'jams', name: 'a.jams' },
  ];

  it.each(formats)('$format: a truncated file', async ({ format, name }) => {
    const dir = join(root, `truncated-${format}`);
    mkdirSync(dir);
    const [file] = await new ResultContainer(sample()).toFile(join(dir, name), format);
    const bytes = readFileSync(file);
    writeFileSync(file, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    const error = await caught(() => ResultContainer.fromFile(file));
    expect(isTimesideError(error) && error.code, String(error)).toBe('E_RESULT');
    expect((error as Error).message).toContain(file);
    expect(isTimesideError(error) && error.file).toBe(file);
  });

  it.each(formats)(
    '$format: a foreign file (a WAV header; JSON of something else)',
    async ({ format, name }) => {
      const dir = join(root, `foreign-${format}`);
      mkdirSync(dir);
      const wav = join(dir, name);
      writeFileSync(
        wav,
        Buffer.concat([Buffer.from('RIFF\x24\x00\x00\x00WAVEfmt ', 'latin1'), Buffer.alloc(64)]),
      );
      const json = join(dir, `json-${name}`);
      writeFileSync(json, '{"name": "a package.json", "version": "1.0.0"}\n');
      for (const file of [wav, json]) {
        const error = await caught(() => ResultContainer.fromFile(file, format));
        expect(isTimesideError(error) && error.code, `${file}: ${error}`).toBe('E_RESULT');
        expect((error as Error).message).toContain(file);
      }
    },
  );

  it('a missing file is E_IO naming it; an unknown extension says which ones are known', async () => {
    const missing = join(root, 'nope.results.h5');
    const error = await caught(() => ResultContainer.fromFile(missing));
    expect(isTimesideError(error) && error.code).toBe('E_IO');
    expect((error as Error).message).toContain(missing);
    const unknown = await caught(() => ResultContainer.fromFile(join(root, 'a.xml')));
    expect((unknown as Error).message).toMatch(/cannot tell the results format of .*a\.xml.*\.json.*\.h5/);
  });

  it.each(['json', 'hdf5', 'csv'] as const)(
    '%s: a write that fails leaves no file behind',
    async (format) => {
      const dir = join(root, `unwritable-${format}`);
      mkdirSync(dir);
      // A directory where the second result's CSV (or the one file) must go: the rename fails.
      const name = format === 'csv' ? 'a.csv' : format === 'hdf5' ? 'a.h5' : 'a.json';
      mkdirSync(join(dir, format === 'csv' ? 'a.level.channels.csv' : name));
      const error = await caught(() => new ResultContainer(sample()).toFile(join(dir, name), format));
      expect(isTimesideError(error) && error.code, String(error)).toBe('E_IO');
      expect(readdirSync(dir)).toEqual([format === 'csv' ? 'a.level.channels.csv' : name]);
    },
  );

  it('rows of unequal length: E_RESULT for formats that need a table, JSON keeps them', async () => {
    const ragged: AnalyzerResult = { ...sample()[5], value: [[1, 2], [3]] };
    for (const name of ['r.csv', 'r.h5']) {
      const error = await caught(() => new ResultContainer([ragged]).toFile(join(root, name)));
      expect(isTimesideError(error) && error.code).toBe('E_RESULT');
      expect((error as Error).message).toContain('"mfcc"');
    }
    const [file] = await new ResultContainer([ragged]).toFile(join(root, 'r.json'));
    expect((await ResultContainer.fromFile(file)).require('mfcc').value).toEqual([[1, 2], [3]]);
  });
});

describe('formatFromPath', () => {
  it.each([
    ['a.results.json', 'json'],
    ['a.YAML', 'yaml'],
    ['a.yml', 'yaml'],
    ['a.pitch.f0.csv', 'csv'],
    ['a.pitch.f0.sv.csv', 'sv'],
    ['a.h5', 'hdf5'],
    ['a.hdf5', 'hdf5'],
    ['a.eaf', 'eaf'],
    ['a.jams', 'jams'],
    ['a.onsets.txt', 'audacity'],
    ['a.wav', undefined],
    ['.csv', undefined],
  ])('%s → %s', (name, format) => {
    expect(formatFromPath(name)).toBe(format);
  });
});
