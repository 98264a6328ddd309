import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../package-root.js';

/** One ordered schema change, from `src/store/<kind>/migrations/NNN-what-it-does.sql`. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

const cache = new Map<string, Migration[]>();

/**
 * The migrations of one store kind, in order. Read from the package root, so the same files serve
 * whether Staffwire runs from src/ (tests) or dist/ (the package keeps the SQL beside it).
 */
export function migrationsOf(kind: 'sqlite' | 'postgres', label: string): Migration[] {
  const cached = cache.get(kind);
  if (cached) return cached;
  const dir = join(packageRoot, 'src', 'store', kind, 'migrations');
  const migrations = readdirSync(dir)
    .filter((file) => /^\d{3}-[a-z0-9-]+\.sql$/.test(file))
    .sort()
    .map((file, i) => {
      const version = Number(file.slice(0, 3));
      if (version !== i + 1) throw new Error(`${label} migrations must be numbered 001, 002, … without gaps; found ${file} as number ${i + 1}`);
      return { version, name: file.slice(4, -4), sql: readFileSync(join(dir, file), 'utf8') };
    });
  cache.set(kind, migrations);
  return migrations;
}

/** A database written by a newer Staffwire than this one: opening it could corrupt what it holds. */
export class DatabaseTooNewError extends Error {
  constructor(
    /** The file, or the database URL without its password. */
    readonly location: string,
    readonly version: number,
    readonly supported: number,
    /** What else the user may do than upgrade, e.g. `point dataDir at another folder`. */
    advice: string,
  ) {
    super(`the store ${location} was upgraded by a newer Staffwire (schema version ${version}; this one knows up to ${supported}): upgrade Staffwire, or ${advice}`);
    this.name = 'DatabaseTooNewError';
  }
}
