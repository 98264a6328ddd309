import Database from 'better-sqlite3';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreUnavailableError } from '../../src/errors/index.js';
import { packageRoot } from '../../src/package-root.js';
import { sqliteMigrations } from '../../src/store/sqlite/migrate.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { RunExistsError, RunNotFoundError } from '../../src/store/store.js';
import { RUN } from './a-run.js';
import { describeStoreContract } from './store-contract.js';

const directories = new WeakMap<SqliteStore, string>();

describeStoreContract(
  'SQLite',
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'staffwire-store-'));
    const store = new SqliteStore(join(dir, 'staffwire.db'));
    directories.set(store, dir);
    return store;
  },
  async (store) => {
    const dir = directories.get(store);
    if (dir) rmSync(dir, { recursive: true, force: true });
  },
);

describe('SqliteStore', () => {
  let dir: string;
  let file: string;
  const opened: SqliteStore[] = [];

  function open(options: ConstructorParameters<typeof SqliteStore>[1] = {}): SqliteStore {
    const store = new SqliteStore(file, options);
    opened.push(store);
    return store;
  }

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'staffwire-store-'));
    file = join(dir, 'data', 'staffwire.db');
  });

  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates the folder of the database file', async () => {
    const store = open();
    await store.setState('ns', 'k', 1);
    expect(await store.getState('ns', 'k')).toBe(1);
  });

  it('keeps everything across closing and reopening the file', async () => {
    const first = open();
    await first.putFlowContent('sha256:aa', '{"id":"f"}');
    await first.createRun(RUN);
    await first.claimRun(RUN.id, { owner: 'host-a:1', leaseUntil: '2025-03-01T09:10:00.000Z', now: '2025-03-01T09:00:00.000Z' });
    await first.putStep({ runId: RUN.id, path: 'notify', stepId: 'notify', kind: 'call', status: 'succeeded', attempts: 1, startedAt: RUN.createdAt, updatedAt: RUN.createdAt, output: { ok: true } });
    await first.updateRun(RUN.id, {}, { journal: [{ runId: RUN.id, at: RUN.createdAt, type: 'run.retried', actor: 'cli' }] });
    await first.claimIdempotencyKey('lark', 'key-1', 'first', '2999-01-01T00:00:00.000Z');
    await first.markEventSeen('lark', 'ev_1', '2999-01-01T00:00:00.000Z');
    await first.setState('sync', 'cursor', { page: 7 });
    await first.close();

    const second = open();
    expect(await second.getFlowContent('sha256:aa')).toBe('{"id":"f"}');
    expect(await second.getRun(RUN.id)).toEqual({ ...RUN, owner: 'host-a:1', leaseUntil: '2025-03-01T09:10:00.000Z' });
    expect(await second.listSteps(RUN.id)).toMatchObject([{ path: 'notify', output: { ok: true } }]);
    expect(await second.nextDueAt()).toBe(RUN.updatedAt);
    expect(await second.listJournal(RUN.id)).toMatchObject([{ type: 'run.retried', actor: 'cli' }]);
    expect(await second.claimIdempotencyKey('lark', 'key-1', 'second', '2999-01-01T00:00:00.000Z')).toBe('first');
    expect(await second.markEventSeen('lark', 'ev_1', '2999-01-01T00:00:00.000Z')).toBe(false);
    expect(await second.getState('sync', 'cursor')).toEqual({ page: 7 });
  });

  it('keeps the database in WAL mode', async () => {
    await open().close();
    const db = new Database(file, { readonly: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      db.close();
    }
  });

  it('shares writes between two stores on the same file', async () => {
    const a = open();
    const b = open();
    await a.createRun(RUN);
    expect(await b.getRun(RUN.id)).toEqual(RUN);
    await b.updateRun(RUN.id, { status: 'running' });
    expect((await a.getRun(RUN.id))?.status).toBe('running');
    await b.setState('sync', 'cursor', 3);
    expect(await a.getState('sync', 'cursor')).toBe(3);
  });

  it('refuses a claim in one store while another store on the same file holds the run', async () => {
    const a = open();
    const b = open();
    await a.createRun(RUN);
    expect(await a.claimRun(RUN.id, { owner: 'host-a:1', leaseUntil: '2025-03-01T09:10:00.000Z', now: '2025-03-01T09:00:00.000Z' })).toBe(true);
    expect(await b.claimRun(RUN.id, { owner: 'host-b:2', leaseUntil: '2025-03-01T09:15:00.000Z', now: '2025-03-01T09:05:00.000Z' })).toBe(false);
    expect(await b.getRun(RUN.id)).toMatchObject({ owner: 'host-a:1' });
    await a.releaseRun(RUN.id, 'host-a:1');
    expect(await b.claimRun(RUN.id, { owner: 'host-b:2', leaseUntil: '2025-03-01T09:15:00.000Z', now: '2025-03-01T09:05:00.000Z' })).toBe(true);
    expect(await a.getRun(RUN.id)).toMatchObject({ owner: 'host-b:2' });
  });

  it('lets only one of two stores on the same file claim an idempotency key first', async () => {
    const a = open();
    const b = open();
    expect(await a.claimIdempotencyKey('lark', 'key-1', 'from-a', '2999-01-01T00:00:00.000Z')).toBeUndefined();
    expect(await b.claimIdempotencyKey('lark', 'key-1', 'from-b', '2999-01-01T00:00:00.000Z')).toBe('from-a');
  });

  it('opens a database made by the previous release and upgrades it, carrying its runs and their timers over', async () => {
    mkdirSync(join(dir, 'data'));
    const old = new Database(file);
    old.exec(readFileSync(join(packageRoot, 'src/store/sqlite/migrations/001-initial.sql'), 'utf8'));
    const waiting = { ...RUN, id: 'run_waiting', status: 'waiting', waitingUntil: '2025-03-01T10:00:00.000Z' };
    const insert = old.prepare('INSERT INTO runs (id, flow_id, status, parent_run_id, created_at, owner, lease_until, body) VALUES (?, ?, ?, NULL, ?, NULL, NULL, ?)');
    insert.run(waiting.id, waiting.flowId, waiting.status, waiting.createdAt, JSON.stringify(waiting));
    insert.run(RUN.id, RUN.flowId, RUN.status, RUN.createdAt, JSON.stringify(RUN));
    old.prepare('INSERT INTO timers (id, run_id, fire_at) VALUES (?, ?, ?)').run('run_waiting', 'run_waiting', '2025-03-01T10:00:00.000Z');
    old.prepare('INSERT INTO steps (run_id, path, body) VALUES (?, ?, ?)').run(RUN.id, 'notify', JSON.stringify({ runId: RUN.id, path: 'notify' }));
    expect(old.pragma('user_version', { simple: true })).toBe(0);
    old.close();

    const store = open();
    expect(await store.getRun('run_waiting')).toEqual(waiting);
    expect(await store.listSteps(RUN.id)).toEqual([{ runId: RUN.id, path: 'notify' }]);
    expect(await store.dueRuns('2025-03-01T10:00:00.000Z', 10)).toEqual([
      { id: RUN.id, dueAt: RUN.updatedAt },
      { id: 'run_waiting', dueAt: '2025-03-01T10:00:00.000Z' },
    ]);
    await store.close();
    const db = new Database(file, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(sqliteMigrations().length);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'timers'").get()).toBeUndefined();
    db.close();
  });

  it('reads an older database read-only without upgrading the file', async () => {
    mkdirSync(join(dir, 'data'));
    const old = new Database(file);
    old.exec(readFileSync(join(packageRoot, 'src/store/sqlite/migrations/001-initial.sql'), 'utf8'));
    old.prepare('INSERT INTO runs (id, flow_id, status, parent_run_id, created_at, owner, lease_until, body) VALUES (?, ?, ?, NULL, ?, NULL, NULL, ?)').run(RUN.id, RUN.flowId, RUN.status, RUN.createdAt, JSON.stringify(RUN));
    old.close();
    const reader = open({ readonly: true });
    expect(await reader.listRuns()).toEqual([RUN]);
    await reader.close();
    const db = new Database(file, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(0);
    db.close();
  });

  it('refuses a database from a newer Staffwire, saying so, and leaves it as it is', async () => {
    mkdirSync(join(dir, 'data'));
    const newer = new Database(file);
    newer.pragma('user_version = 99');
    newer.close();
    expect(() => open()).toThrow(
      `the store ${file} was upgraded by a newer Staffwire (schema version 99; this one knows up to ${sqliteMigrations().length}): upgrade Staffwire, or point dataDir at another folder`,
    );
    const db = new Database(file, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(99);
    db.close();
  });

  it('writes only the pages of the indexes whose columns an update changes', async () => {
    const store = open();
    // Enough runs that each index spans pages of its own.
    for (let i = 0; i < 50; i++) await store.createRun({ ...RUN, id: `run_${i}`, flowId: `flow-${i % 5}` });
    await store.claimRun('run_7', { owner: 'host-a:1', leaseUntil: '2025-03-01T09:10:00.000Z', now: '2025-03-01T09:00:00.000Z', patch: { status: 'running' } });
    const pagesWritten = async (write: () => Promise<unknown>) => {
      const db = new Database(file);
      db.pragma('wal_checkpoint(TRUNCATE)');
      db.close();
      await write();
      const pageSize = 4096;
      return (statSync(`${file}-wal`).size - 32) / (24 + pageSize);
    };
    // A renewal changes only the lease, which no index holds: the run's own page alone.
    const renewal = await pagesWritten(() => store.renewLease('run_7', 'host-a:1', '2025-03-01T09:20:00.000Z'));
    // Parking changes status, owner, lease and due moment: the status index is written too.
    const parking = await pagesWritten(() => store.updateRun('run_7', { status: 'waiting', waitingUntil: '2025-03-01T11:00:00.000Z', owner: undefined, leaseUntil: undefined }));
    expect(renewal).toBe(1);
    expect(parking).toBeGreaterThan(renewal);
  });

  it('refuses every write once its file was deleted, naming the file, and writes nothing elsewhere', async () => {
    const store = open();
    await store.createRun(RUN);
    rmSync(join(dir, 'data'), { recursive: true, force: true });
    const refused = store.updateRun(RUN.id, { status: 'running' });
    await expect(refused).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(refused).rejects.toMatchObject({ code: 'store.lost', location: file });
    await expect(refused).rejects.toThrow(`the store ${file} (data directory set by dataDir) was deleted or replaced while in use`);
    await expect(store.putSteps([])).rejects.toMatchObject({ code: 'store.lost' });
    expect(existsSync(file)).toBe(false);
  });

  it('refuses writes once its file was replaced by another one', async () => {
    const store = open();
    await store.createRun(RUN);
    renameSync(file, `${file}.moved`);
    writeFileSync(file, '');
    await expect(store.setState('ns', 'k', 1)).rejects.toMatchObject({ code: 'store.lost' });
  });

  it('says the store is busy, naming the file and the setting, when another process holds the write lock too long', async () => {
    const store = open({ busyTimeoutMs: 50 });
    await store.createRun(RUN);
    const lock = new Database(file);
    lock.exec('BEGIN IMMEDIATE');
    try {
      const refused = store.updateRun(RUN.id, { status: 'running' });
      await expect(refused).rejects.toMatchObject({ code: 'store.busy', location: file });
      await expect(refused).rejects.toThrow('another process held its write lock longer than 50 ms (store.busyTimeoutMs)');
    } finally {
      lock.exec('ROLLBACK');
      lock.close();
    }
    await store.updateRun(RUN.id, { status: 'running' });
    expect((await store.getRun(RUN.id))?.status).toBe('running');
  });

  it('opened read-only, reads what is there and refuses writes as read-only', async () => {
    const writer = open();
    await writer.createRun(RUN);
    await writer.close();
    const reader = open({ readonly: true });
    expect(await reader.getRun(RUN.id)).toEqual(RUN);
    expect(await reader.listRuns()).toHaveLength(1);
    await expect(reader.createRun({ ...RUN, id: 'run_2' })).rejects.toMatchObject({ code: 'store.readonly' });
  });

  it('opened read-only on a file that does not exist, reads as empty and creates nothing', async () => {
    const reader = open({ readonly: true });
    expect(await reader.listRuns()).toEqual([]);
    expect(existsSync(join(dir, 'data'))).toBe(false);
  });

  it('names the folder when the data directory cannot be created', () => {
    writeFileSync(join(dir, 'a-file'), '');
    const blocked = join(dir, 'a-file', 'data', 'staffwire.db');
    expect(() => new SqliteStore(blocked, { setting: 'dataDir in staffwire.config.json' })).toThrow(
      `cannot create the data directory ${join(dir, 'a-file', 'data')} (set by dataDir in staffwire.config.json)`,
    );
  });

  // Node's recursive mkdir spins forever on such a path; this test then never finishes.
  it('fails at once, naming the folder, on a path no folder can be made in (/proc)', () => {
    expect(() => new SqliteStore('/proc/staffwire-test/data/staffwire.db', { setting: 'STAFFWIRE_DATA_DIR' })).toThrow(
      'cannot create the data directory /proc/staffwire-test/data (set by STAFFWIRE_DATA_DIR): folders cannot be made there',
    );
  });

  it('looks up listens and event keys by index in every statement: none scans either table, however many runs listen', async () => {
    const store = open();
    const statements = Object.values((store as unknown as { stmt: Record<string, Database.Statement> }).stmt);
    const touching = statements.filter((s) => /\b(listens|event_keys)\b/.test(s.source));
    expect(touching.length).toBeGreaterThan(3);
    const db = new Database(file, { readonly: true });
    try {
      for (const statement of touching) {
        const named = [...statement.source.matchAll(/@(\w+)/g)].map((m) => m[1]!);
        const explain = db.prepare(`EXPLAIN QUERY PLAN ${statement.source}`);
        const rows = named.length > 0 ? explain.all(Object.fromEntries(named.map((n) => [n, null]))) : explain.all(...(statement.source.match(/\?/g) ?? []).map(() => null));
        const plan = (rows as { detail: string }[]).map((row) => row.detail);
        expect(plan.filter((step) => /^SCAN /.test(step)), statement.source).toEqual([]);
      }
    } finally {
      db.close();
    }
  });

  describe('writes issued together', () => {
    /** Frames in the WAL, read by a connection of its own that changes nothing. */
    function walFrames(): number {
      const db = new Database(file, { fileMustExist: true });
      try {
        db.pragma('wal_autocheckpoint = 0');
        return (db.pragma('wal_checkpoint(NOOP)') as { log: number }[])[0]!.log;
      } finally {
        db.close();
      }
    }

    it('commit in one transaction: ten writes to one page add the frames of one commit, not ten', async () => {
      const store = open();
      await store.setState('ns', 'warm', 0);
      const before = walFrames();
      await Promise.all(Array.from({ length: 10 }, (_, i) => store.setState('ns', `k${i}`, i)));
      // One commit writes each page it changed once; ten would write the state table's leaf ten times.
      expect(walFrames() - before).toBeLessThan(5);
      expect(await store.listState('ns')).toHaveLength(11);
    });

    it('settle one by one: a refused write undoes only itself and rejects only its caller', async () => {
      const store = open();
      const results = await Promise.allSettled([
        store.createRun(RUN),
        store.updateRun('run_missing', { status: 'running' }),
        store.createRun(RUN),
        store.setState('ns', 'after', 'kept'),
      ]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
      expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(RunNotFoundError);
      expect((results[2] as PromiseRejectedResult).reason).toBeInstanceOf(RunExistsError);
      expect((await store.getRun(RUN.id))?.status).toBe('queued');
      expect(await store.getState('ns', 'after')).toBe('kept');
    });

    it('fail together when one of them makes SQLite roll back the whole transaction: none is reported failed yet written', async () => {
      const store = open();
      await store.setState('ns', 'warm', 0);
      // RAISE(ROLLBACK) ends the transaction itself, as a full disk or an I/O error can.
      const db = new Database(file);
      db.exec("CREATE TRIGGER poison BEFORE INSERT ON state WHEN NEW.key = 'poison' BEGIN SELECT RAISE(ROLLBACK, 'refused by the test'); END");
      db.close();
      const results = await Promise.allSettled([store.setState('ns', 'before', 1), store.setState('ns', 'poison', 2), store.setState('ns', 'after', 3)]);
      expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
      expect((await store.listState('ns')).map((e) => e.key)).toEqual(['warm']);
    });

    it('asked for just before close are committed, not dropped', async () => {
      const store = open();
      const written = store.setState('ns', 'last', 42);
      await store.close();
      await expect(written).resolves.toBeUndefined();
      expect(await open().getState('ns', 'last')).toBe(42);
    });
  });
});
