import { readdirSync, realpathSync, statSync } from 'node:fs';
import { basename, extname, join, relative, resolve } from 'node:path';

/**
 * Extensions taken from a directory given to `timeside run` (a file named explicitly is always
 * tried, whatever its name).
 */
export const AUDIO_EXTENSIONS: ReadonlySet<string> = new Set([
  'aac',
  'aif',
  'aifc',
  'aiff',
  'amr',
  'ape',
  'au',
  'caf',
  'flac',
  'm4a',
  'mka',
  'mp2',
  'mp3',
  'mp4',
  'mpc',
  'oga',
  'ogg',
  'opus',
  'snd',
  'w64',
  'wav',
  'wave',
  'webm',
  'wma',
  'wv',
]);

/** An input of a batch. */
export interface InputFile {
  /** Absolute path. */
  path: string;
  /** How to name it to the user: as given, or relative to the working directory. */
  label: string;
  /** Name of its outputs: `<stem>.<processor-id>.<ext>`, `<stem>.results.json`. */
  stem: string;
}

/** An argument that yields no input, and why. */
export interface InputProblem {
  label: string;
  reason: string;
}

function isAudioName(name: string): boolean {
  return AUDIO_EXTENSIONS.has(extname(name).slice(1).toLowerCase());
}

/**
 * Adds the audio files of `dir` to `into`. `listed` holds the real paths of the directories
 * already listed: one reached again through a symlink (`loop -> .`, two links to one folder) is
 * skipped, so a loop neither repeats files nor recurses without end.
 */
function listDirectory(dir: string, recursive: boolean, into: string[], listed = new Set<string>()): void {
  const real = realpathSync(dir);
  if (listed.has(real)) return;
  listed.add(real);
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const full = join(dir, entry.name);
    let isDir = entry.isDirectory();
    let isFile = entry.isFile();
    if (entry.isSymbolicLink()) {
      try {
        const target = statSync(full);
        isDir = target.isDirectory();
        isFile = target.isFile();
      } catch {
        continue; // a dangling link
      }
    }
    if (isFile && isAudioName(entry.name)) into.push(full);
    else if (isDir && recursive) listDirectory(full, recursive, into, listed);
  }
}

/**
 * Expands the FILE|DIR arguments of `timeside run` into input files, in argument order (a
 * directory's files sorted by name), without duplicates. A directory contributes its audio files
 * (by extension), and those of its subdirectories with `recursive`; hidden entries are skipped.
 * A missing path or a directory without audio files is reported as a problem, not thrown.
 */
export function expandInputs(
  args: readonly string[],
  options: { cwd: string; recursive: boolean },
): { files: InputFile[]; problems: InputProblem[] } {
  const paths: { path: string; label: string }[] = [];
  const problems: InputProblem[] = [];
  const seen = new Set<string>();
  const labelOf = (path: string) => {
    const rel = relative(options.cwd, path);
    return rel && !rel.startsWith('..') ? rel : path;
  };
  for (const arg of args) {
    const path = resolve(options.cwd, arg);
    let stats: ReturnType<typeof statSync>;
    try {
      stats = statSync(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      problems.push({
        label: arg,
        reason: code === 'ENOENT' ? 'no such file or directory' : (error as Error).message,
      });
      continue;
    }
    if (stats.isDirectory()) {
      const found: string[] = [];
      try {
        listDirectory(path, options.recursive, found);
      } catch (error) {
        problems.push({ label: arg, reason: `cannot read the directory: ${(error as Error).message}` });
        continue;
      }
      if (found.length === 0) {
        problems.push({
          label: arg,
          reason: `no audio files in this directory${options.recursive ? '' : ' (--recursive descends into subdirectories)'}`,
        });
      }
      for (const file of found) {
        if (!seen.has(file)) paths.push({ path: file, label: labelOf(file) });
        seen.add(file);
      }
    } else {
      if (!seen.has(path)) paths.push({ path, label: arg });
      seen.add(path);
    }
  }
  const stems = outputStems(paths.map((p) => p.path));
  return { files: paths.map((p, i) => ({ ...p, stem: stems[i] })), problems };
}

/**
 * Output stems for a batch: the file name without its extension (`sweep.wav` → `sweep`); where
 * two inputs would share one, the full file name (`take.wav`, `take.mp3`); where they still
 * would (same name in two directories), a counter after the second (`take.wav-2`).
 */
export function outputStems(paths: readonly string[]): string[] {
  const names = paths.map((p) => basename(p));
  const bare = names.map((n) => (extname(n) ? n.slice(0, -extname(n).length) : n));
  const count = (list: string[]) => {
    const counts = new Map<string, number>();
    for (const s of list) counts.set(s, (counts.get(s) ?? 0) + 1);
    return counts;
  };
  const bareCounts = count(bare);
  const stems = bare.map((s, i) => ((bareCounts.get(s) ?? 0) > 1 ? names[i] : s));
  const used = new Map<string, number>();
  return stems.map((s) => {
    const n = (used.get(s) ?? 0) + 1;
    used.set(s, n);
    return n === 1 ? s : `${s}-${n}`;
  });
}
