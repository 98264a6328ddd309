import type pg from 'pg';
import { DatabaseTooNewError, migrationsOf, type Migration } from '../migrations.js';
import type { Queryable } from './connection.js';

/** Ordered SQL files, `NNN-what-it-does.sql`; a schema's `staffwire_schema` table holds the last one applied. */
export function postgresMigrations(): Migration[] {
  return migrationsOf('postgres', 'PostgreSQL');
}

/** Taken by every Staffwire process migrating any schema of the database: migrations are rare and short. */
const MIGRATION_LOCK = 7_363_817_112_001;

function advice(setting: string): string {
  return `point ${setting} at another database or schema`;
}

/**
 * Brings the schema to the latest version: every migration it lacks, in order, in one
 * transaction under an advisory lock, so two processes starting together migrate once and a
 * crash midway leaves the previous version whole. Creates the schema when missing. READ WRITE
 * even on a read-only store's connection: a command that only reads still finds the tables it reads.
 */
export async function migrate(client: pg.PoolClient, schema: string, location: string, setting: string, upTo = postgresMigrations().length): Promise<void> {
  const migrations = postgresMigrations().slice(0, upTo);
  await client.query('BEGIN READ WRITE');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(`SET LOCAL search_path TO ${schema}`);
    await client.query('CREATE TABLE IF NOT EXISTS staffwire_schema (version integer NOT NULL)');
    const current = await versionIn(client);
    const latest = postgresMigrations().length;
    if (current > latest) throw new DatabaseTooNewError(location, current, latest, advice(setting));
    for (const migration of migrations.slice(current)) await client.query(migration.sql);
    if (current < migrations.length) {
      await client.query('DELETE FROM staffwire_schema');
      await client.query('INSERT INTO staffwire_schema (version) VALUES ($1)', [migrations.length]);
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  }
}

async function versionIn(client: pg.PoolClient): Promise<number> {
  const result = await client.query<{ version: number | null }>('SELECT max(version) AS version FROM staffwire_schema');
  return result.rows[0]?.version ?? 0;
}

/**
 * The version a schema is at, read without changing anything (`staffwire doctor`): 0 when it
 * holds no Staffwire tables yet. A schema a newer Staffwire upgraded throws DatabaseTooNewError,
 * as `migrate` does. `schema` must have passed checkSchemaName.
 */
export async function checkSchemaVersion(db: Queryable, schema: string, location: string, setting: string): Promise<number> {
  const table = await db.query<{ found: string | null }>('SELECT to_regclass($1) AS found', [`${schema}.staffwire_schema`]);
  if (table.rows[0]?.found == null) return 0;
  const result = await db.query<{ version: number | null }>(`SELECT max(version) AS version FROM ${schema}.staffwire_schema`);
  const version = result.rows[0]?.version ?? 0;
  const latest = postgresMigrations().length;
  if (version > latest) throw new DatabaseTooNewError(location, version, latest, advice(setting));
  return version;
}
