import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import { dropSchema, freshSchema, openTestStore } from './postgres.js';

/** Every Store implementation, for tests that prove the engine on each. */
export const STORE_KINDS = ['SQLite', 'PostgreSQL'] as const;
export type StoreKind = (typeof STORE_KINDS)[number];

/** Fresh, empty data of one store kind: a SQLite file in a new folder, or a new PostgreSQL schema. */
export interface TestStoreData {
  store: Store;
  /** Another store on the same data, as another process opens it. */
  another(): Promise<Store>;
  /** Closes every store opened on the data and removes it. */
  remove(): Promise<void>;
}

export async function openStoreData(kind: StoreKind): Promise<TestStoreData> {
  const opened: Store[] = [];
  const open = async (make: () => Promise<Store>) => {
    const store = await make();
    opened.push(store);
    return store;
  };
  const closeAll = async () => {
    for (const store of opened.splice(0)) await store.close();
  };
  if (kind === 'SQLite') {
    const dir = mkdtempSync(join(tmpdir(), 'staffwire-store-'));
    const make = async () => new SqliteStore(join(dir, 'staffwire.db'));
    return {
      store: await open(make),
      another: () => open(make),
      async remove() {
        await closeAll();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const schema = freshSchema();
  const make = () => openTestStore({ schema });
  return {
    store: await open(make),
    another: () => open(make),
    async remove() {
      await closeAll();
      await dropSchema(schema);
    },
  };
}
