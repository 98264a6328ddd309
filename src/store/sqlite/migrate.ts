import type Database from 'better-sqlite3';
import { DatabaseTooNewError, migrationsOf, type Migration } from '../migrations.js';

/** Ordered SQL files, `NNN-what-it-does.sql`; a database's PRAGMA user_version is the last one applied. */
export function sqliteMigrations(): Migration[] {
  return migrationsOf('sqlite', 'SQLite');
}

const ADVICE = 'point dataDir at another folder';

/**
 * Brings the database to the latest schema: every migration it lacks, in order, in one
 * transaction, so a crash midway leaves the previous version whole. Two processes opening a
 * database at once migrate it once: the write lock is taken before the version is read.
 */
export function migrate(db: Database.Database, file: string): void {
  const migrations = sqliteMigrations();
  const latest = migrations.length;
  const current = () => db.pragma('user_version', { simple: true }) as number;
  if (current() > latest) throw new DatabaseTooNewError(file, current(), latest, ADVICE);
  if (current() === latest) return;
  db.transaction(() => {
    const from = current();
    if (from > latest) throw new DatabaseTooNewError(file, from, latest, ADVICE);
    for (const migration of migrations.slice(from)) db.exec(migration.sql);
    db.pragma(`user_version = ${latest}`);
  }).immediate();
}

/** The schema version a read-only opening finds, checked the same way. */
export function checkVersion(db: Database.Database, file: string): number {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > sqliteMigrations().length) throw new DatabaseTooNewError(file, version, sqliteMigrations().length, ADVICE);
  return version;
}
