import { describe, expect, it } from 'vitest';
import type { ActionContext } from '../../src/connector-kit/connector.js';
import { defineConnector } from '../../src/connector-kit/define-connector.js';
import { ConnectorRegistry, discoverConnectors } from '../../src/connector-kit/registry.js';
import type { ConnectionWebhookVerifier } from '../../src/connector-kit/webhooks/webhook-verifier.js';
import { CONNECT_WEBHOOK_DELIVERY, docusignConnectWebhook } from '../../connectors/docusign/docusign-connection.js';
import { larkWebhook } from '../../connectors/lark-shared/lark-connection.js';

/** Typed as a JSON import is: literal keys, widened strings (the category among them). */
const manifest = {
  id: 'echo',
  title: 'Echo',
  category: 'generic' as string,
  connection: { required: false, schema: { type: 'object' } },
  actions: {
    'message.echo': { title: 'Echo', sideEffect: false, input: { type: 'object' }, output: { type: 'object' } },
    'message.drop': { title: 'Drop', sideEffect: true, input: { type: 'object' }, output: { type: 'object' } },
  },
};

const echo = async (input: { text: string }, _context: ActionContext) => input;
const drop = async (_input: Record<string, never>, _context: ActionContext) => ({});

const verifier: ConnectionWebhookVerifier = {
  delivery: { answerWithinMs: 10_000 },
  verify: () => ({ kind: 'challenge', body: {} }),
};

describe('defineConnector', () => {
  it('takes the manifest as imported, one handler per declared action, and the webhook verifier', () => {
    const connector = defineConnector({ manifest, actions: { 'message.echo': echo, 'message.drop': drop }, webhook: verifier });
    expect(connector.manifest).toBe(manifest);
    expect(Object.keys(connector.actions)).toEqual(['message.echo', 'message.drop']);
    expect(connector.webhook).toBe(verifier);
    expect(() => new ConnectorRegistry().register(connector)).not.toThrow();
  });

  it('holds the actions to the manifest at compile time: a missing or an extra handler does not type-check', () => {
    // @ts-expect-error message.drop is declared but has no handler
    defineConnector({ manifest, actions: { 'message.echo': echo } });
    // @ts-expect-error message.shout is not declared in the manifest
    defineConnector({ manifest, actions: { 'message.echo': echo, 'message.drop': drop, 'message.shout': echo } });
  });

  it('leaves the manifest to the registry, which still refuses an invalid one', () => {
    const connector = defineConnector({ manifest: { ...manifest, category: 'astrology' }, actions: { 'message.echo': echo, 'message.drop': drop } });
    expect(() => new ConnectorRegistry().register(connector)).toThrow(/connector manifest echo is invalid: \/category/);
  });
});

describe('ConnectorRegistry.webhookFor', () => {
  it('refuses a connector whose webhook has no verify function', () => {
    const connector = defineConnector({ manifest, actions: { 'message.echo': echo, 'message.drop': drop } });
    expect(() => new ConnectorRegistry().register({ ...connector, webhook: { delivery: {} } as unknown as ConnectionWebhookVerifier })).toThrow(
      'connector echo declares a webhook without a verify function',
    );
  });

  it("finds each installed connector's verifier: Lark's for the Lark products, Connect for DocuSign, none for http", async () => {
    const registry = await discoverConnectors();
    expect(registry.webhookFor('lark-hire')).toBe(larkWebhook);
    expect(registry.webhookFor('lark-corehr')).toBe(larkWebhook);
    expect(registry.webhookFor('docusign')).toBe(docusignConnectWebhook);
    expect(registry.webhookFor('docusign')?.delivery).toBe(CONNECT_WEBHOOK_DELIVERY);
    expect(registry.webhookFor('http')).toBeUndefined();
    expect(registry.webhookFor('no-such-connector')).toBeUndefined();
  });

  it("gives a connection made for a Lark product without events the app's verifier all the same", async () => {
    const registry = await discoverConnectors();
    for (const id of ['lark-contact', 'lark-bitable', 'lark-payroll']) {
      expect(registry.get(id)?.webhook).toBeUndefined();
      expect(registry.webhookFor(id)).toBe(larkWebhook);
    }
  });
});

describe('ConnectorRegistry.clientRateLimits', () => {
  const lark = (connector: string, settings: Record<string, unknown> = {}) => ({ name: 'lark', connector, settings: { appId: 'cli_a1', appSecret: 's', ...settings } });

  it("lists every limiter a connection's calls can go through, whichever connector serving it makes them, each once", async () => {
    const registry = await discoverConnectors();
    // Made for CoreHR, the connection also runs lark-contact's freezes, under their own limit.
    expect(registry.clientRateLimits(lark('lark-corehr', { requestsPerSecond: 20 }))).toEqual([
      { scope: 'every request of app cli_a1', key: 'lark:cli_a1', rate: { limit: 20, perMs: 1000 } },
      { scope: expect.stringContaining('is_frozen'), key: 'lark:cli_a1:contact.user.is_frozen', rate: { limit: 1, perMs: 1000 } },
    ]);
    expect(registry.clientRateLimits(lark('lark-bitable')).map((limit) => limit.key)).toEqual(['lark:cli_a1:contact.user.is_frozen']);
    expect(registry.clientRateLimits({ name: 'svc', connector: 'http', settings: {} })).toEqual([]);
    expect(registry.clientRateLimits({ name: 'x', connector: 'no-such-connector', settings: {} })).toEqual([]);
  });
});
