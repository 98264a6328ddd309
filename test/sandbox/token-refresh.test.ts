import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { LarkClient } from '../../connectors/lark-shared/lark-client.js';
import { createSandbox, DEFAULT_SANDBOX_CREDENTIALS, type Sandbox } from '../../src/sandbox/sandbox-server.js';
import { seedCompany } from '../../src/sandbox/seed-company.js';

const company = seedCompany({ employees: 30, seed: 'tokens' });
const offer = company.offers[0]!;
const { appId, appSecret } = DEFAULT_SANDBOX_CREDENTIALS.lark;

let sandbox: Sandbox | undefined;
let clock = Date.UTC(2027, 0, 4);

afterEach(async () => {
  await sandbox?.app.close();
  sandbox = undefined;
});

async function start(tokenTtlSeconds: number): Promise<LarkClient> {
  sandbox = await createSandbox({ company, tokenTtlSeconds, now: () => clock });
  await sandbox.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = sandbox.app.server.address() as AddressInfo;
  return new LarkClient({ baseUrl: `http://127.0.0.1:${port}`, appId, appSecret, now: () => clock });
}

function issuedTokens(): number {
  return sandbox!.context.state('lark-tokens', () => ({ tokens: new Map<string, number>() })).tokens.size;
}

const getOffer = (client: LarkClient) => client.call<{ offer: { id: string } }>({ method: 'GET', path: `/open-apis/hire/v1/offers/${offer.offerId}` });

describe("Staffwire's Lark client against the sandbox's token rules", () => {
  it('fetches a new token once the --token-ttl lifetime (less its safety margin) has run out', async () => {
    const client = await start(600);
    expect((await getOffer(client)).offer.id).toBe(offer.offerId);
    clock += 400_000;
    await getOffer(client);
    expect(issuedTokens()).toBe(1);
    clock += 30_000;
    await getOffer(client);
    expect(issuedTokens()).toBe(2);
  });

  it('refreshes once and carries on when the sandbox has forgotten its token (99991663 after a reset)', async () => {
    const client = await start(7200);
    await getOffer(client);
    await sandbox!.app.inject({ method: 'POST', url: '/_sandbox/reset' });
    expect(issuedTokens()).toBe(0);
    expect((await getOffer(client)).offer.id).toBe(offer.offerId);
    expect(issuedTokens()).toBe(1);
  });
});
