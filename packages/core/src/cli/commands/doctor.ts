import type { Command } from 'commander';
import { fftBackend } from '../../dsp/fft.js';
import { type FfmpegInfo, ffmpegInfo } from '../../ffmpeg/info.js';
import { getDiscoveryReport } from '../../registry/discovery.js';
import { corePackage } from '../../registry/host.js';
import { listProcessors } from '../../registry/registry.js';
import type { CliContext } from '../main.js';
import { ExitCode, formatTable, messageOf } from '../output.js';

/** ffmpeg encoders the encoder plugins use, and what for. */
export const ENCODER_CODECS: readonly { codec: string; use: string }[] = [
  { codec: 'libvorbis', use: 'Ogg/Vorbis (vorbis_encoder)' },
  { codec: 'libopus', use: 'Opus' },
  { codec: 'libmp3lame', use: 'MP3' },
  { codec: 'aac', use: 'AAC' },
  { codec: 'flac', use: 'FLAC' },
];

/**
 * `timeside doctor`: the environment as TimeSide sees it — Node, which ffmpeg and ffprobe (and
 * why), the encoders they have, the plugins found and the processors they give, and every problem.
 * Exits 1 when something is wrong (no ffmpeg, a plugin that failed to load), else 0.
 */
export function registerDoctor(program: Command, ctx: CliContext): void {
  program
    .command('doctor')
    .description('check the installation: Node, ffmpeg and its codecs, plugins and their problems')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const { out } = ctx;
      const problems: string[] = [];
      let ffmpeg: FfmpegInfo | undefined;
      try {
        ffmpeg = await ffmpegInfo();
      } catch (error) {
        problems.push(messageOf(error));
      }
      const { processors, errors } = await listProcessors({ adapters: true, withErrors: true });
      for (const e of errors) problems.push(`plugin ${e.package}: ${e.reason}`);
      const report = getDiscoveryReport();
      const codecs = ENCODER_CODECS.map((c) => ({
        ...c,
        present: ffmpeg?.encoders.includes(c.codec) ?? false,
      }));
      const missingVorbis = ffmpeg && !ffmpeg.encoders.includes('libvorbis');
      if (missingVorbis) problems.push('ffmpeg has no libvorbis: vorbis_encoder will fail');
      const core = corePackage();
      ctx.exitCode = problems.length ? ExitCode.FAILED : ExitCode.OK;

      if (options.json) {
        out.line(
          JSON.stringify(
            {
              node: process.version,
              platform: `${process.platform} ${process.arch}`,
              core,
              ffmpeg: ffmpeg && { ffmpeg: ffmpeg.ffmpeg, ffprobe: ffmpeg.ffprobe },
              codecs,
              fft: fftBackend(),
              config: report?.configFile ?? null,
              plugins: report?.plugins ?? [],
              skipped: report?.skipped ?? [],
              processors: processors.map((p) => ({
                id: p.id,
                kind: p.kind,
                version: p.version,
                source: p.source,
              })),
              problems,
            },
            null,
            2,
          ),
        );
        return;
      }

      const ok = (yes: boolean) => (yes ? '✓' : '✗');
      out.line(`node      ${process.version} (${process.platform} ${process.arch})`);
      out.line(`core      @timeside/core ${core?.version ?? '?'}${core ? ` (${core.dir})` : ''}`);
      if (ffmpeg) {
        for (const bin of [ffmpeg.ffmpeg, ffmpeg.ffprobe] as const) {
          const name = bin === ffmpeg.ffmpeg ? 'ffmpeg' : 'ffprobe';
          out.line(`${name.padEnd(10)}${bin.version} — ${bin.path} (from ${bin.source})`);
          for (const note of bin.notes) out.line(`          note: ${note}`);
        }
        out.line(`codecs    ${codecs.map((c) => `${ok(c.present)} ${c.codec}`).join('  ')}`);
      } else {
        out.line('ffmpeg    ✗ not found');
      }
      const fft = fftBackend();
      out.line(
        `fft       ${fft.backend === 'pffft' ? `pffft-wasm${fft.simd ? ' (SIMD)' : ''}` : 'fft.js'}` +
          `${fft.forced ? ' (forced by TIMESIDE_FFT)' : ''}${fft.note ? ` — ${fft.note}` : ''}`,
      );
      out.line(`config    ${report?.configFile ?? 'none'}`);
      if (report) {
        out.line(
          `discovery ${report.discover ? `${report.nodeModules.length} node_modules scanned` : 'off (discover: false)'}, ` +
            `${report.packagesSeen} packages seen, ${report.plugins.length} plugins, ${Math.round(report.durationMs)} ms`,
        );
      }
      const plugins = report?.plugins ?? [];
      if (plugins.length) {
        out.line();
        out.line('Plugins:');
        const rows = plugins.map((p) => [
          p.status === 'loaded' ? '✓' : p.status === 'shadowed' ? '–' : '✗',
          p.package,
          p.version ?? '',
          p.via,
          p.status === 'loaded'
            ? `${p.processors.length} processor${p.processors.length === 1 ? '' : 's'}`
            : p.status,
          p.path,
        ]);
        for (const line of formatTable(['', 'PACKAGE', 'VERSION', 'VIA', 'PROCESSORS', 'PATH'], rows)) {
          out.line(`  ${line}`);
        }
      }
      // Not problems (a dangling link is common), but where a plugin that shows nowhere else may be.
      const skipped = report?.skipped ?? [];
      if (skipped.length) {
        out.line();
        out.line(`Skipped in node_modules (${skipped.length}):`);
        for (const s of skipped) out.line(`  – ${s.path}: ${s.reason}`);
      }
      const byKind = new Map<string, number>();
      for (const p of processors) byKind.set(p.kind, (byKind.get(p.kind) ?? 0) + 1);
      out.line();
      out.line(
        `Processors: ${processors.length} (${[...byKind].map(([kind, n]) => `${n} ${kind}${n === 1 ? '' : 's'}`).join(', ')})`,
      );
      out.line();
      if (problems.length === 0) {
        out.line('No problems found.');
      } else {
        out.line(`Problems (${problems.length}):`);
        for (const p of problems) out.line(`  ✗ ${p}`);
      }
    });
}
