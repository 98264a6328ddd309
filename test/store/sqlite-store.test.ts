import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreUnavailableError } from '../../src/errors/index.js';
import type { RunRecord } from '../../src/store/records.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
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
    await first.claimRun(RUN.id, 'host-a:1', '2025-03-01T09:10:00.000Z', '2025-03-01T09:00:00.000Z');
    await first.putStep({ runId: RUN.id, path: 'notify', stepId: 'notify', kind: 'call', status: 'succeeded', attempts: 1, startedAt: RUN.createdAt, updatedAt: RUN.createdAt, output: { ok: true } });
    await first.setTimer({ id: RUN.id, runId: RUN.id, fireAt: '2025-03-02T09:00:00.000Z' });
    await first.claimIdempotencyKey('lark', 'key-1', 'first', '2999-01-01T00:00:00.000Z');
    await first.markEventSeen('lark', 'ev_1', '2999-01-01T00:00:00.000Z');
    await first.setState('sync', 'cursor', { page: 7 });
    await first.close();

    const second = open();
    expect(await second.getFlowContent('sha256:aa')).toBe('{"id":"f"}');
    expect(await second.getRun(RUN.id)).toEqual({ ...RUN, owner: 'host-a:1', leaseUntil: '2025-03-01T09:10:00.000Z' });
    expect(await second.listSteps(RUN.id)).toMatchObject([{ path: 'notify', output: { ok: true } }]);
    expect(await second.nextTimer()).toEqual({ id: RUN.id, runId: RUN.id, fireAt: '2025-03-02T09:00:00.000Z' });
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
    expect(await a.claimRun(RUN.id, 'host-a:1', '2025-03-01T09:10:00.000Z', '2025-03-01T09:00:00.000Z')).toBe(true);
    expect(await b.claimRun(RUN.id, 'host-b:2', '2025-03-01T09:15:00.000Z', '2025-03-01T09:05:00.000Z')).toBe(false);
    expect(await b.getRun(RUN.id)).toMatchObject({ owner: 'host-a:1' });
    await a.releaseRun(RUN.id, 'host-a:1');
    expect(await b.claimRun(RUN.id, 'host-b:2', '2025-03-01T09:15:00.000Z', '2025-03-01T09:05:00.000Z')).toBe(true);
    expect(await a.getRun(RUN.id)).toMatchObject({ owner: 'host-b:2' });
  });

  it('lets only one of two stores on the same file claim an idempotency key first', async () => {
    const a = open();
    const b = open();
    expect(await a.claimIdempotencyKey('lark', 'key-1', 'from-a', '2999-01-01T00:00:00.000Z')).toBeUndefined();
    expect(await b.claimIdempotencyKey('lark', 'key-1', 'from-b', '2999-01-01T00:00:00.000Z')).toBe('from-a');
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
});

const RUN: RunRecord = {
  id: 'run_1',
  flowId: 'offer-to-onboard',
  flowVersion: '1',
  flowHash: 'sha256:aa',
  status: 'queued',
  input: { offerId: 'of_1', name: 'Zoë 张伟' },
  createdAt: '2025-03-01T09:00:00.000Z',
  updatedAt: '2025-03-01T09:00:00.000Z',
};
