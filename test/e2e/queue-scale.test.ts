import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app/create-app.js';
import { discoverConnectors } from '../../src/connector-kit/registry.js';
import type { FlowDefinition } from '../../src/engine/flow-types.js';
import { sandboxConnections } from '../../src/sandbox/sandbox-connections.js';
import { createSandbox, DEFAULT_SANDBOX_CREDENTIALS, type Sandbox } from '../../src/sandbox/sandbox-server.js';
import { LIMIT_PER_SECOND } from '../../connectors/lark-contact/sandbox.js';
import { emptyCompany, listenOnLoopback } from '../support/sandbox-session.js';
import { waitFor } from '../support/wait-for.js';
import { QueueWorld } from '../runtime/queue/queue-world.js';

/** Three bot messages per run, each with the step's idempotency key as Lark's uuid, each to the run's own chats. */
const THREE_MESSAGES: FlowDefinition = {
  id: 'three-messages',
  version: '1',
  input: { type: 'object', required: ['n'], properties: { n: { type: 'integer' } } },
  steps: ['a', 'b', 'c'].map((chat) => ({
    id: `send_${chat}`,
    kind: 'call' as const,
    action: 'lark-contact.message.send',
    connection: 'lark',
    with: { receive_id_type: 'chat_id', receive_id: `\${ 'oc_run' & $string($input.n) & '_${chat}' }`, msg_type: 'text', content: { text: 'hello' } },
  })),
};

interface SentMessage {
  uuid?: string;
  chat_id: string;
}

describe('queue mode across processes (PostgreSQL, Redis, worker processes, the sandbox)', () => {
  let world: QueueWorld;
  let sandbox: Sandbox;

  async function startWorld(rateLimits: boolean, requestsPerSecond?: number): Promise<void> {
    sandbox = await createSandbox({ company: emptyCompany('Acme'), rateLimits });
    const base = await listenOnLoopback(sandbox);
    const ids = (await discoverConnectors()).list().map((manifest) => manifest.id);
    const { connections, secrets } = sandboxConnections(base, DEFAULT_SANDBOX_CREDENTIALS, ids);
    const lark = { ...connections.lark, connector: 'lark-contact', ...(requestsPerSecond ? { requestsPerSecond } : {}) };
    world = new QueueWorld();
    await world.start([THREE_MESSAGES], {}, { connections: { lark }, secrets });
  }

  /** Counted rather than listed: reading every finished run 50 times a second would load the database under test. */
  const succeeded = async (app: App) => (await app.store.runsByFlowAndStatus()).find((c) => c.flowId === 'three-messages' && c.status === 'succeeded')?.count ?? 0;

  const messages = () => (sandbox.context.state('lark-contact', () => ({ messages: [] as SentMessage[] })) as { messages: SentMessage[] }).messages;

  afterEach(async () => {
    await world.close();
    await sandbox.app.close();
  });

  describe('a worker killed midway', () => {
    beforeEach(() => startWorld(false));

    it('1,000 runs on two workers, one SIGKILLed midway: every run succeeds, every message is sent exactly once, none stays running', async () => {
      const serve = await world.boot('serve');
      const doomed = await world.spawnWorker(16);
      await world.spawnWorker(16);
      const flow = serve.engine.compile(THREE_MESSAGES);
      const runs = [];
      for (let n = 0; n < 1000; n++) runs.push(await serve.engine.startRun(flow, { n }));
      await serve.runtime.poll();
      // The caps only end a test that is stuck: alone this takes about 30 s, beside other files on a loaded machine several minutes.
      await waitFor(() => messages().length >= 900, () => `a third of the messages to be sent (${messages().length} are)`, 300_000);
      console.log(`killing a worker at ${messages().length} messages`);
      doomed.child.kill('SIGKILL');
      await doomed.exited;
      await waitFor(async () => (await succeeded(serve)) === 1000, async () => `every run to succeed (${await succeeded(serve)} did, ${messages().length} messages)`, 400_000);

      expect(await serve.store.listRuns({ status: ['queued', 'running', 'waiting', 'failed'] })).toEqual([]);
      const sent = messages();
      expect(sent).toHaveLength(3000);
      expect(new Set(sent.map((m) => m.uuid)).size).toBe(3000);
      expect(new Set(sent.map((m) => m.chat_id)).size).toBe(3000);
    }, 800_000);
  });

  describe('a shared rate limit', () => {
    beforeEach(() => startWorld(true, LIMIT_PER_SECOND));

    it('two workers stay within one per-app limit together: the sandbox answers no 429', async () => {
      const serve = await world.boot('serve');
      await world.spawnWorker(16);
      await world.spawnWorker(16);
      const flow = serve.engine.compile(THREE_MESSAGES);
      for (let n = 0; n < 80; n++) await serve.engine.startRun(flow, { n });
      await serve.runtime.poll();
      await waitFor(async () => (await succeeded(serve)) === 80, async () => `every run to succeed (${await succeeded(serve)} did)`, 300_000);
      expect(messages()).toHaveLength(240);
      // 240 messages at the sandbox's 50 a second: several windows, each filled by both workers.
      expect(sandbox.context.rateLimitRefusals).toBe(0);
    }, 400_000);
  });
});
