import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PostgresStore, type PostgresStoreOptions } from '../../src/store/postgres/postgres-store.js';

/** The PostgreSQL the tests use: STAFFWIRE_DATABASE_URL, else the local server with trust auth. */
export const TEST_DATABASE_URL = process.env.STAFFWIRE_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

/** A schema name no other test (or test run) uses. */
export function freshSchema(): string {
  return `sw_test_${randomBytes(6).toString('hex')}`;
}

/** A store in a fresh schema of its own; `dropSchema` removes it after. */
export async function openTestStore(options: Partial<PostgresStoreOptions> = {}): Promise<PostgresStore & { schema: string }> {
  const schema = options.schema ?? freshSchema();
  const store = await PostgresStore.open({ url: TEST_DATABASE_URL, schema, poolSize: 4, ...options });
  return Object.assign(store, { schema });
}

/** A plain connection to the test database, for what a test sets up or checks behind the store's back. */
export async function adminClient(schema?: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, ...(schema ? { options: `-c search_path=${schema}` } : {}) });
  await client.connect();
  return client;
}

export async function dropSchema(schema: string): Promise<void> {
  const client = await adminClient();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}
