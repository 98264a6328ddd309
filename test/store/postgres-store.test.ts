import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { StoreUnavailableError } from '../../src/errors/index.js';
import { postgresMigrations, migrate } from '../../src/store/postgres/migrate.js';
import { openPool } from '../../src/store/postgres/connection.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { adminClient, dropSchema, freshSchema, openTestStore, TEST_DATABASE_URL } from '../support/postgres.js';
import { RUN } from './a-run.js';
import { waitFor } from '../support/wait-for.js';
import { describeStoreContract } from './store-contract.js';

describeStoreContract(
  'PostgreSQL',
  () => openTestStore(),
  (store) => dropSchema(store.schema),
);

describe('PostgresStore', () => {
  const schemas: string[] = [];
  const opened: PostgresStore[] = [];

  function schema(): string {
    const name = freshSchema();
    schemas.push(name);
    return name;
  }

  async function open(options: Partial<Parameters<typeof PostgresStore.open>[0]> = {}): Promise<PostgresStore> {
    const store = await PostgresStore.open({ url: TEST_DATABASE_URL, poolSize: 4, ...options });
    opened.push(store);
    return store;
  }

  /** Runs SQL in the schema behind the store's back. */
  async function inSchema<T>(name: string, use: (client: import('pg').Client) => Promise<T>): Promise<T> {
    const client = await adminClient(name);
    try {
      return await use(client);
    } finally {
      await client.end();
    }
  }

  const versionOf = (name: string) => inSchema(name, async (c) => (await c.query<{ version: number }>('SELECT version FROM staffwire_schema')).rows.map((r) => r.version));

  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    for (const name of schemas.splice(0)) await dropSchema(name);
  });

  describe('migrations', () => {
    it('creates the schema and every table in an empty database, at the latest version', async () => {
      const name = schema();
      const store = await open({ schema: name });
      expect(await versionOf(name)).toEqual([postgresMigrations().length]);
      await store.createRun(RUN);
      expect(await store.getRun(RUN.id)).toEqual(RUN);
      const tables = await inSchema(name, async (c) => (await c.query<{ t: string }>('SELECT tablename AS t FROM pg_tables WHERE schemaname = $1 ORDER BY 1', [name])).rows.map((r) => r.t));
      expect(tables).toEqual(['deliveries', 'event_keys', 'flows', 'idempotency_keys', 'listens', 'run_journal', 'run_steps', 'runs', 'schedules', 'seen_events', 'staffwire_schema', 'state']);
    });

    it('upgrades a schema of the previous version, keeping what it holds', async () => {
      const name = schema();
      const previous = postgresMigrations().length - 1;
      const pool = openPool({ url: TEST_DATABASE_URL, schema: name, poolSize: 1, readonly: false, connectTimeoutMs: 10_000 });
      try {
        const client = await pool.connect();
        await migrate(client, name, 'test', 'test', previous);
        client.release();
      } finally {
        await pool.end();
      }
      expect(await versionOf(name)).toEqual([previous]);
      await inSchema(name, (c) =>
        c.query('INSERT INTO runs (id, flow_id, status, created_at, due_at, body) VALUES ($1, $2, $3, $4, $5, $6)', [RUN.id, RUN.flowId, RUN.status, RUN.createdAt, RUN.updatedAt, JSON.stringify(RUN)]),
      );

      const store = await open({ schema: name });
      expect(await versionOf(name)).toEqual([postgresMigrations().length]);
      expect(await store.getRun(RUN.id)).toEqual(RUN);
      expect(await store.dueRuns(RUN.updatedAt, 10)).toEqual([{ id: RUN.id, dueAt: RUN.updatedAt }]);
      const delivery = await store.recordDelivery({ source: 'lark', receivedAt: RUN.createdAt, outcome: 'accepted', event: { id: 'ev_1', type: 't', occurredAt: RUN.createdAt, payload: {} } });
      expect(await store.undispatchedDeliveries(10)).toEqual([delivery]);
    });

    it('refuses a schema a newer Staffwire upgraded, naming the database without its password, and leaves it as it is', async () => {
      const name = schema();
      await inSchema('public', async (c) => {
        await c.query(`CREATE SCHEMA ${name}`);
        await c.query(`CREATE TABLE ${name}.staffwire_schema (version integer NOT NULL)`);
        await c.query(`INSERT INTO ${name}.staffwire_schema VALUES (99)`);
      });
      const url = new URL(TEST_DATABASE_URL);
      url.password = 'hunter2';
      const refused = open({ url: url.toString(), schema: name, setting: 'STAFFWIRE_DATABASE_URL' });
      await expect(refused).rejects.toBeInstanceOf(StoreUnavailableError);
      const shown = new URL(TEST_DATABASE_URL);
      shown.password = '';
      await expect(refused).rejects.toThrow(
        `the store ${shown.toString()} was upgraded by a newer Staffwire (schema version 99; this one knows up to ${postgresMigrations().length}): upgrade Staffwire, or point STAFFWIRE_DATABASE_URL at another database or schema`,
      );
      await expect(refused).rejects.not.toThrow('hunter2');
      expect(await versionOf(name)).toEqual([99]);
    });

    it('migrates once when two processes open the same empty schema at the same time', async () => {
      const name = schema();
      const [a, b] = await Promise.all([open({ schema: name }), open({ schema: name })]);
      expect(await versionOf(name)).toEqual([postgresMigrations().length]);
      await a.createRun(RUN);
      expect(await b.getRun(RUN.id)).toEqual(RUN);
    });
  });

  it('gives each run to exactly one of two processes claiming the same runs at once', async () => {
    const name = schema();
    const a = await open({ schema: name });
    const b = await open({ schema: name });
    const ids = Array.from({ length: 40 }, (_, i) => `run_${i}`);
    for (const id of ids) await a.createRun({ ...RUN, id });
    const claim = (store: PostgresStore, owner: string) => ids.map((id) => store.claimRun(id, { owner, leaseUntil: '2025-03-01T09:10:00.000Z', now: RUN.createdAt, patch: { status: 'running' } }));
    // Interleaved, so both pools have claims in flight on the same rows.
    const byA = claim(a, 'host-a:1');
    const byB = claim(b, 'host-b:2');
    const [wonA, wonB] = await Promise.all([Promise.all(byA), Promise.all(byB)]);
    for (const [i, id] of ids.entries()) {
      expect(wonA[i] !== wonB[i]).toBe(true);
      expect((await a.getRun(id))?.owner).toBe(wonA[i] ? 'host-a:1' : 'host-b:2');
    }
  });

  describe('a write over a run that another process changes after it was read', () => {
    const LEASE = '2025-03-01T09:10:00.000Z';

    /**
     * Starts `write` while another connection holds an uncommitted change of the run's row, and
     * commits that change once `write` waits for the row: `write` read the row before the change
     * and writes after it, the race a one-statement write must lose cleanly.
     */
    async function racing<T>(name: string, change: { set: string; values: unknown[] }, write: () => Promise<T>): Promise<T> {
      const other = await adminClient(name);
      try {
        await other.query('BEGIN');
        await other.query(`UPDATE runs SET ${change.set} WHERE id = $1`, [RUN.id, ...change.values]);
        const written = write();
        written.catch(() => undefined);
        const waiting = async () =>
          (await other.query('SELECT 1 FROM pg_stat_activity WHERE pg_backend_pid() = ANY(pg_blocking_pids(pid))')).rowCount === 1;
        await waitFor(waiting, 'the write to wait for the other connection');
        await other.query('COMMIT');
        return await written;
      } finally {
        await other.end();
      }
    }

    const takenBy = (owner: string, status = 'running') => ({
      set: `status = '${status}', owner = $2, lease_until = $3, body = $4`,
      values: [owner, LEASE, JSON.stringify({ ...RUN, status, owner, leaseUntil: LEASE })],
    });

    it('does not claim a run another process claimed meanwhile', async () => {
      const name = schema();
      const store = await open({ schema: name });
      await store.createRun(RUN);
      const claimed = await racing(name, takenBy('host-b:2'), () => store.claimRun(RUN.id, { owner: 'host-a:1', leaseUntil: LEASE, now: RUN.createdAt, patch: { status: 'running' } }));
      expect(claimed).toBe(false);
      expect(await store.getRun(RUN.id)).toMatchObject({ status: 'running', owner: 'host-b:2' });
    });

    it('claims a run whose change meanwhile left it free, deciding on the change', async () => {
      const name = schema();
      const store = await open({ schema: name });
      await store.createRun(RUN);
      const renamed = { set: 'body = $2', values: [JSON.stringify({ ...RUN, input: { changed: true } })] };
      expect(await racing(name, renamed, () => store.claimRun(RUN.id, { owner: 'host-a:1', leaseUntil: LEASE, now: RUN.createdAt, patch: { status: 'running' } }))).toBe(true);
      expect(await store.getRun(RUN.id)).toMatchObject({ status: 'running', owner: 'host-a:1', input: { changed: true } });
    });

    it('does not finish a run taken over meanwhile, nor write its steps', async () => {
      const name = schema();
      const store = await open({ schema: name });
      await store.createRun(RUN);
      await store.claimRun(RUN.id, { owner: 'host-a:1', leaseUntil: RUN.createdAt, now: RUN.createdAt, patch: { status: 'running' } });
      const step = { runId: RUN.id, path: 'a', stepId: 'a', kind: 'call', status: 'succeeded' as const, attempts: 1, startedAt: RUN.createdAt, updatedAt: RUN.createdAt };
      const finish = () =>
        store.updateRun(RUN.id, { status: 'succeeded', output: 1, owner: undefined, leaseUntil: undefined }, { owner: 'host-a:1', steps: [step], journal: [{ runId: RUN.id, at: RUN.createdAt, type: 'step.succeeded', actor: 'engine' }] });
      await expect(racing(name, takenBy('host-b:2'), finish)).rejects.toMatchObject({ name: 'RunFencedError', owner: 'host-b:2' });
      expect(await store.getRun(RUN.id)).toMatchObject({ status: 'running', owner: 'host-b:2' });
      expect(await store.listSteps(RUN.id)).toEqual([]);
      expect(await store.listJournal(RUN.id)).toEqual([]);
    });
  });

  describe('conflicts with concurrent transactions', () => {
    /** Makes the first `failures` inserts into `state` fail as PostgreSQL fails a conflicting transaction; counts every attempt. */
    async function failInserts(name: string, sqlstate: string, failures: number): Promise<() => Promise<number>> {
      await inSchema(name, async (c) => {
        await c.query('CREATE SEQUENCE attempts');
        await c.query(`CREATE FUNCTION fail_first() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN
            IF nextval('attempts') <= ${failures} THEN RAISE EXCEPTION 'conflict staged by the test' USING ERRCODE = '${sqlstate}'; END IF;
            RETURN NEW;
          END $$`);
        await c.query('CREATE TRIGGER fail_first BEFORE INSERT ON state FOR EACH ROW EXECUTE FUNCTION fail_first()');
      });
      // A sequence is not rolled back with the transaction: it counts attempts, failed or not.
      return () => inSchema(name, async (c) => Number((await c.query<{ n: string }>('SELECT last_value AS n FROM attempts')).rows[0]!.n));
    }

    for (const [what, sqlstate] of [['a serialisation failure', '40001'], ['a deadlock', '40P01']] as const) {
      it(`runs a transaction again, whole, after ${what}`, async () => {
        const name = schema();
        const store = await open({ schema: name });
        await store.createRun({ ...RUN, status: 'running' });
        await store.claimRun(RUN.id, { owner: 'host-a:1', leaseUntil: '2025-03-01T09:10:00.000Z', now: RUN.createdAt });
        const attempts = await failInserts(name, sqlstate, 1);
        const step = { runId: RUN.id, path: 'a', stepId: 'a', kind: 'call', status: 'succeeded' as const, attempts: 1, startedAt: RUN.createdAt, updatedAt: RUN.createdAt };
        await store.putSteps([step], { owner: 'host-a:1', journal: [{ runId: RUN.id, at: RUN.createdAt, type: 'step.succeeded', actor: 'engine' }], state: [{ namespace: 'sync', key: 'k', value: 1 }] });
        expect(await attempts()).toBe(2);
        expect(await store.listSteps(RUN.id)).toEqual([step]);
        expect((await store.listJournal(RUN.id)).map((e) => e.type)).toEqual(['step.succeeded']);
        expect(await store.getState('sync', 'k')).toBe(1);
      });
    }

    it('gives up after its attempts as store.busy, having written nothing', async () => {
      const name = schema();
      const store = await open({ schema: name, attempts: 3 });
      const attempts = await failInserts(name, '40001', 1000);
      const refused = store.setState('sync', 'k', 1);
      await expect(refused).rejects.toMatchObject({ code: 'store.busy' });
      await expect(refused).rejects.toThrow('is busy: a write kept conflicting with concurrent ones');
      expect(await attempts()).toBe(3);
      expect(await store.getState('sync', 'k')).toBeUndefined();
    });
  });

  describe('a database that cannot be used', () => {
    async function closedPort(): Promise<number> {
      const server = createServer();
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as import('node:net').AddressInfo;
      await new Promise<void>((resolve) => server.close(() => resolve()));
      return port;
    }

    it('says, in one line, that nothing answers at the address, naming the setting and never the password', async () => {
      const port = await closedPort();
      const refused = PostgresStore.open({ url: `postgres://staffwire:s3cret@127.0.0.1:${port}/staffwire`, setting: 'STAFFWIRE_DATABASE_URL' });
      await expect(refused).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(refused).rejects.toMatchObject({ code: 'store.unreachable', location: `postgres://staffwire@127.0.0.1:${port}/staffwire` });
      const error = (await refused.catch((err: Error) => err)) as Error;
      expect(error.message).toBe(
        `the PostgreSQL store postgres://staffwire@127.0.0.1:${port}/staffwire (set by STAFFWIRE_DATABASE_URL) cannot be reached: nothing accepts connections at that address (ECONNREFUSED). Check that PostgreSQL runs there and that the URL's host, port, user and database are right`,
      );
      expect(error.message).not.toContain('s3cret');
      expect(error.message).not.toContain('\n');
    });

    it('says which database does not exist', async () => {
      const url = new URL(TEST_DATABASE_URL);
      url.pathname = '/staffwire_no_such_database';
      await expect(PostgresStore.open({ url: url.toString() })).rejects.toMatchObject({
        code: 'store.unreachable',
        message: expect.stringContaining('database "staffwire_no_such_database" does not exist (SQLSTATE 3D000)'),
      });
    });

    it('refuses a schema name it would have to quote', async () => {
      await expect(PostgresStore.open({ url: TEST_DATABASE_URL, schema: 'Robert"; DROP' })).rejects.toThrow('the PostgreSQL schema name "Robert"; DROP" is not usable');
    });
  });

  it('opened read-only, reads what is there and refuses writes as read-only', async () => {
    const name = schema();
    const writer = await open({ schema: name });
    await writer.createRun(RUN);
    const reader = await open({ schema: name, readonly: true });
    expect(await reader.listRuns()).toEqual([RUN]);
    await expect(reader.createRun({ ...RUN, id: 'run_2' })).rejects.toMatchObject({ code: 'store.readonly' });
  });

  it('opened read-only on a new database, reads it as empty', async () => {
    const reader = await open({ schema: schema(), readonly: true });
    expect(await reader.listRuns()).toEqual([]);
    expect(await reader.nextDueAt()).toBeUndefined();
  });
});
