// The table of `pnpm bench` (Markdown, printed and written to bench/results/latest.md) and the
// targets of issue 19, each a ratio of two rows measured in the same run.

const mib = (bytes) => (bytes === undefined ? '' : `${(bytes / 2 ** 20).toFixed(0)} MiB`);

function fixed(value, digits) {
  return Number.isFinite(value) ? value.toFixed(digits) : '';
}

function realtime(row) {
  if (!(row.wallS > 0)) return '';
  const x = row.audioS / row.wallS;
  return x >= 100 ? x.toFixed(0) : x.toFixed(1);
}

/** The ratio column: wall (or RSS) over the baseline row's, naming the baseline. */
function ratio(row, byId) {
  if (row.baselineSum && !row.skipped) {
    const parts = row.baselineSum.map((id) => byId.get(id));
    if (parts.some((p) => !p || p.skipped)) return '';
    const sum = parts.reduce((total, p) => total + p.wallS, 0);
    return `${(row.wallS / sum).toFixed(2)}× the ${parts.length} plain ffmpeg runs one after another`;
  }
  const base = row.baseline && byId.get(row.baseline);
  if (!base || row.skipped || base.skipped) return '';
  if (row.ratioOf === 'rss') {
    if (!row.maxRssBytes || !base.maxRssBytes) return '';
    return `${(row.maxRssBytes / base.maxRssBytes).toFixed(2)}× RSS of ${row.baseline}`;
  }
  return `${(row.wallS / base.wallS).toFixed(2)}× ${row.baseline}`;
}

/** The Markdown table of measured rows. */
export function table(rows) {
  const byId = new Map(rows.map((r) => [r.id, r]));
  const lines = [
    '| row | task | audio s | wall s | × realtime | CPU s | peak RSS | ratio to baseline |',
    '|---|---|---:|---:|---:|---:|---:|---|',
  ];
  for (const row of rows) {
    if (row.skipped) {
      lines.push(`| ${row.id} | ${row.task} | ${fixed(row.audioS, 0)} | | | | | ${row.skipped} |`);
      continue;
    }
    const approx = row.sampled ? '≈ ' : '';
    const rss = row.maxRssBytes ? `${approx}${mib(row.maxRssBytes)}` : '';
    const cpu = Number.isFinite(row.cpuS) ? `${approx}${fixed(row.cpuS, 2)}` : '';
    lines.push(
      `| ${row.id} | ${row.task} | ${fixed(row.audioS, 0)} | ${fixed(row.wallS, 2)} | ${realtime(row)} | ${cpu} | ${rss} | ${ratio(row, byId)} |`,
    );
  }
  return lines.join('\n');
}

/** Each target: the figure measured in this run, and whether it is met. */
export function targets(rows) {
  const byId = new Map(rows.map((r) => [r.id, r]));
  const ok = (id) => {
    const r = byId.get(id);
    return r && !r.skipped && r.wallS > 0 ? r : undefined;
  };
  const lines = [];
  const check = (name, value, goal, met, detail) => {
    if (value === undefined) return;
    lines.push(
      `- ${name}: **${value}** (target ${goal}) — ${met ? 'met' : 'not met'}${detail ? `; ${detail}` : ''}`,
    );
  };
  const one = ok('analyzers.issue14') ?? ok('analyzers.all');
  if (one) {
    const x = one.audioS / one.wallS;
    check(`${one.task}, × realtime`, `${x.toFixed(0)}×`, '≥ 200×', x >= 200);
  }
  const all = ok('analyzers.all');
  if (all && one !== all)
    lines.push(`- ${all.task}: ${(all.audioS / all.wallS).toFixed(0)}× realtime (no target)`);
  const pair = (a, b) => (ok(a) && ok(b) ? ok(a).wallS / ok(b).wallS : undefined);
  const demo = pair('demo', 'baseline.ffmpeg_encode.ogg');
  if (demo !== undefined)
    check('demo pipeline / ffmpeg decode + ogg encode', `${demo.toFixed(2)}×`, '≤ 1.3×', demo <= 1.3);
  for (const format of ['wav', 'mp3', 'flac']) {
    const r = pair(`decode.${format}`, `baseline.ffmpeg_decode.${format}`);
    const piped = pair(`decode.${format}`, `baseline.ffmpeg_pipe.${format}`);
    const detail = piped === undefined ? undefined : `${piped.toFixed(2)}× ffmpeg writing float32 to a pipe`;
    if (r !== undefined)
      check(`decode only (${format}) / ffmpeg decode`, `${r.toFixed(2)}×`, '≤ 1.1×', r <= 1.1, detail);
  }
  for (const name of ['demo', 'stream', 'decode']) {
    const long = ok(`memory.${name}.long`);
    const short = ok(`memory.${name}.short`);
    if (long?.maxRssBytes && short?.maxRssBytes) {
      const r = long.maxRssBytes / short.maxRssBytes;
      check(
        `peak RSS, ${{ demo: 'demo pipeline', stream: 'streaming pipeline', decode: 'decode only' }[name]}, ${long.audioS / 60} min / ${short.audioS / 60} min`,
        `${r.toFixed(2)}×`,
        '≤ 1.2×',
        r <= 1.2,
        `${mib(long.maxRssBytes)} against ${mib(short.maxRssBytes)}`,
      );
    }
  }
  const jobs = pair('jobs.1', 'jobs.2');
  if (jobs !== undefined)
    check('throughput, --jobs 2 / --jobs 1', `${jobs.toFixed(2)}×`, '≥ 1.7×', jobs >= 1.7);
  const meyda = pair('features.meyda', 'features.timeside');
  if (meyda !== undefined)
    check("Meyda's feature set, our speed / Meyda's", `${meyda.toFixed(1)}×`, '≥ 16×', meyda >= 16);
  for (const [tool, ours, label] of [
    ['aubio.aubiopitch', 'analyzer.pitch', 'pitch (yin)'],
    ['aubio.aubioonset', 'analyzer.onsets', 'onsets'],
  ]) {
    const r = pair(tool, ours);
    if (r !== undefined)
      check(`${label}, our speed / ${tool.slice(6)}'s`, `${r.toFixed(2)}×`, '≥ 1×', r >= 1);
    else if (byId.get(tool)?.skipped)
      lines.push(`- ${label} against ${tool.slice(6)}: ${byId.get(tool).skipped}`);
  }
  return lines.join('\n');
}
