import { describe, expect, it } from 'vitest';
import type { AddressInfo } from 'node:net';
import { createSandbox, type Sandbox } from '../../src/sandbox/sandbox-server.js';
import type { SeededCompany, SeededEmployee } from '../../src/sandbox/seed-company.js';
import { actionContext, runAction } from '../../test/support/action-context.js';
import { larkCall, larkSandboxConnection, larkTenantToken, type LarkMethod } from '../../test/support/lark-sandbox.js';
import { sandboxStarter, seededEmployee, type SandboxSession } from '../../test/support/sandbox-session.js';
import connector from './index.js';
import { ManualClock } from '../../src/clock/manual-clock.js';
import { ConnectionResources } from '../../src/connector-kit/connection-resources.js';
import { inMemoryRateLimiters } from '../../src/connector-kit/rate-limiter.js';
import { waitFor } from '../../test/support/wait-for.js';
import { BATCH_GET_ID_MAX, IS_FROZEN_PER_SECOND, IS_FROZEN_WRITE_MS, LIMIT_PER_MINUTE, LIMIT_PER_SECOND, RECEIVER_LIMIT_PER_SECOND, SANDBOX_TRANSACTION_CONFLICT } from './sandbox.js';

function employee(key: string, overrides: Partial<SeededEmployee> = {}): SeededEmployee {
  return seededEmployee(key, {
    name: key,
    // Distinct per person here, so a look-up by mobile finds one.
    mobile: `+1555${key.length}${key.charCodeAt(0)}`,
    employeeNo: `N-${key}`,
    departmentId: 'D-eng',
    workLocationId: 'wl-ny',
    hireDate: '2021-02-01',
    ...overrides,
  });
}

const grace = employee('grace');
const ada = employee('ada', { managerEmploymentId: 'E-grace', mobile: '+15550100' });
const tom = employee('tom', { status: 'terminated' });
const fay = employee('fay', { accountFrozen: true });
const gus = employee('gus', { accountResigned: true });

const company: SeededCompany = {
  name: 'Acme',
  workLocations: [{ id: 'wl-ny', name: 'New York', timeZone: 'America/New_York' }],
  departments: [
    { id: 'D-eng', name: 'Engineering', parentId: undefined, leaderEmploymentId: 'E-grace' },
    { id: 'D-ops', name: 'Operations', parentId: undefined, leaderEmploymentId: undefined },
  ],
  employees: [grace, ada, tom, fay, gus],
  offers: [],
};

const startSandbox = sandboxStarter(company, Date.UTC(2025, 2, 1, 9));

/** A fresh sandbox and a tenant token for it. */
async function start(): Promise<{ s: SandboxSession; token: string }> {
  const s = await startSandbox();
  return { s, token: await larkTenantToken(s) };
}

const getUser = (s: Sandbox, token: string, id: string, query = '') => larkCall(s, token, 'GET', `/open-apis/contact/v3/users/${id}${query}`);
const sendTo = (s: Sandbox, token: string, body: Record<string, unknown>, receiveIdType = 'open_id') =>
  larkCall(s, token, 'POST', `/open-apis/im/v1/messages?receive_id_type=${receiveIdType}`, { msg_type: 'text', content: '{"text":"hi"}', ...body });

/** Every route with a request it accepts once. */
const routes: [string, LarkMethod, string, object | undefined][] = [
  ['user.get', 'GET', '/open-apis/contact/v3/users/ou_ada', undefined],
  ['user.batch_get_id', 'POST', '/open-apis/contact/v3/users/batch_get_id', { emails: ['ada@acme.test'] }],
  ['user.patch', 'PATCH', '/open-apis/contact/v3/users/ou_ada', { is_frozen: true }],
  ['user.delete', 'DELETE', '/open-apis/contact/v3/users/ou_nobody', {}],
  ['user.resurrect', 'POST', '/open-apis/contact/v3/users/ou_nobody/resurrect', {}],
  ['message.create', 'POST', '/open-apis/im/v1/messages?receive_id_type=chat_id', { receive_id: 'oc_x', msg_type: 'text', content: '{"text":"hi"}' }],
];

describe('lark-contact sandbox', () => {
  describe.each(routes)('%s', (_name, method, url, payload) => {
    it("refuses a call without a live tenant token with Lark's 99991663", async () => {
      const { s } = await start();
      expect(await larkCall(s, undefined, method, url, payload)).toMatchObject({ status: 400, body: { code: 99991663 } });
      expect(await larkCall(s, 't-forged', method, url, payload)).toMatchObject({ status: 400, body: { code: 99991663 } });
    });
  });

  // A PATCH changes is_frozen, which has its own, lower limit (below).
  describe.each(routes.filter(([name]) => name !== 'user.patch'))('%s', (_name, method, url, payload) => {
    it(`answers the ${LIMIT_PER_SECOND + 1}th call in a second with 429 and Lark's headers, then lets calls through`, async () => {
      const { s, token } = await start();
      // The per-receiver message limit would answer first: spread messages over chats.
      const request = (i: number) => larkCall(s, token, method, url.replace('oc_x', `oc_${i}`), payload && 'receive_id' in payload ? { ...payload, receive_id: `oc_${i}` } : payload);
      for (let i = 0; i < LIMIT_PER_SECOND; i++) expect((await request(i)).status).not.toBe(429);
      const limited = await request(LIMIT_PER_SECOND);
      expect(limited).toMatchObject({ status: 429, body: { code: 99991400 } });
      expect(limited.headers).toMatchObject({ 'x-ogw-ratelimit-limit': String(LIMIT_PER_SECOND), 'x-ogw-ratelimit-reset': '1' });
      s.tick(1000);
      expect((await request(LIMIT_PER_SECOND + 1)).status).not.toBe(429);
    });
  });

  it(`holds an API to ${LIMIT_PER_MINUTE} calls a minute`, async () => {
    const { s, token } = await start();
    for (let second = 0; second < LIMIT_PER_MINUTE / LIMIT_PER_SECOND; second++) {
      for (let i = 0; i < LIMIT_PER_SECOND; i++) expect((await getUser(s, token, 'ou_ada')).status).toBe(200);
      s.tick(1000);
    }
    const limited = await getUser(s, token, 'ou_ada');
    expect(limited).toMatchObject({ status: 429, body: { code: 99991400 } });
    expect(limited.headers).toMatchObject({ 'x-ogw-ratelimit-limit': String(LIMIT_PER_MINUTE), 'x-ogw-ratelimit-reset': '60' });
    s.tick(60_000);
    expect((await getUser(s, token, 'ou_ada')).status).toBe(200);
  });

  describe('users', () => {
    it('reads a user by open_id, user_id or union_id, with ids in that type', async () => {
      const { s, token } = await start();
      const byOpenId = await getUser(s, token, 'ou_ada');
      expect(byOpenId.body.data?.user).toMatchObject({
        open_id: 'ou_ada',
        union_id: 'on_ada',
        user_id: 'u-ada',
        email: 'ada@acme.test',
        department_ids: ['od-D-eng'],
        leader_user_id: 'ou_grace',
        time_zone: 'America/New_York',
        status: { is_frozen: false, is_resigned: false, is_activated: true },
      });
      expect((await getUser(s, token, 'u-ada', '?user_id_type=user_id&department_id_type=department_id')).body.data?.user).toMatchObject({ leader_user_id: 'u-grace', department_ids: ['D-eng'] });
      expect((await getUser(s, token, 'on_ada', '?user_id_type=union_id')).body.data?.user).toMatchObject({ open_id: 'ou_ada', leader_user_id: 'on_grace' });
      expect((await getUser(s, token, 'tom', '')).body).toMatchObject({ code: 41050 });
      expect((await getUser(s, token, 'ou_tom')).body.data?.user.status).toMatchObject({ is_resigned: true, is_activated: false });
    });

    it("answers an id of another type or an unknown id type with Lark's errors", async () => {
      const { s, token } = await start();
      expect(await getUser(s, token, 'u-ada')).toMatchObject({ status: 400, body: { code: 41050 } });
      expect(await getUser(s, token, 'ou_ada', '?user_id_type=email')).toMatchObject({ status: 400, body: { code: 99992402 } });
      expect(await getUser(s, token, 'ou_ada', '?department_id_type=od')).toMatchObject({ status: 400, body: { code: 99992402 } });
    });

    it('finds ids by email and mobile, leaving unknown and resigned users without user_id', async () => {
      const { s, token } = await start();
      const found = await larkCall(s, token, 'POST', '/open-apis/contact/v3/users/batch_get_id?user_id_type=user_id', {
        emails: ['ADA@acme.test', 'tom@acme.test', 'nobody@acme.test'],
        mobiles: ['+15550100'],
      });
      expect(found.body.data?.user_list).toEqual([
        { user_id: 'u-ada', email: 'ADA@acme.test', status: expect.objectContaining({ is_resigned: false }) },
        { email: 'tom@acme.test' },
        { email: 'nobody@acme.test' },
        { user_id: 'u-ada', mobile: '+15550100', status: expect.objectContaining({ is_frozen: false }) },
      ]);
      const withResigned = await larkCall(s, token, 'POST', '/open-apis/contact/v3/users/batch_get_id', { emails: ['tom@acme.test'], include_resigned: true });
      expect(withResigned.body.data?.user_list).toEqual([{ user_id: 'ou_tom', email: 'tom@acme.test', status: expect.objectContaining({ is_resigned: true }) }]);
    });

    it(`takes at most ${BATCH_GET_ID_MAX} emails and ${BATCH_GET_ID_MAX} mobiles per call`, async () => {
      const { s, token } = await start();
      const list = (n: number) => Array.from({ length: n }, (_, i) => `p${i}@acme.test`);
      const url = '/open-apis/contact/v3/users/batch_get_id';
      expect((await larkCall(s, token, 'POST', url, { emails: list(BATCH_GET_ID_MAX), mobiles: list(BATCH_GET_ID_MAX) })).status).toBe(200);
      expect(await larkCall(s, token, 'POST', url, { emails: list(BATCH_GET_ID_MAX + 1) })).toMatchObject({ status: 400, body: { code: 99992402 } });
      expect(await larkCall(s, token, 'POST', url, { mobiles: list(BATCH_GET_ID_MAX + 1) })).toMatchObject({ status: 400, body: { code: 99992402 } });
      expect(await larkCall(s, token, 'POST', url, { emails: 'ada@acme.test' })).toMatchObject({ status: 400, body: { code: 99992402 } });
    });

    it('freezes and unfreezes an account, idempotently, and shows it in status.is_frozen', async () => {
      const { s, token } = await start();
      const freeze = (isFrozen: boolean) => larkCall(s, token, 'PATCH', '/open-apis/contact/v3/users/u-ada?user_id_type=user_id', { is_frozen: isFrozen });
      expect((await freeze(true)).body.data?.user.status).toMatchObject({ is_frozen: true });
      s.tick(1000);
      expect((await freeze(true)).status).toBe(200);
      s.tick(1000);
      expect((await getUser(s, token, 'ou_ada')).body.data?.user.status.is_frozen).toBe(true);
      await freeze(false);
      expect((await getUser(s, token, 'ou_ada')).body.data?.user.status.is_frozen).toBe(false);
    });

    it('allows one is_frozen change a second per app, answering the next with 429 and x-ogw headers', async () => {
      const { s, token } = await start();
      expect((await larkCall(s, token, 'PATCH', '/open-apis/contact/v3/users/ou_ada', { is_frozen: true })).status).toBe(200);
      const tooSoon = await larkCall(s, token, 'PATCH', '/open-apis/contact/v3/users/ou_grace', { is_frozen: true });
      expect(tooSoon).toMatchObject({ status: 429, body: { code: 99991400 } });
      expect(tooSoon.headers).toMatchObject({ 'x-ogw-ratelimit-limit': String(IS_FROZEN_PER_SECOND), 'x-ogw-ratelimit-reset': '1' });
      expect((await getUser(s, token, 'ou_grace')).body.data?.user.status.is_frozen).toBe(false);
      s.tick(1000);
      expect((await larkCall(s, token, 'PATCH', '/open-apis/contact/v3/users/ou_grace', { is_frozen: true })).status).toBe(200);
    });

    it('seeds accounts frozen already and accounts resigned although still employed', async () => {
      const { s, token } = await start();
      expect((await getUser(s, token, 'ou_fay')).body.data?.user.status).toMatchObject({ is_frozen: true, is_resigned: false });
      expect((await getUser(s, token, 'ou_gus')).body.data?.user.status).toMatchObject({ is_frozen: false, is_resigned: true });
    });

    it('changes nothing but is_frozen, and nothing of a resigned user', async () => {
      const { s, token } = await start();
      expect(await larkCall(s, token, 'PATCH', '/open-apis/contact/v3/users/ou_ada', { is_frozen: true, name: 'Ada L.' })).toMatchObject({ status: 400, body: { code: 99992402 } });
      expect(await larkCall(s, token, 'PATCH', '/open-apis/contact/v3/users/ou_ada', { is_frozen: 'yes' })).toMatchObject({ status: 400, body: { code: 99992402 } });
      expect(await larkCall(s, token, 'PATCH', '/open-apis/contact/v3/users/ou_tom', { is_frozen: true })).toMatchObject({ status: 400, body: { code: 41099 } });
    });

    it('deletes a user, recording the hand-overs, refuses a second delete, and resurrects', async () => {
      const { s, token } = await start();
      const handover = { docs_acceptor_user_id: 'ou_grace', email_acceptor: { processing_type: '1', acceptor_user_id: 'ou_grace' } };
      expect((await larkCall(s, token, 'DELETE', '/open-apis/contact/v3/users/ou_ada', handover)).status).toBe(200);
      expect((await getUser(s, token, 'ou_ada')).body.data?.user.status).toMatchObject({ is_resigned: true });
      expect(s.context.state('lark-contact', () => ({ handovers: {} as Record<string, unknown> })).handovers).toEqual({ ou_ada: handover });
      expect(await larkCall(s, token, 'DELETE', '/open-apis/contact/v3/users/ou_ada', {})).toMatchObject({ status: 400, body: { code: 41099 } });

      const restored = await larkCall(s, token, 'POST', '/open-apis/contact/v3/users/ou_ada/resurrect?department_id_type=department_id', { departments: [{ department_id: 'D-ops' }] });
      expect(restored.status).toBe(200);
      expect((await getUser(s, token, 'ou_ada')).body.data?.user).toMatchObject({ department_ids: ['od-D-ops'], status: { is_resigned: false } });
      expect(await larkCall(s, token, 'POST', '/open-apis/contact/v3/users/ou_ada/resurrect', {})).toMatchObject({ status: 400, body: { code: 41099 } });
    });

    it('hands over only to active users other than the leaver, with a valid mailbox instruction', async () => {
      const { s, token } = await start();
      const remove = (body: object) => larkCall(s, token, 'DELETE', '/open-apis/contact/v3/users/ou_ada', body);
      expect(await remove({ docs_acceptor_user_id: 'ou_nobody' })).toMatchObject({ status: 400, body: { code: 41050 } });
      expect(await remove({ calendar_acceptor_user_id: 'ou_tom' })).toMatchObject({ status: 400, body: { code: 41050 } });
      expect(await remove({ minutes_acceptor_user_id: 'ou_ada' })).toMatchObject({ status: 400, body: { code: 41050 } });
      expect(await remove({ email_acceptor: { processing_type: '4' } })).toMatchObject({ status: 400, body: { code: 99992402 } });
      expect(await remove({ email_acceptor: { processing_type: '1' } })).toMatchObject({ status: 400, body: { code: 99992402 } });
      expect((await getUser(s, token, 'ou_ada')).body.data?.user.status.is_resigned).toBe(false);
    });
  });

  describe('messages', () => {
    it('sends to a user by open_id or email, and to a chat', async () => {
      const { s, token } = await start();
      const sent = await sendTo(s, token, { receive_id: 'ou_ada', uuid: 'u-1' });
      expect(sent.status).toBe(200);
      expect(sent.body.data).toMatchObject({ msg_type: 'text', chat_id: 'oc_sandbox_p2p_ou_ada', body: { content: '{"text":"hi"}' }, sender: { id_type: 'app_id', sender_type: 'app' } });
      expect(sent.body.data?.message_id).toMatch(/^om_/);
      expect((await sendTo(s, token, { receive_id: 'grace@acme.test' }, 'email')).body.data).toMatchObject({ chat_id: 'oc_sandbox_p2p_ou_grace' });
      expect((await sendTo(s, token, { receive_id: 'oc_people_team' }, 'chat_id')).body.data).toMatchObject({ chat_id: 'oc_people_team' });
    });

    it('sends one message per uuid within an hour and a new one after', async () => {
      const { s, token } = await start();
      const first = await sendTo(s, token, { receive_id: 'ou_ada', uuid: 'step-key-1' });
      s.tick(59 * 60_000);
      const again = await sendTo(s, token, { receive_id: 'ou_ada', uuid: 'step-key-1' });
      expect(again.body.data?.message_id).toBe(first.body.data?.message_id);
      const other = await sendTo(s, token, { receive_id: 'ou_ada', uuid: 'step-key-2' });
      expect(other.body.data?.message_id).not.toBe(first.body.data?.message_id);
      s.tick(60_000);
      const later = await sendTo(s, token, { receive_id: 'ou_ada', uuid: 'step-key-1' });
      expect(later.body.data?.message_id).not.toBe(first.body.data?.message_id);
      expect(s.context.state('lark-contact', () => ({ messages: [] as unknown[] })).messages).toHaveLength(3);
    });

    it('refuses receivers the bot cannot reach', async () => {
      const { s, token } = await start();
      expect(await sendTo(s, token, { receive_id: 'ou_nobody' })).toMatchObject({ status: 400, body: { code: 230013 } });
      expect(await sendTo(s, token, { receive_id: 'ou_tom' })).toMatchObject({ status: 400, body: { code: 230013 } });
      expect(await sendTo(s, token, { receive_id: 'people-team' }, 'chat_id')).toMatchObject({ status: 400, body: { code: 99992402 } });
      expect(await sendTo(s, token, { receive_id: 'ou_ada' }, 'phone')).toMatchObject({ status: 400, body: { code: 99992402 } });
    });

    it('refuses malformed messages', async () => {
      const { s, token } = await start();
      expect(await sendTo(s, token, { receive_id: 'ou_ada', content: 'hi' })).toMatchObject({ status: 400, body: { code: 230001 } });
      expect(await sendTo(s, token, { receive_id: 'ou_ada', content: { text: 'hi' } })).toMatchObject({ status: 400, body: { code: 230001 } });
      expect(await sendTo(s, token, { receive_id: 'ou_ada', content: '{"title":"no text"}' })).toMatchObject({ status: 400, body: { code: 230001 } });
      expect(await sendTo(s, token, { receive_id: 'ou_ada', msg_type: 'image', content: '{"image_key":"k"}' })).toMatchObject({ status: 400, body: { code: 99992402 } });
      expect(await sendTo(s, token, { receive_id: 'ou_ada', uuid: 'x'.repeat(51) })).toMatchObject({ status: 400, body: { code: 99992402 } });
      expect(await sendTo(s, token, { content: '{"text":"hi"}' })).toMatchObject({ status: 400, body: { code: 99992402 } });
    });

    /** A request body of exactly `bytes` bytes carrying a message of the given type. */
    function bodyOfSize(bytes: number, msgType: string): string {
      const shape = (filler: string) => JSON.stringify({ receive_id: 'ou_ada', msg_type: msgType, content: JSON.stringify({ text: filler }) });
      return shape('a'.repeat(bytes - Buffer.byteLength(shape(''))));
    }

    it.each([
      ['text', 150 * 1024],
      ['post', 30 * 1024],
      ['interactive', 30 * 1024],
    ])('takes a %s message of %i bytes and refuses one byte more with 230025', async (msgType, limit) => {
      const { s, token } = await start();
      const url = '/open-apis/im/v1/messages?receive_id_type=open_id';
      expect((await larkCall(s, token, 'POST', url, bodyOfSize(limit, msgType))).status).toBe(200);
      s.tick(1000);
      expect(await larkCall(s, token, 'POST', url, bodyOfSize(limit + 1, msgType))).toMatchObject({ status: 400, body: { code: 230025 } });
    });

    it(`lets ${RECEIVER_LIMIT_PER_SECOND} messages a second reach one receiver and answers the next with 230020`, async () => {
      const { s, token } = await start();
      for (let i = 0; i < RECEIVER_LIMIT_PER_SECOND; i++) expect((await sendTo(s, token, { receive_id: 'ou_ada' })).status).toBe(200);
      expect(await sendTo(s, token, { receive_id: 'u-ada' }, 'user_id')).toMatchObject({ status: 400, body: { code: 230020 } });
      expect((await sendTo(s, token, { receive_id: 'ou_grace' })).status).toBe(200);
      s.tick(1000);
      expect((await sendTo(s, token, { receive_id: 'ou_ada' })).status).toBe(200);
    });
  });

  it('serves the connector: a re-sent message is the same message, a re-attempted delete is done', async () => {
    const { s } = await start();
    const context = actionContext(larkSandboxConnection('lark-contact', await s.listen()));
    const run = (action: string, input: unknown) => runAction(connector, action, input, context) as Promise<Record<string, unknown>>;

    const message = { receive_id_type: 'open_id', receive_id: 'ou_ada', msg_type: 'text', content: { text: 'Your account closes tonight.' } };
    const first = await run('message.send', message);
    expect((await run('message.send', message)).message_id).toBe(first.message_id);

    expect(await run('user.suspend', { user_id: 'ou_ada' })).toMatchObject({ user_id: 'ou_ada', is_frozen: true, user: { status: { is_frozen: true } } });
    expect(await run('user.delete', { user_id: 'ou_ada', docs_acceptor_user_id: 'ou_grace' })).toEqual({ user_id: 'ou_ada', alreadyDeleted: false });
    expect(await run('user.delete', { user_id: 'ou_ada', docs_acceptor_user_id: 'ou_grace' })).toEqual({ user_id: 'ou_ada', alreadyDeleted: true });
    expect(await run('user.resurrect', { user_id: 'ou_ada' })).toEqual({ user_id: 'ou_ada', alreadyActive: false });
    expect(await run('user.resurrect', { user_id: 'ou_ada' })).toEqual({ user_id: 'ou_ada', alreadyActive: true });
  });
});

describe('lark-contact sandbox: state and seed', () => {
  it('answers its state from the first request: every account, and no hand-overs or messages', async () => {
    const s = await startSandbox();
    const response = await s.app.inject({ method: 'GET', url: '/_sandbox/state?connector=lark-contact' });
    expect(response.statusCode).toBe(200);
    expect(response.json().connectors['lark-contact']).toEqual({
      accounts: {
        ou_grace: { isFrozen: false, isResigned: false },
        ou_ada: { isFrozen: false, isResigned: false },
        ou_tom: { isFrozen: false, isResigned: true },
        ou_fay: { isFrozen: true, isResigned: false },
        ou_gus: { isFrozen: false, isResigned: true },
      },
      isFrozenWriteUnderWay: false,
      handovers: {},
      messages: [],
      messageIdsByUuid: {},
    });
  });

  it('lists its users in the seed with their ids and account status as they are now', async () => {
    const { s, token } = await start();
    const users = async () => (await s.app.inject({ method: 'GET', url: '/_sandbox/seed?section=users' })).json<{ connector: string; items: Record<string, unknown>[] }>();
    expect((await users()).items).toEqual([
      { open_id: 'ou_grace', user_id: 'u-grace', union_id: 'on_grace', name: 'grace', email: 'grace@acme.test', mobile: grace.mobile, employee_no: 'N-grace', is_frozen: false, is_resigned: false },
      expect.objectContaining({ open_id: 'ou_ada', is_frozen: false }),
      expect.objectContaining({ open_id: 'ou_tom', is_resigned: true }),
      expect.objectContaining({ open_id: 'ou_fay', is_frozen: true, is_resigned: false }),
      expect.objectContaining({ open_id: 'ou_gus', is_frozen: false, is_resigned: true }),
    ]);
    await larkCall(s, token, 'PATCH', '/open-apis/contact/v3/users/ou_ada', { is_frozen: true });
    expect((await users()).items[1]).toMatchObject({ is_frozen: true });
  });
});

describe('lark-contact sandbox: overlapping freezes', () => {
  // The fake's is_frozen write waits on this: held until the test lets it finish.
  const held: { ms: number; release: () => void }[] = [];
  const startHolding = sandboxStarter(company, Date.UTC(2025, 2, 1, 9), {
    sleep: (ms) => new Promise<void>((resolve) => held.push({ ms, release: resolve })),
  });

  it('fails an is_frozen change while another is being written, as a transaction conflict, and lets the first finish', async () => {
    held.length = 0;
    const s = await startHolding();
    const token = await larkTenantToken(s);
    const first = larkCall(s, token, 'PATCH', '/open-apis/contact/v3/users/ou_ada', { is_frozen: true });
    await waitFor(() => held.length === 1, 'the first freeze to be under way');
    expect(held[0]!.ms).toBe(IS_FROZEN_WRITE_MS);
    const overlapping = await larkCall(s, token, 'PATCH', '/open-apis/contact/v3/users/ou_grace', { is_frozen: true });
    expect(overlapping).toMatchObject({ status: 400, body: { code: SANDBOX_TRANSACTION_CONFLICT } });
    expect(overlapping.body.msg).toContain('transaction conflict');
    held[0]!.release();
    expect(await first).toMatchObject({ status: 200, body: { data: { user: { status: { is_frozen: true } } } } });
    expect((await getUser(s, token, 'ou_grace')).body.data?.user.status.is_frozen).toBe(false);
  });
});

describe('lark-contact sandbox: the connector freezing', () => {
  it('freezes concurrently asked accounts one at a time within the limit, and reports frozen and resigned ones as done', async () => {
    // One clock for the connector's limiter, its back-offs and the fake's 1-a-second window, so they
    // count the same seconds however late a loaded machine delivers a request: on the real clock,
    // a request let go on time but delivered later than the next one looks early to the fake.
    const clock = new ManualClock();
    const sleep = (ms: number, signal?: AbortSignal) => clock.sleep(ms, signal);
    const s = await createSandbox({ company, now: () => clock.now().getTime(), sleep });
    try {
      await s.app.listen({ port: 0, host: '127.0.0.1' });
      const resources = new ConnectionResources({ createRateLimiter: inMemoryRateLimiters(clock) });
      const connection = larkSandboxConnection('lark-contact', `http://127.0.0.1:${(s.app.server.address() as AddressInfo).port}`);
      const shared = actionContext(connection, { resources: resources.scopeFor(connection), sleep });
      const run = (input: unknown) => runAction(connector, 'user.suspend', input, shared) as Promise<Record<string, unknown>>;
      const results = await Promise.all([run({ user_id: 'ou_ada' }), run({ user_id: 'ou_grace' }), run({ user_id: 'ou_fay' }), run({ user_id: 'ou_gus' })]);
      // The limiter kept the two freezes a second apart: the fake refused none of them.
      expect(s.context.rateLimitRefusals).toBe(0);
      expect(results).toMatchObject([
        { user_id: 'ou_ada', is_frozen: true, already: false, resigned: false },
        { user_id: 'ou_grace', is_frozen: true, already: false, resigned: false },
        { user_id: 'ou_fay', is_frozen: true, already: true, resigned: false },
        { user_id: 'ou_gus', is_frozen: false, already: true, resigned: true },
      ]);
    } finally {
      await s.app.close();
    }
  });
});
