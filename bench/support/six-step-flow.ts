/**
 * The engine benchmarks' representative flow: set, switch, a 10-iteration for, one HTTP call to a
 * `noop` connection, and a summary — and the same work as a plain function, the baseline.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HttpClient } from '../../src/connector-kit/http-client.js';
import type { FlowDefinition } from '../../src/engine/flow-types.js';
import type { Store } from '../../src/store/store.js';

export const sixStepFlow: FlowDefinition = {
  id: 'bench-six-steps',
  version: '1',
  steps: [
    { id: 'prepare', kind: 'set', values: { items: '${ $input.items }', owner: '${ $input.owner }', amount: '${ $input.amount }' } },
    {
      id: 'route',
      kind: 'switch',
      cases: [{ when: '${ $input.amount > 100 }', steps: [{ id: 'high', kind: 'set', values: { tier: 'high' } }] }],
      default: [{ id: 'low', kind: 'set', values: { tier: 'low' } }],
    },
    { id: 'each_item', kind: 'for', each: '${ $steps.prepare.items }', steps: [{ id: 'item', kind: 'set', values: { id: '${ $item }', position: '${ $index }' } }] },
    {
      id: 'notify',
      kind: 'call',
      action: 'http.request',
      connection: 'noop',
      with: { method: 'POST', url: '/notify', body: { owner: '${ $steps.prepare.owner }', tier: '${ $steps.route.output.tier }' } },
    },
    { id: 'summary', kind: 'set', values: { status: '${ $steps.notify.status }', items: '${ $count($steps.each_item) }' } },
    { id: 'done', kind: 'return', output: '${ $steps.summary }' },
  ],
};
/** Checkpointed steps per run: 6 top-level, the switch's branch, 10 iterations. */
export const STEPS_PER_RUN = 17;

export function inputFor(i: number) {
  return { items: Array.from({ length: 10 }, (_, k) => `item-${i}-${k}`), owner: `owner-${i}`, amount: i % 200 };
}

/** The same work without the engine: evaluate, branch, loop, call, summarise. */
export async function plainFunction(client: HttpClient, input: ReturnType<typeof inputFor>) {
  const prepare = { items: input.items, owner: input.owner, amount: input.amount };
  const route = { branch: input.amount > 100 ? 0 : 'default', output: { tier: input.amount > 100 ? 'high' : 'low' } };
  const each: unknown[] = [];
  for (let index = 0; index < prepare.items.length; index++) each.push({ id: prepare.items[index], position: index });
  const notify = await client.send({ method: 'POST', url: '/notify', json: { owner: prepare.owner, tier: route.output.tier }, headers: { 'idempotency-key': 'k' } });
  return { status: notify.status, items: each.length };
}

/** Counts calls of the store's write methods: each is one transaction (one commit). */
export function countWrites(store: Store): { readonly count: number; reset(): void } {
  const counter = { count: 0, reset: () => (counter.count = 0) };
  const methods = ['createRun', 'updateRun', 'claimRun', 'renewLease', 'releaseRun', 'putStep', 'putSteps', 'putFlowContent', 'deleteSteps'] as const;
  for (const name of methods) {
    const original = (store[name] as (...args: unknown[]) => Promise<unknown>).bind(store);
    (store as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
      counter.count++;
      return original(...args);
    };
  }
  return counter;
}

/** A local HTTP server that answers every request 200 `{"ok":true}`: the `noop` connection's vendor. */
export async function startNoopServer(): Promise<{ baseUrl: string; close(): void }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}
