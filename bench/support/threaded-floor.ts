import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

/**
 * DurableFloor with its commits made by a worker thread: the same SQLite file settings, but the
 * event loop that drives the HTTP calls never waits on a commit, only on its answer. The main
 * thread reads through a connection of its own (WAL lets it read while the worker writes). For
 * bench:sync, to show what taking the store's writes off the event loop would be worth.
 */
export class ThreadedFloor {
  private readonly dir = mkdtempSync(join(tmpdir(), 'staffwire-threaded-floor-'));
  readonly reader: Database.Database;
  private readonly worker: Worker;
  private next = 0;
  private readonly waiting = new Map<number, { resolve: () => void; reject: (err: Error) => void }>();

  constructor(schema: string) {
    const file = join(this.dir, 'floor.db');
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.exec(schema);
    db.close();
    this.reader = new Database(file);
    this.worker = new Worker(new URL(import.meta.url), { workerData: { threadedFloorFile: file } });
    this.worker.on('message', ({ id, error }: { id: number; error?: string }) => {
      const waiter = this.waiting.get(id)!;
      this.waiting.delete(id);
      if (error) waiter.reject(new Error(error));
      else waiter.resolve();
    });
  }

  /** Resolves once the worker has committed these statements, each with its parameters, together. */
  write(statements: readonly { sql: string; rows: readonly unknown[][] }[]): Promise<void> {
    return new Promise((resolve, reject) => {
      const id = ++this.next;
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ id, statements });
    });
  }

  async close(): Promise<void> {
    this.reader.close();
    await this.worker.terminate();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function serveWrites(file: string): void {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  const prepared = new Map<string, Database.Statement>();
  const commit = db.transaction((statements: { sql: string; rows: unknown[][] }[]) => {
    for (const { sql, rows } of statements) {
      let statement = prepared.get(sql);
      if (!statement) prepared.set(sql, (statement = db.prepare(sql)));
      for (const row of rows) statement.run(...row);
    }
  });
  parentPort!.on('message', ({ id, statements }: { id: number; statements: { sql: string; rows: unknown[][] }[] }) => {
    try {
      commit(statements);
      parentPort!.postMessage({ id });
    } catch (err) {
      parentPort!.postMessage({ id, error: err instanceof Error ? err.message : String(err) });
    }
  });
}

if (!isMainThread && (workerData as { threadedFloorFile?: string } | null)?.threadedFloorFile) serveWrites((workerData as { threadedFloorFile: string }).threadedFloorFile);
