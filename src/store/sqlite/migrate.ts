import type Database from 'better-sqlite3';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../package-root.js';

/** Ordered SQL files, `NNN-what-it-does.sql`; a database's PRAGMA user_version is the last one applied. */
const MIGRATIONS_DIR = join(packageRoot, 'src', 'store', 'sqlite', 'migrations');

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

let cached: Migration[] | undefined;

export function sqliteMigrations(): Migration[] {
  cached ??= readdirSync(MIGRATIONS_DIR)
    .filter((file) => /^\d{3}-[a-z0-9-]+\.sql$/.test(file))
    .sort()
    .map((file, i) => {
      const version = Number(file.slice(0, 3));
      if (version !== i + 1) throw new Error(`SQLite migrations must be numbered 001, 002, … without gaps; found ${file} as number ${i + 1}`);
      return { version, name: file.slice(4, -4), sql: readFileSync(join(MIGRATIONS_DIR, file), 'utf8') };
    });
  return cached;
}

/** A database written by a newer Staffwire than this one: opening it could corrupt what it holds. */
export class DatabaseTooNewError extends Error {
  constructor(
    readonly file: string,
    readonly version: number,
    readonly supported: number,
  ) {
    super(
      `the store ${file} was upgraded by a newer Staffwire (schema version ${version}; this one knows up to ${supported}): upgrade Staffwire, or point dataDir at another folder`,
    );
    this.name = 'DatabaseTooNewError';
  }
}

/**
 * Brings the database to the latest schema: every migration it lacks, in order, in one
 * transaction, so a crash midway leaves the previous version whole. Two processes opening a
 * database at once migrate it once: the write lock is taken before the version is read.
 */
export function migrate(db: Database.Database, file: string): void {
  const migrations = sqliteMigrations();
  const latest = migrations.length;
  const current = () => db.pragma('user_version', { simple: true }) as number;
  if (current() > latest) throw new DatabaseTooNewError(file, current(), latest);
  if (current() === latest) return;
  db.transaction(() => {
    const from = current();
    if (from > latest) throw new DatabaseTooNewError(file, from, latest);
    for (const migration of migrations.slice(from)) db.exec(migration.sql);
    db.pragma(`user_version = ${latest}`);
  }).immediate();
}

/** The schema version a read-only opening finds, checked the same way. */
export function checkVersion(db: Database.Database, file: string): number {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > sqliteMigrations().length) throw new DatabaseTooNewError(file, version, sqliteMigrations().length);
  return version;
}
