import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/package-root.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { WRITES_BEFORE_CHECKPOINTER } from '../../src/store/sqlite/wal-checkpointer.js';

/** Frames in the file's WAL as another connection sees them, and how many are in the database already. */
function walOf(file: string): { log: number; checkpointed: number } {
  const db = new Database(file, { fileMustExist: true });
  try {
    // A PASSIVE checkpoint from a connection that then closes would fold the WAL itself; read it, don't act on it.
    db.pragma('wal_autocheckpoint = 0');
    const [frames] = db.pragma('wal_checkpoint(NOOP)') as { log: number; checkpointed: number }[];
    return frames!;
  } finally {
    db.close();
  }
}

describe('the SQLite store checkpoints its WAL on a worker thread', () => {
  let dir: string;
  let file: string;
  let store: SqliteStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'staffwire-checkpoint-'));
    file = join(dir, 'staffwire.db');
    store = new SqliteStore(file);
  });

  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function write(count: number, from = 0): Promise<void> {
    for (let i = from; i < from + count; i++) await store.setState('test', `key-${String(i).padStart(6, '0')}`, { value: i, padding: 'x'.repeat(500) });
  }

  it('copies every committed frame into the database, so the next write starts the WAL over', async () => {
    expect(store.checkpointer).toBeDefined();
    const checkpointed = store.checkpointer!.nextCheckpoint();
    await write(WRITES_BEFORE_CHECKPOINTER + 50);
    const result = await checkpointed;
    // One frame or more per write, all of them copied.
    expect(result.log).toBeGreaterThanOrEqual(WRITES_BEFORE_CHECKPOINTER + 50);
    expect(result.checkpointed).toBe(result.log);
    await write(1, 10_000);
    // Had nothing been copied, the WAL would hold all those writes' frames still: the store's own
    // connection checkpoints only far later, in the middle of a write.
    expect(walOf(file).log).toBeLessThan(10);
    expect(await store.getState('test', 'key-000123')).toMatchObject({ value: 123 });
  });

  it('stops its worker first on close, so the store folds the WAL into the file and removes it', async () => {
    const checkpointed = store.checkpointer!.nextCheckpoint();
    await write(WRITES_BEFORE_CHECKPOINTER + 10);
    await checkpointed;
    await write(20, 1_000);
    await store.close();
    expect(existsSync(`${file}-wal`)).toBe(false);
    store = new SqliteStore(file);
    expect(await store.listState('test')).toHaveLength(WRITES_BEFORE_CHECKPOINTER + 30);
  });

  it('lets a process with nothing else to do finish closing the store and exit 0', () => {
    // In a process of its own (on the build, which the tests' global setup makes): there, nothing
    // but the worker is left while close waits for it.
    const script = `
      import { SqliteStore } from ${JSON.stringify(pathToFileURL(join(packageRoot, 'dist/src/store/sqlite/sqlite-store.js')).href)};
      const store = new SqliteStore(${JSON.stringify(join(dir, 'alone.db'))});
      for (let i = 0; i < ${WRITES_BEFORE_CHECKPOINTER + 10}; i++) await store.setState('test', 'k' + i, i);
      await store.close();
      console.log('closed');
    `;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: packageRoot, encoding: 'utf8' });
    expect(child.stderr).toBe('');
    expect(child.stdout.trim()).toBe('closed');
    expect(child.status).toBe(0);
    expect(existsSync(join(dir, 'alone.db-wal'))).toBe(false);
  });

  it('has none for a store in memory', async () => {
    const memory = new SqliteStore(':memory:');
    expect(memory.checkpointer).toBeUndefined();
    await memory.close();
  });
});
