import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app/create-app.js';
import { loadConfig } from '../../src/config/config.js';
import { StoreUnavailableError, UsageError } from '../../src/errors/index.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { adminClient, dropSchema, freshSchema, TEST_DATABASE_URL } from '../support/postgres.js';

/** Which store `createApp` opens: a PostgreSQL URL from the environment or the file, else SQLite. */
describe('choosing the store', () => {
  let dir: string;
  let schema: string;
  let app: App | undefined;

  const configWith = (store: Record<string, unknown>) => {
    const file = join(dir, 'staffwire.config.json');
    writeFileSync(file, JSON.stringify({ dataDir: 'data', store }));
    return file;
  };
  const start = (file: string, env: NodeJS.ProcessEnv = {}) => createApp(loadConfig(file, env), { log: pino({ level: 'silent' }) });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'staffwire-store-choice-'));
    schema = freshSchema();
  });

  afterEach(async () => {
    await app?.close();
    app = undefined;
    rmSync(dir, { recursive: true, force: true });
    await dropSchema(schema);
  });

  it('runs a flow to success on PostgreSQL when STAFFWIRE_DATABASE_URL names a database, keeping it there', async () => {
    app = await start(configWith({ schema, url: 'postgres://nobody@127.0.0.1:1/overridden' }), { STAFFWIRE_DATABASE_URL: TEST_DATABASE_URL });
    expect(app.store).toBeInstanceOf(PostgresStore);
    const flow = app.engine.compile({ id: 'hello', version: '1', steps: [{ id: 'done', kind: 'return', output: { greeting: '${ "hello " & $input.name }' } }] });
    const run = await app.engine.runNow(flow, { name: 'Zoë' });
    expect(run).toMatchObject({ status: 'succeeded', output: { greeting: 'hello Zoë' } });
    const client = await adminClient(schema);
    try {
      expect((await client.query('SELECT status FROM runs WHERE id = $1', [run.id])).rows).toEqual([{ status: 'succeeded' }]);
    } finally {
      await client.end();
    }
  });

  it('takes store.url from the file when the environment sets none', async () => {
    app = await start(configWith({ schema, url: TEST_DATABASE_URL, poolSize: 2 }));
    expect(app.store).toBeInstanceOf(PostgresStore);
  });

  it('keeps the SQLite file under dataDir when no URL is set', async () => {
    app = await start(configWith({}));
    expect(app.store).toBeInstanceOf(SqliteStore);
  });

  it('refuses a URL of another kind, naming the setting and not the value', () => {
    const file = configWith({});
    expect(() => loadConfig(file, { STAFFWIRE_DATABASE_URL: 'mysql://root:s3cret@db/hr' })).toThrow(UsageError);
    expect(() => loadConfig(file, { STAFFWIRE_DATABASE_URL: 'mysql://root:s3cret@db/hr' })).toThrow(
      'STAFFWIRE_DATABASE_URL must be a postgres:// or postgresql:// URL, got one starting "mysql:"',
    );
  });

  it('fails at start, in one line naming the file setting, when the database cannot be reached', async () => {
    const file = configWith({ url: 'postgresql://staffwire:s3cret@127.0.0.1:1/staffwire' });
    const refused = start(file);
    await expect(refused).rejects.toBeInstanceOf(StoreUnavailableError);
    const error = (await refused.catch((err: Error) => err)) as Error;
    expect(error.message).toMatch(new RegExp(`^the PostgreSQL store postgresql://staffwire@127\\.0\\.0\\.1:1/staffwire \\(set by store\\.url in ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\) cannot be reached: `));
    expect(error.message).not.toContain('s3cret');
    expect(error.message).not.toContain('\n');
  });
});
