/**
 * The server's SQLite store (better-sqlite3): one file in the data dir, schema changed only by
 * the numbered migrations below, applied in order and recorded in `PRAGMA user_version`.
 */
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';

/** An open store. */
export type Db = Database.Database;

/**
 * Each entry moves the schema from version i to i + 1. Never edit a migration that has shipped:
 * add the next one.
 */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE items (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    path TEXT NOT NULL,
    owned INTEGER NOT NULL,
    size INTEGER NOT NULL,
    duration_s REAL,
    sample_rate INTEGER NOT NULL,
    channels INTEGER NOT NULL,
    codec TEXT NOT NULL,
    container TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE TABLE presets (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    processor TEXT NOT NULL,
    params TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE TABLE experiences (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    presets TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE TABLE selections (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    items TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE TABLE tasks (
    id TEXT PRIMARY KEY,
    experience TEXT NOT NULL,
    selection TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    started_at TEXT,
    finished_at TEXT
  );
  CREATE TABLE task_items (
    task TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    item TEXT NOT NULL,
    status TEXT NOT NULL,
    progress REAL NOT NULL DEFAULT 0,
    error TEXT,
    PRIMARY KEY (task, item)
  );
  CREATE TABLE results (
    item TEXT NOT NULL,
    preset TEXT NOT NULL,
    task TEXT NOT NULL,
    dir TEXT NOT NULL,
    files TEXT NOT NULL,
    result_ids TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (item, preset)
  );
  CREATE TABLE tracks (
    id TEXT PRIMARY KEY,
    item TEXT NOT NULL,
    name TEXT NOT NULL,
    author TEXT,
    created_at TEXT NOT NULL
  );
  CREATE TABLE annotations (
    id TEXT PRIMARY KEY,
    track TEXT NOT NULL REFERENCES tracks(id) ON DELETE CASCADE,
    time REAL NOT NULL,
    duration REAL NOT NULL,
    label TEXT NOT NULL,
    author TEXT,
    created_at TEXT NOT NULL
  );
  CREATE INDEX annotations_track ON annotations(track, time);
  `,
];

/** Opens (creating if needed) the store at `path` and brings its schema up to date. */
export function openDb(path: string): Db {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  const version = db.pragma('user_version', { simple: true }) as number;
  for (let v = version; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
  return db;
}

/** A new resource id: 16 url-safe characters, so an id never needs escaping in a path. */
export function newId(): string {
  return randomBytes(12).toString('base64url');
}

/** Now, as stored. */
export function now(): string {
  return new Date().toISOString();
}
