import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The least any endpoint that persists before it answers must pay, for a benchmark to set beside
 * Staffwire and the bare route that persists nothing: a SQLite file in WAL mode with the store's
 * default durability (synchronous NORMAL), and every write asked for in one turn of the event
 * loop committed together, as the store does. A hand-written route on it has no engine, journal
 * or general schema, so what it reaches is a ceiling for any durable implementation of its work.
 */
export class DurableFloor {
  private readonly dir = mkdtempSync(join(tmpdir(), 'staffwire-floor-'));
  readonly db: Database.Database;
  private pending: { write: () => unknown; resolve: (value: unknown) => void; reject: (err: unknown) => void }[] = [];
  private readonly commit: (writes: readonly (() => unknown)[]) => unknown[];

  constructor(schema: string) {
    this.db = new Database(join(this.dir, 'floor.db'));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(schema);
    this.commit = this.db.transaction((writes: readonly (() => unknown)[]) => writes.map((write) => write()));
  }

  /** Resolves with what `write` returned once the commit holding it is done. */
  write<T>(write: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ write, resolve: resolve as (value: unknown) => void, reject });
      if (this.pending.length === 1) setImmediate(() => this.flush());
    });
  }

  close(): void {
    this.db.close();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    try {
      const results = this.commit(batch.map((w) => w.write));
      batch.forEach((w, i) => w.resolve(results[i]));
    } catch (err) {
      for (const w of batch) w.reject(err);
    }
  }
}
