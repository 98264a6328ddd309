import nock from 'nock';
import { pino } from 'pino';
import { afterEach, beforeAll, expect } from 'vitest';
import { ConnectionResources } from '../../src/connector-kit/connection-resources.js';
import type { ActionContext, Connector, ResolvedConnection } from '../../src/connector-kit/connector.js';
import { DEFAULT_INLINE_ATTEMPTS } from '../../src/connector-kit/retry-transient.js';
import { StaffwireError } from '../../src/errors/index.js';

/** The idempotency key a test's step carries unless it says otherwise; tests that expect it on the wire import it. */
export const TEST_IDEMPOTENCY_KEY = '6f1c7a52-0c1e-4d5e-9f4f-2b8a9d1e0c33';

const silent = pino({ level: 'silent' });

/**
 * Back-offs as a test context waits them: at once, on the next turn of the event loop (an abort
 * still rejects). A test of the wait itself passes its own `sleep` and asserts what was asked.
 */
export const noWait = async (_ms: number, signal?: AbortSignal): Promise<void> => {
  signal?.throwIfAborted();
  await new Promise((resolve) => setImmediate(resolve));
};

/**
 * What the engine would hand an action on the first attempt of a step without a retry policy,
 * with the given connection, except that back-offs are not slept (see noWait). Each context gets resources of its own (nothing one test caches, a
 * token or a limiter, reaches another); tests of what runs share pass one scope as `resources`.
 */
export function actionContext(connection: ResolvedConnection | undefined, overrides: Partial<Omit<ActionContext, 'connection'>> = {}): ActionContext {
  const { resources = new ConnectionResources().scopeFor(connection), ...rest } = overrides;
  return {
    connection,
    idempotencyKey: TEST_IDEMPOTENCY_KEY,
    attempt: 1,
    signal: new AbortController().signal,
    log: silent,
    resources,
    inlineAttempts: DEFAULT_INLINE_ATTEMPTS,
    sleep: noWait,
    ...rest,
  };
}

/** Calls an action by its manifest name, as the engine does once it has validated the input. */
export function runAction(connector: Connector, action: string, input: unknown, context: ActionContext): Promise<unknown> {
  const handler = connector.actions[action];
  if (!handler) throw new Error(`${connector.manifest.id} has no action ${action}`);
  return (handler as (input: unknown, context: ActionContext) => Promise<unknown>)(input, context);
}

/** The error a call fails with; fails the test if the call succeeds or throws something that is not a StaffwireError. */
export async function failure(promise: Promise<unknown>): Promise<StaffwireError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof StaffwireError) return err;
    throw err;
  }
  throw new Error('expected the call to fail');
}

/**
 * For the tests of the calling describe (or file): no real network, and each test must use every
 * interceptor it registers — an unused one means a request the test expected was never sent.
 * Interceptors are cleared before the check, so one failing test does not leave them to the next.
 */
export function useNockOnly(): void {
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => {
    const pending = nock.pendingMocks();
    nock.cleanAll();
    expect(pending).toEqual([]);
  });
}
