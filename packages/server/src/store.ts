/**
 * The resources of the API as rows of the store, and the reads and writes on them. Handlers and
 * the task runner go through these functions only.
 */
import { type Db, newId, now } from './db.js';
import { notFound } from './http-error.js';

/** A media file known to the server, with what ffprobe read at ingest. */
export interface Item {
  id: string;
  title: string;
  /** Absolute path on the server (not shown by the API). */
  path: string;
  /** True when the server holds the file (uploaded), false when it was registered in place. */
  owned: boolean;
  size: number;
  durationS: number | null;
  sampleRate: number;
  channels: number;
  codec: string;
  container: string;
  createdAt: string;
}

/** A processor with its parameters. */
export interface Preset {
  id: string;
  name: string;
  processor: string;
  params: Record<string, unknown>;
  createdAt: string;
}

/** A set of presets run together (in one pass per item). */
export interface Experience {
  id: string;
  name: string;
  presets: string[];
  createdAt: string;
}

/** A set of items. */
export interface Selection {
  id: string;
  name: string;
  items: string[];
  createdAt: string;
}

export type Status = 'pending' | 'running' | 'done' | 'failed';

/** One item of a task. */
export interface TaskItem {
  item: string;
  status: Status;
  /** 0..1 */
  progress: number;
  error: string | null;
}

/** An experience run on a selection. */
export interface Task {
  id: string;
  experience: string;
  selection: string;
  status: Status;
  progress: number;
  items: TaskItem[];
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

/** What the last run of a preset on an item left. */
export interface ResultRow {
  item: string;
  preset: string;
  task: string;
  /** Absolute directory of the results (not shown by the API). */
  dir: string;
  files: string[];
  resultIds: string[];
  createdAt: string;
}

/** An annotation track of an item. */
export interface Track {
  id: string;
  item: string;
  name: string;
  author: string | null;
  createdAt: string;
}

/** One annotation: a labelled time span (duration 0 for an instant). */
export interface Annotation {
  id: string;
  track: string;
  time: number;
  duration: number;
  label: string;
  author: string | null;
  createdAt: string;
}

type Row = Record<string, unknown>;

function itemOf(r: Row): Item {
  return {
    id: r.id as string,
    title: r.title as string,
    path: r.path as string,
    owned: r.owned === 1,
    size: r.size as number,
    durationS: (r.duration_s as number | null) ?? null,
    sampleRate: r.sample_rate as number,
    channels: r.channels as number,
    codec: r.codec as string,
    container: r.container as string,
    createdAt: r.created_at as string,
  };
}

/** The store's operations, bound to one database. */
export class Store {
  constructor(readonly db: Db) {}

  insertItem(item: Omit<Item, 'createdAt'>): Item {
    const createdAt = now();
    this.db
      .prepare(
        `INSERT INTO items (id, title, path, owned, size, duration_s, sample_rate, channels, codec, container, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        item.id,
        item.title,
        item.path,
        item.owned ? 1 : 0,
        item.size,
        item.durationS,
        item.sampleRate,
        item.channels,
        item.codec,
        item.container,
        createdAt,
      );
    return { ...item, createdAt };
  }

  items(): Item[] {
    return (this.db.prepare('SELECT * FROM items ORDER BY created_at, id').all() as Row[]).map(itemOf);
  }

  item(id: string): Item {
    const row = this.db.prepare('SELECT * FROM items WHERE id = ?').get(id) as Row | undefined;
    if (!row) throw notFound('item', id);
    return itemOf(row);
  }

  deleteItem(id: string): void {
    this.item(id);
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM results WHERE item = ?').run(id);
      this.db.prepare('DELETE FROM tracks WHERE item = ?').run(id);
      this.db.prepare('DELETE FROM items WHERE id = ?').run(id);
    })();
  }

  insertPreset(p: Omit<Preset, 'id' | 'createdAt'>): Preset {
    const preset = { id: newId(), ...p, createdAt: now() };
    this.db
      .prepare('INSERT INTO presets (id, name, processor, params, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(preset.id, preset.name, preset.processor, JSON.stringify(preset.params), preset.createdAt);
    return preset;
  }

  #presetOf(r: Row): Preset {
    return {
      id: r.id as string,
      name: r.name as string,
      processor: r.processor as string,
      params: JSON.parse(r.params as string),
      createdAt: r.created_at as string,
    };
  }

  presets(): Preset[] {
    return (this.db.prepare('SELECT * FROM presets ORDER BY created_at, id').all() as Row[]).map((r) =>
      this.#presetOf(r),
    );
  }

  preset(id: string): Preset {
    const row = this.db.prepare('SELECT * FROM presets WHERE id = ?').get(id) as Row | undefined;
    if (!row) throw notFound('preset', id);
    return this.#presetOf(row);
  }

  insertExperience(name: string, presets: string[]): Experience {
    for (const p of presets) this.preset(p);
    const e = { id: newId(), name, presets, createdAt: now() };
    this.db
      .prepare('INSERT INTO experiences (id, name, presets, created_at) VALUES (?, ?, ?, ?)')
      .run(e.id, name, JSON.stringify(presets), e.createdAt);
    return e;
  }

  #experienceOf(r: Row): Experience {
    return {
      id: r.id as string,
      name: r.name as string,
      presets: JSON.parse(r.presets as string),
      createdAt: r.created_at as string,
    };
  }

  experiences(): Experience[] {
    return (this.db.prepare('SELECT * FROM experiences ORDER BY created_at, id').all() as Row[]).map((r) =>
      this.#experienceOf(r),
    );
  }

  experience(id: string): Experience {
    const row = this.db.prepare('SELECT * FROM experiences WHERE id = ?').get(id) as Row | undefined;
    if (!row) throw notFound('experience', id);
    return this.#experienceOf(row);
  }

  insertSelection(name: string, items: string[]): Selection {
    for (const i of items) this.item(i);
    const s = { id: newId(), name, items, createdAt: now() };
    this.db
      .prepare('INSERT INTO selections (id, name, items, created_at) VALUES (?, ?, ?, ?)')
      .run(s.id, name, JSON.stringify(items), s.createdAt);
    return s;
  }

  #selectionOf(r: Row): Selection {
    return {
      id: r.id as string,
      name: r.name as string,
      items: JSON.parse(r.items as string),
      createdAt: r.created_at as string,
    };
  }

  selections(): Selection[] {
    return (this.db.prepare('SELECT * FROM selections ORDER BY created_at, id').all() as Row[]).map((r) =>
      this.#selectionOf(r),
    );
  }

  selection(id: string): Selection {
    const row = this.db.prepare('SELECT * FROM selections WHERE id = ?').get(id) as Row | undefined;
    if (!row) throw notFound('selection', id);
    return this.#selectionOf(row);
  }

  /** Creates a pending task with one pending row per item of the selection. */
  insertTask(experience: string, selection: string): Task {
    this.experience(experience);
    const items = this.selection(selection).items;
    const id = newId();
    this.db.transaction(() => {
      this.db
        .prepare('INSERT INTO tasks (id, experience, selection, status, created_at) VALUES (?, ?, ?, ?, ?)')
        .run(id, experience, selection, 'pending', now());
      const add = this.db.prepare("INSERT INTO task_items (task, item, status) VALUES (?, ?, 'pending')");
      for (const item of new Set(items)) add.run(id, item);
    })();
    return this.task(id);
  }

  task(id: string): Task {
    const r = this.db.prepare('SELECT * FROM tasks WHERE id = ?').get(id) as Row | undefined;
    if (!r) throw notFound('task', id);
    const items = (
      this.db.prepare('SELECT * FROM task_items WHERE task = ? ORDER BY rowid').all(id) as Row[]
    ).map((t) => ({
      item: t.item as string,
      status: t.status as Status,
      progress: t.progress as number,
      error: (t.error as string | null) ?? null,
    }));
    const progress = items.length ? items.reduce((s, t) => s + t.progress, 0) / items.length : 1;
    return {
      id,
      experience: r.experience as string,
      selection: r.selection as string,
      status: r.status as Status,
      progress,
      items,
      createdAt: r.created_at as string,
      startedAt: (r.started_at as string | null) ?? null,
      finishedAt: (r.finished_at as string | null) ?? null,
    };
  }

  tasks(): Task[] {
    return (this.db.prepare('SELECT id FROM tasks ORDER BY created_at, id').all() as Row[]).map((r) =>
      this.task(r.id as string),
    );
  }

  /** The pending (task, item) pairs, oldest task first: the runner's queue after a start. */
  pendingWork(): { task: string; item: string }[] {
    return this.db
      .prepare(
        `SELECT ti.task AS task, ti.item AS item FROM task_items ti JOIN tasks t ON t.id = ti.task
         WHERE ti.status = 'pending' ORDER BY t.created_at, ti.rowid`,
      )
      .all() as { task: string; item: string }[];
  }

  /**
   * Marks what was running when the server stopped as failed (its outputs may be partial; the
   * pipeline deleted nothing it had not finished), so no task is silently lost. Returns how many.
   */
  failInterrupted(reason: string): number {
    return this.db.transaction(() => {
      const n = this.db
        .prepare("UPDATE task_items SET status = 'failed', error = ? WHERE status = 'running'")
        .run(reason).changes;
      const tasks = this.db.prepare("SELECT id FROM tasks WHERE status = 'running'").all() as Row[];
      for (const t of tasks) this.settleTask(t.id as string);
      return n;
    })();
  }

  setTaskItem(task: string, item: string, fields: Partial<Omit<TaskItem, 'item'>>): void {
    const sets: string[] = [];
    const values: unknown[] = [];
    for (const [k, v] of Object.entries(fields)) {
      sets.push(`${k} = ?`);
      values.push(v);
    }
    if (!sets.length) return;
    this.db
      .prepare(`UPDATE task_items SET ${sets.join(', ')} WHERE task = ? AND item = ?`)
      .run(...values, task, item);
  }

  markTaskRunning(task: string): void {
    this.db
      .prepare("UPDATE tasks SET status = 'running', started_at = COALESCE(started_at, ?) WHERE id = ?")
      .run(now(), task);
  }

  /** Sets the task's status from its items: done when all are done, failed when any failed. */
  settleTask(task: string): Status {
    const rows = this.db.prepare('SELECT status FROM task_items WHERE task = ?').all(task) as Row[];
    const statuses = rows.map((r) => r.status as Status);
    let status: Status;
    if (statuses.some((s) => s === 'pending' || s === 'running')) status = 'running';
    else status = statuses.some((s) => s === 'failed') ? 'failed' : 'done';
    this.db
      .prepare('UPDATE tasks SET status = ?, finished_at = ? WHERE id = ?')
      .run(status, status === 'running' ? null : now(), task);
    return status;
  }

  upsertResult(r: Omit<ResultRow, 'createdAt'>): void {
    this.db
      .prepare(
        `INSERT INTO results (item, preset, task, dir, files, result_ids, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (item, preset) DO UPDATE SET task = excluded.task, dir = excluded.dir,
           files = excluded.files, result_ids = excluded.result_ids, created_at = excluded.created_at`,
      )
      .run(r.item, r.preset, r.task, r.dir, JSON.stringify(r.files), JSON.stringify(r.resultIds), now());
  }

  #resultOf(r: Row): ResultRow {
    return {
      item: r.item as string,
      preset: r.preset as string,
      task: r.task as string,
      dir: r.dir as string,
      files: JSON.parse(r.files as string),
      resultIds: JSON.parse(r.result_ids as string),
      createdAt: r.created_at as string,
    };
  }

  results(item: string): ResultRow[] {
    this.item(item);
    return (
      this.db.prepare('SELECT * FROM results WHERE item = ? ORDER BY created_at, preset').all(item) as Row[]
    ).map((r) => this.#resultOf(r));
  }

  result(item: string, preset: string): ResultRow {
    this.item(item);
    const row = this.db.prepare('SELECT * FROM results WHERE item = ? AND preset = ?').get(item, preset) as
      | Row
      | undefined;
    if (!row) throw notFound('result', `${item}/${preset}`);
    return this.#resultOf(row);
  }

  insertTrack(item: string, name: string, author: string | null): Track {
    this.item(item);
    const t = { id: newId(), item, name, author, createdAt: now() };
    this.db
      .prepare('INSERT INTO tracks (id, item, name, author, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(t.id, item, name, author, t.createdAt);
    return t;
  }

  #trackOf(r: Row): Track {
    return {
      id: r.id as string,
      item: r.item as string,
      name: r.name as string,
      author: (r.author as string | null) ?? null,
      createdAt: r.created_at as string,
    };
  }

  tracks(item: string): Track[] {
    this.item(item);
    return (
      this.db.prepare('SELECT * FROM tracks WHERE item = ? ORDER BY created_at, id').all(item) as Row[]
    ).map((r) => this.#trackOf(r));
  }

  track(id: string): Track {
    const row = this.db.prepare('SELECT * FROM tracks WHERE id = ?').get(id) as Row | undefined;
    if (!row) throw notFound('track', id);
    return this.#trackOf(row);
  }

  deleteTrack(id: string): void {
    this.track(id);
    this.db.prepare('DELETE FROM tracks WHERE id = ?').run(id);
  }

  insertAnnotation(a: Omit<Annotation, 'id' | 'createdAt'>): Annotation {
    this.track(a.track);
    const annotation = { id: newId(), ...a, createdAt: now() };
    this.db
      .prepare(
        'INSERT INTO annotations (id, track, time, duration, label, author, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      )
      .run(annotation.id, a.track, a.time, a.duration, a.label, a.author, annotation.createdAt);
    return annotation;
  }

  #annotationOf(r: Row): Annotation {
    return {
      id: r.id as string,
      track: r.track as string,
      time: r.time as number,
      duration: r.duration as number,
      label: r.label as string,
      author: (r.author as string | null) ?? null,
      createdAt: r.created_at as string,
    };
  }

  annotations(track: string): Annotation[] {
    this.track(track);
    return (
      this.db.prepare('SELECT * FROM annotations WHERE track = ? ORDER BY time, id').all(track) as Row[]
    ).map((r) => this.#annotationOf(r));
  }

  annotation(id: string): Annotation {
    const row = this.db.prepare('SELECT * FROM annotations WHERE id = ?').get(id) as Row | undefined;
    if (!row) throw notFound('annotation', id);
    return this.#annotationOf(row);
  }

  updateAnnotation(id: string, fields: Partial<Pick<Annotation, 'time' | 'duration' | 'label' | 'author'>>) {
    const a = { ...this.annotation(id), ...fields };
    this.db
      .prepare('UPDATE annotations SET time = ?, duration = ?, label = ?, author = ? WHERE id = ?')
      .run(a.time, a.duration, a.label, a.author, id);
    return a;
  }

  deleteAnnotation(id: string): void {
    this.annotation(id);
    this.db.prepare('DELETE FROM annotations WHERE id = ?').run(id);
  }
}
