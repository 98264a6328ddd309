import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Connector } from '../../src/connector-kit/connector.js';
import { ConnectorRegistry } from '../../src/connector-kit/registry.js';
import type { SyncWriteItem } from '../../src/connector-kit/sync-destination.js';
import { Engine } from '../../src/engine/engine.js';
import type { FlowDefinition } from '../../src/engine/flow-types.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';

/**
 * How a sync treats a destination that refuses every record of a batch, by what the destination
 * says of its batches: one answering per record is told each refusal once and the sync goes on;
 * one applying batches whole (Bitable) has the batch halved down to the records it refuses, and
 * refusing batch after batch stops the sync.
 */
let dir: string;
let store: SqliteStore;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'staffwire-sync-dest-'));
  store = new SqliteStore(join(dir, 'staffwire.db'));
});

afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A destination refusing every record whose name starts with "bad", recording each call's size. */
function refusingConnector(wholeBatches: boolean, calls: number[]): Connector {
  const refuse = (items: SyncWriteItem[]) => {
    calls.push(items.length);
    const bad = items.filter((item) => String(item.fields?.name).startsWith('bad'));
    if (wholeBatches && bad.length > 0) return items.map((item) => ({ key: item.key, error: { code: 'vendor.refused', message: 'the batch holds a bad record' } }));
    return items.map((item) => (bad.includes(item) ? { key: item.key, error: { code: 'vendor.refused', message: `${String(item.fields?.name)} refused` } } : { key: item.key, id: `id-${item.key}` }));
  };
  return {
    manifest: {
      id: 'refuser',
      title: 'Refusing destination',
      category: 'generic',
      connection: { required: false, schema: { type: 'object' } },
      actions: { noop: { title: 'Nothing', sideEffect: false, input: { type: 'object' }, output: { type: 'object' } } },
      syncDestinations: {
        things: { title: 'Things', target: { type: 'object' }, fields: { type: 'object' }, batchSize: { create: { default: 10, max: 10 }, update: { default: 10, max: 10 } }, wholeBatches },
      },
    },
    actions: { noop: async () => ({}) },
    syncDestinations: { things: { write: async (_operation, _target, items) => refuse(items) } },
  };
}

async function syncFile(rows: string[], wholeBatches: boolean) {
  const file = join(dir, 'things.csv');
  writeFileSync(file, `id,name\n${rows.map((name, i) => `${i},${name}`).join('\n')}\n`);
  const calls: number[] = [];
  const engine = new Engine({ store, connectors: new ConnectorRegistry().register(refusingConnector(wholeBatches, calls)), connections: {}, log: pino({ level: 'silent' }) });
  const flow: FlowDefinition = {
    id: 'things',
    version: '1',
    steps: [{ id: 'things', kind: 'sync', source: { file }, key: '${ $record.id }', map: { name: '${ $record.name }' }, destination: { to: 'refuser.things' } }],
  } as FlowDefinition;
  const run = await engine.runNow(engine.compile(flow), {});
  return { run, calls };
}

describe('sync destinations that refuse records', () => {
  it('sends each batch once to a destination answering per record, and goes on past batches it refuses whole', async () => {
    const { run, calls } = await syncFile(Array.from({ length: 45 }, (_, i) => (i < 30 ? `bad-${i}` : `good-${i}`)), false);
    expect(run.status).toBe('succeeded');
    expect(calls).toEqual([10, 10, 10, 10, 5]);
    expect(run.output).toMatchObject({ created: 15, failed: 30 });
  });

  it('halves a batch an all-or-nothing destination refuses until the bad record fails alone', async () => {
    const rows = Array.from({ length: 10 }, (_, i) => (i === 6 ? 'bad-6' : `good-${i}`));
    const { run, calls } = await syncFile(rows, true);
    expect(run.status).toBe('succeeded');
    expect(run.output).toMatchObject({ created: 9, failed: 1, failures: [{ key: '6', code: 'vendor.refused', row: 8 }] });
    expect(calls).toEqual([10, 5, 5, 3, 2, 1, 1, 1, 2]);
  });

  it('stops an all-or-nothing sync that three batches in a row are refused outright', async () => {
    const { run } = await syncFile(Array.from({ length: 40 }, (_, i) => `bad-${i}`), true);
    expect(run.status).toBe('failed');
    expect(run.error).toMatchObject({ code: 'sync.destination_refused', message: expect.stringContaining('refused 3 batches in a row') });
  });
});
