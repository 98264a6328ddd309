import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import type { RunRecord, StepRecord } from '../../src/store/records.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';

/** What a CLI process left in its SQLite file, read directly as another process would. */
export function readStoreFile(file: string): { runs: RunRecord[]; steps: StepRecord[] } {
  if (!existsSync(file)) return { runs: [], steps: [] };
  const db = new Database(file, { readonly: true });
  try {
    db.pragma('busy_timeout = 5000');
    // A process that has just created the file may not have created its tables yet.
    if (!db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'run_records'").get()) return { runs: [], steps: [] };
    const runs = (db.prepare('SELECT body FROM runs ORDER BY created_at, id').all() as { body: string }[]).map((r) => JSON.parse(r.body) as RunRecord);
    // Checkpoints are the `s:<path>` records of a run (the `j:` ones are its journal).
    const steps = (db.prepare("SELECT run_id, key, body FROM run_records WHERE key >= 's:' AND key < 's;'").all() as { run_id: string; key: string; body: string }[]).map(
      (r) => ({ runId: r.run_id, path: r.key.slice(2), ...(JSON.parse(r.body) as object) }) as StepRecord,
    );
    return { runs, steps };
  } finally {
    db.close();
  }
}

/** Opens the SQLite file as a Staffwire process does (read-only if asked), uses it, and closes it. */
export async function withStoreFile<T>(file: string, use: (store: SqliteStore) => Promise<T>, access: { readonly: boolean } = { readonly: false }): Promise<T> {
  const store = new SqliteStore(file, access);
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}
