import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { checkConnection } from '../../src/connector-kit/check-connection.js';
import type { ActionContext } from '../../src/connector-kit/connector.js';
import { StaffwireError } from '../../src/errors/index.js';

const options = { env: { SVC_TOKEN: 'secret' }, log: pino({ level: 'silent' }), timeoutMs: 50 };
const settings = { connector: 'http', baseUrl: 'http://127.0.0.1:9', auth: { type: 'bearer', token: { env: 'SVC_TOKEN' } } } as const;

describe('checkConnection', () => {
  it('gives the check the resolved connection and passes its result on', async () => {
    let seen: ActionContext | undefined;
    const outcome = await checkConnection(
      async (context) => {
        seen = context;
        return { ok: true, detail: 'answered' };
      },
      'svc',
      settings,
      options,
    );
    expect(outcome).toEqual({ ok: true, detail: 'answered' });
    expect(seen?.connection).toMatchObject({ name: 'svc', connector: 'http' });
    expect(seen?.inlineAttempts).toBe(1);
  });

  it('fails a check that never answers and ignores its signal once the deadline passes', async () => {
    const outcome = await checkConnection(() => new Promise(() => {}), 'svc', settings, options);
    expect(outcome).toEqual({ ok: false, detail: 'no answer within 50 ms', timedOut: true });
  });

  it('turns a thrown error into a failed check with its code and message', async () => {
    const outcome = await checkConnection(
      async () => {
        throw new StaffwireError('Lark refused the app secret', { code: 'vendor.10014', category: 'client' });
      },
      'svc',
      settings,
      options,
    );
    expect(outcome).toEqual({ ok: false, detail: 'Lark refused the app secret', code: 'vendor.10014' });
  });

  it('fails, naming the variable, when the check reads a secret that is not set', async () => {
    const outcome = await checkConnection(
      async (context) => {
        const auth = context.connection!.settings.auth as { token: string };
        return { ok: true, detail: `sent ${auth.token.length} characters` };
      },
      'svc',
      settings,
      { ...options, env: {} },
    );
    expect(outcome).toMatchObject({ ok: false, code: 'connection.secret_missing' });
    expect(outcome.detail).toContain('SVC_TOKEN');
  });
});
