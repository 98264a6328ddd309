import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { InputError, VendorError } from '../../src/errors/index.js';
import { ConnectionResources } from '../../src/connector-kit/connection-resources.js';
import type { RateLimit, RateLimiter } from '../../src/connector-kit/rate-limiter.js';
import { compileSchema } from '../../src/schemas.js';
import { failure, TEST_IDEMPOTENCY_KEY, useNockOnly } from '../../test/support/action-context.js';
import { describeLarkActionContract, LarkConnectorHarness, larkSuccess, type LarkActionCase } from '../../test/support/lark-action-contract.js';
import connector from './index.js';
import { IS_FROZEN_RATE } from './user.js';

const lark = new LarkConnectorHarness(connector, { baseUrl: 'https://open.feishu.test' });

const STATUS = { is_frozen: false, is_resigned: false, is_activated: true, is_exited: false, is_unjoin: false };
const USER = {
  open_id: 'ou_ada',
  union_id: 'on_ada',
  user_id: 'u-ada',
  name: 'Ada Lovelace',
  email: 'ada@example.com',
  mobile: '+15550100',
  department_ids: ['D-eng'],
  leader_user_id: 'ou_grace',
  employee_no: 'E001',
  status: STATUS,
};
const MESSAGE = {
  message_id: 'om_dc13264520392913993dd051dba21dcf',
  msg_type: 'text',
  create_time: '1740960000000',
  chat_id: 'oc_5ad11d72b830411d72b836c20',
  sender: { id: 'cli_x', id_type: 'app_id', sender_type: 'app' },
  body: { content: '{"text":"Welcome, Ada!"}' },
};

/** The read-back that follows a refused delete/resurrect, answering with the user in the given state. */
function userReadBack(token: string, isResigned: boolean, isFrozen = false): void {
  lark
    .expectRequest({ method: 'GET', path: '/open-apis/contact/v3/users/ou_ada', query: { user_id_type: 'open_id' } }, token)
    .reply(200, larkSuccess({ user: { ...USER, status: { ...STATUS, is_resigned: isResigned, is_frozen: isFrozen } } }));
}

const cases: LarkActionCase[] = [
  {
    action: 'user.get',
    input: { user_id: 'ou_ada', department_id_type: 'department_id' },
    request: { method: 'GET', path: '/open-apis/contact/v3/users/ou_ada', query: { user_id_type: 'open_id', department_id_type: 'department_id' } },
    data: { user: USER },
    output: { user: USER },
    errorCode: 41050,
  },
  {
    action: 'user.ids_by_email_or_mobile',
    input: { emails: ['ada@example.com', 'nobody@example.com'], mobiles: ['+15550100'], include_resigned: true, user_id_type: 'user_id' },
    request: {
      method: 'POST',
      path: '/open-apis/contact/v3/users/batch_get_id',
      query: { user_id_type: 'user_id' },
      body: { emails: ['ada@example.com', 'nobody@example.com'], mobiles: ['+15550100'], include_resigned: true },
    },
    data: { user_list: [{ user_id: 'u-ada', email: 'ada@example.com', status: STATUS }, { email: 'nobody@example.com' }, { user_id: 'u-ada', mobile: '+15550100', status: STATUS }] },
    output: { user_list: [{ user_id: 'u-ada', email: 'ada@example.com', status: STATUS }, { email: 'nobody@example.com' }, { user_id: 'u-ada', mobile: '+15550100', status: STATUS }] },
    errorCode: 99992402,
  },
  {
    action: 'user.suspend',
    input: { user_id: 'ou_ada' },
    request: { method: 'PATCH', path: '/open-apis/contact/v3/users/ou_ada', query: { user_id_type: 'open_id' }, body: { is_frozen: true } },
    data: { user: { ...USER, status: { ...STATUS, is_frozen: true } } },
    output: { user_id: 'ou_ada', is_frozen: true, already: false, resigned: false, user: { ...USER, status: { ...STATUS, is_frozen: true } } },
    errorCode: 41050,
    beforeRequest: (token) => userReadBack(token, false),
    afterRefusal: (token) => userReadBack(token, false),
  },
  {
    action: 'user.resume',
    input: { user_id: 'u-ada', user_id_type: 'user_id' },
    request: { method: 'PATCH', path: '/open-apis/contact/v3/users/u-ada', query: { user_id_type: 'user_id' }, body: { is_frozen: false } },
    data: {},
    output: { user_id: 'u-ada', is_frozen: false, already: false, resigned: false },
    errorCode: 41050,
  },
  {
    action: 'user.delete',
    input: { user_id: 'ou_ada', docs_acceptor_user_id: 'ou_grace', email_acceptor: { processing_type: '1', acceptor_user_id: 'ou_grace' } },
    request: {
      method: 'DELETE',
      path: '/open-apis/contact/v3/users/ou_ada',
      query: { user_id_type: 'open_id' },
      body: { docs_acceptor_user_id: 'ou_grace', email_acceptor: { processing_type: '1', acceptor_user_id: 'ou_grace' } },
    },
    data: {},
    output: { user_id: 'ou_ada', alreadyDeleted: false },
    errorCode: 41050,
    afterRefusal: (token) => userReadBack(token, false),
  },
  {
    action: 'user.resurrect',
    input: { user_id: 'ou_ada', department_id_type: 'department_id', departments: [{ department_id: 'D-eng' }] },
    request: {
      method: 'POST',
      path: '/open-apis/contact/v3/users/ou_ada/resurrect',
      query: { user_id_type: 'open_id', department_id_type: 'department_id' },
      body: { departments: [{ department_id: 'D-eng' }] },
    },
    data: {},
    output: { user_id: 'ou_ada', alreadyActive: false },
    errorCode: 41050,
    afterRefusal: (token) => userReadBack(token, true),
  },
  {
    action: 'message.send',
    input: { receive_id_type: 'email', receive_id: 'ada@example.com', msg_type: 'text', content: { text: 'Welcome, Ada!' } },
    request: {
      method: 'POST',
      path: '/open-apis/im/v1/messages',
      query: { receive_id_type: 'email' },
      body: { receive_id: 'ada@example.com', msg_type: 'text', content: '{"text":"Welcome, Ada!"}', uuid: TEST_IDEMPOTENCY_KEY },
    },
    data: MESSAGE,
    output: MESSAGE,
    errorCode: 230013,
  },
];

describe('lark-contact connector', () => {
  useNockOnly();

  describeLarkActionContract(lark, cases, { refusal: { httpStatus: 400, code: 41050, msg: 'refused' } });

  it('marks the actions that change something as side effects', () => {
    const changing = Object.entries(connector.manifest.actions).filter(([, a]) => a.sideEffect).map(([name]) => name).sort();
    expect(changing).toEqual(['message.send', 'user.delete', 'user.resume', 'user.resurrect', 'user.suspend']);
  });

  describe('re-attempts of delete and resurrect', () => {
    const refused = { code: 41050, msg: 'no user authority error' };

    it('reports a refused delete of an already resigned user as done', async () => {
      const { context } = lark.appWithToken('t-A');
      lark.expectRequest({ method: 'DELETE', path: '/open-apis/contact/v3/users/ou_ada', query: { user_id_type: 'open_id' }, body: {} }, 't-A').reply(400, refused);
      userReadBack('t-A', true);
      expect(await lark.run('user.delete', { user_id: 'ou_ada' }, context)).toEqual({ user_id: 'ou_ada', alreadyDeleted: true });
    });

    it('reports a refused resurrect of an already active user as done', async () => {
      const { context } = lark.appWithToken('t-A');
      lark.expectRequest({ method: 'POST', path: '/open-apis/contact/v3/users/ou_ada/resurrect', query: { user_id_type: 'open_id' }, body: {} }, 't-A').reply(400, refused);
      userReadBack('t-A', false);
      expect(await lark.run('user.resurrect', { user_id: 'ou_ada' }, context)).toEqual({ user_id: 'ou_ada', alreadyActive: true });
    });

    it("keeps Lark's refusal when the user cannot be read back either", async () => {
      const { context } = lark.appWithToken('t-A');
      lark.expectRequest({ method: 'DELETE', path: '/open-apis/contact/v3/users/ou_gone', query: { user_id_type: 'open_id' }, body: {} }, 't-A').reply(400, refused);
      nock(lark.baseUrl).get('/open-apis/contact/v3/users/ou_gone').query({ user_id_type: 'open_id' }).reply(400, refused);
      const err = await failure(lark.run('user.delete', { user_id: 'ou_gone' }, context));
      expect(err).toMatchObject({ vendorCode: 41050, category: 'client' });
    });
  });

  describe('user.suspend', () => {
    const patch = (userId: string) => ({ method: 'PATCH' as const, path: `/open-apis/contact/v3/users/${userId}`, query: { user_id_type: 'open_id' }, body: { is_frozen: true } });
    const read = (userId: string, status: Partial<typeof STATUS>, token = 't-A') =>
      lark
        .expectRequest({ method: 'GET', path: `/open-apis/contact/v3/users/${userId}`, query: { user_id_type: 'open_id' } }, token)
        .reply(200, larkSuccess({ user: { ...USER, open_id: userId, status: { ...STATUS, ...status } } }));

    it('writes nothing for an account frozen already, and says so', async () => {
      const { context } = lark.appWithToken('t-A');
      read('ou_ada', { is_frozen: true });
      expect(await lark.run('user.suspend', { user_id: 'ou_ada' }, context)).toMatchObject({ user_id: 'ou_ada', is_frozen: true, already: true, resigned: false });
    });

    it('writes nothing for a resigned account, and says it is resigned', async () => {
      const { context } = lark.appWithToken('t-A');
      read('ou_ada', { is_resigned: true, is_activated: false });
      expect(await lark.run('user.suspend', { user_id: 'ou_ada' }, context)).toMatchObject({ user_id: 'ou_ada', is_frozen: false, already: true, resigned: true });
    });

    it('reports a refused freeze of an account resigned in the meantime as done', async () => {
      const { context } = lark.appWithToken('t-A');
      read('ou_ada', {});
      lark.expectRequest(patch('ou_ada'), 't-A').reply(400, { code: 41099, msg: 'user is resigned' });
      read('ou_ada', { is_resigned: true });
      expect(await lark.run('user.suspend', { user_id: 'ou_ada' }, context)).toMatchObject({ already: true, resigned: true });
    });

    it('sends concurrent freezes of one app one at a time, each a limiter second after the last, through the limiter the connector declares', async () => {
      // A 1-per-second limiter on a clock only it moves: it grants at once and says when a real one would have.
      let clock = 0;
      let lastGrant = -Infinity;
      const granted: { key: string; at: number }[] = [];
      const rates: RateLimit[] = [];
      const virtualSecond: RateLimiter = {
        run: (key, request) => {
          clock = Math.max(clock, lastGrant + 1000);
          lastGrant = clock;
          granted.push({ key, at: clock });
          return request();
        },
        state: () => Promise.reject(new Error('this test reads no state')),
      };
      const resources = new ConnectionResources({
        createRateLimiter: (rate) => {
          rates.push(rate);
          return virtualSecond;
        },
      });
      const { appId, context } = lark.appWithToken('t-A');
      const shared = { ...context, resources: resources.scopeFor(context.connection) };
      const events: string[] = [];
      let graceRead = false;
      read('ou_ada', {});
      lark
        .expectRequest({ method: 'GET', path: '/open-apis/contact/v3/users/ou_grace', query: { user_id_type: 'open_id' } }, 't-A')
        .reply(() => {
          graceRead = true;
          return [200, larkSuccess({ user: { ...USER, open_id: 'ou_grace', status: STATUS } })];
        });
      lark.expectRequest(patch('ou_ada'), 't-A').reply(async () => {
        events.push(`ou_ada arrived at ${clock}`);
        // Held until the other freeze has read its user, and then long enough for an unserialised write to arrive meanwhile.
        while (!graceRead) await new Promise((resolve) => setImmediate(resolve));
        await new Promise((resolve) => setTimeout(resolve, 100));
        events.push('ou_ada answered');
        return [200, larkSuccess({})];
      });
      lark.expectRequest(patch('ou_grace'), 't-A').reply(() => {
        events.push(`ou_grace arrived at ${clock}`);
        return [200, larkSuccess({})];
      });

      const results = await Promise.all([lark.run('user.suspend', { user_id: 'ou_ada' }, shared), lark.run('user.suspend', { user_id: 'ou_grace' }, shared)]);

      expect(results).toMatchObject([
        { user_id: 'ou_ada', is_frozen: true, already: false },
        { user_id: 'ou_grace', is_frozen: true, already: false },
      ]);
      const [first, second] = granted;
      expect(events).toEqual([`ou_ada arrived at ${first!.at}`, 'ou_ada answered', `ou_grace arrived at ${second!.at}`]);
      expect(second!.at - first!.at).toBeGreaterThanOrEqual(1000);
      expect(granted.map((g) => g.key)).toEqual([`lark:${appId}:contact.user.is_frozen`, `lark:${appId}:contact.user.is_frozen`]);
      expect(rates).toEqual([IS_FROZEN_RATE]);
      // What the API shows the state of is the limiter the freezes went through.
      expect(connector.clientRateLimits?.(context.connection!)).toContainEqual({ scope: expect.stringContaining(appId), key: granted[0]!.key, rate: IS_FROZEN_RATE });
    });
  });

  describe('message.send', () => {
    const send = (input: Record<string, unknown>, context = lark.app().context) =>
      lark.run('message.send', { receive_id_type: 'open_id', receive_id: 'ou_ada', ...input }, context);
    const messageCall = (body: Record<string, unknown>) =>
      lark.expectRequest({ method: 'POST', path: '/open-apis/im/v1/messages', query: { receive_id_type: 'open_id' }, body: { receive_id: 'ou_ada', ...body, uuid: TEST_IDEMPOTENCY_KEY } }, 't-A');

    it('passes content given as a JSON string through unchanged', async () => {
      const { context } = lark.appWithToken('t-A');
      const card = '{"elements":[{"tag":"markdown","content":"**Welcome**"}]}';
      messageCall({ msg_type: 'interactive', content: card }).reply(200, larkSuccess(MESSAGE));
      expect(await send({ msg_type: 'interactive', content: card }, context)).toEqual(MESSAGE);
    });

    it('refuses string content that is not a JSON object, before sending', async () => {
      const err = await failure(send({ msg_type: 'text', content: 'Welcome!' }));
      expect(err).toBeInstanceOf(InputError);
      expect(err.message).toContain('not a JSON object');
    });

    /** The text length that makes the request body exactly `limit` bytes. */
    function textFilling(limit: number, msgType: string): number {
      const empty = { receive_id: 'ou_ada', msg_type: msgType, content: JSON.stringify({ text: '' }), uuid: TEST_IDEMPOTENCY_KEY };
      return limit - Buffer.byteLength(JSON.stringify(empty));
    }

    it('sends a text message of exactly 150 KB and refuses one byte more', async () => {
      const { context } = lark.appWithToken('t-A');
      const fits = 'a'.repeat(textFilling(150 * 1024, 'text'));
      messageCall({ msg_type: 'text', content: JSON.stringify({ text: fits }) }).reply(200, larkSuccess(MESSAGE));
      await send({ msg_type: 'text', content: { text: fits } }, context);

      const err = await failure(send({ msg_type: 'text', content: { text: `${fits}a` } }, context));
      expect(err).toBeInstanceOf(InputError);
      expect(err.message).toBe('a text message may be at most 150 KB (153600 bytes of request body) in Lark; this one is 153601 bytes: shorten content');
    });

    it('holds rich text and cards to 30 KB', async () => {
      const { context } = lark.app();
      const tooLong = 'a'.repeat(textFilling(30 * 1024, 'post') + 1);
      for (const msgType of ['post', 'interactive']) {
        const err = await failure(send({ msg_type: msgType, content: { text: tooLong } }, context));
        expect(err).toMatchObject({ code: 'lark.message_too_large' });
        expect(err.message).toContain(`a ${msgType} message may be at most 30 KB`);
      }
    });

    it('counts bytes, not characters', async () => {
      const err = await failure(send({ msg_type: 'post', content: { zh_cn: { title: '欢迎'.repeat(6000) } } }));
      // 12,000 characters, 36,000 bytes of UTF-8, plus the rest of the request body.
      expect(err.message).toContain('this one is 36128 bytes');
    });

    it("reports Lark's per-receiver frequency limit as a rate limit", async () => {
      const { context } = lark.appWithToken('t-A');
      messageCall({ msg_type: 'text', content: '{"text":"hi"}' }).reply(400, { code: 230020, msg: 'This operation triggers the frequency limit.' }, { 'x-tt-logid': 'lg-1' });
      const err = await failure(send({ msg_type: 'text', content: { text: 'hi' } }, context));
      expect(err).toBeInstanceOf(VendorError);
      expect(err).toMatchObject({ vendorCode: 230020, category: 'rate_limit', retryAfterMs: 1000, logId: 'lg-1' });
    });
  });

  describe('input schemas', () => {
    const validate = compileSchema(connector.manifest.actions['user.ids_by_email_or_mobile']!.input);

    it('caps batch_get_id at 50 emails and 50 mobiles, as Lark does', () => {
      const addresses = (n: number) => Array.from({ length: n }, (_, i) => `p${i}@example.com`);
      expect(validate({ emails: addresses(50), mobiles: addresses(50) })).toBe(true);
      expect(validate({ emails: addresses(51) })).toBe(false);
      expect(validate({ mobiles: addresses(51) })).toBe(false);
    });

    it('needs emails or mobiles', () => {
      expect(validate({ user_id_type: 'open_id' })).toBe(false);
    });

    it('takes message content as an object or a string, nothing else', () => {
      const message = compileSchema(connector.manifest.actions['message.send']!.input);
      const base = { receive_id_type: 'chat_id', receive_id: 'oc_1', msg_type: 'text' };
      expect(message({ ...base, content: { text: 'hi' } })).toBe(true);
      expect(message({ ...base, content: '{"text":"hi"}' })).toBe(true);
      expect(message({ ...base, content: 42 })).toBe(false);
      expect(message({ ...base, msg_type: 'image', content: {} })).toBe(false);
    });
  });
});
