import type { ActionContext, ResolvedConnection } from '../../src/connector-kit/connector.js';
import type { ClientRateLimit } from '../../src/connector-kit/rate-limiter.js';
import { VendorError } from '../../src/errors/index.js';
import { larkClient } from '../lark-shared/lark-connection.js';
import { requireAnswerObject } from '../lark-shared/lark-answer.js';

type UserIdType = 'open_id' | 'union_id' | 'user_id';
type DepartmentIdType = 'open_department_id' | 'department_id';

export interface UserRef {
  user_id: string;
  user_id_type?: UserIdType;
}

function userPath(userId: string): string {
  return `/open-apis/contact/v3/users/${encodeURIComponent(userId)}`;
}

/** GET /open-apis/contact/v3/users/:user_id */
export async function getUser(
  input: UserRef & { department_id_type?: DepartmentIdType },
  context: ActionContext,
): Promise<{ user: Record<string, unknown> }> {
  const path = userPath(input.user_id);
  const data = await larkClient(context).call({
    method: 'GET',
    path,
    query: { user_id_type: input.user_id_type ?? 'open_id', department_id_type: input.department_id_type },
    signal: context.signal,
  });
  return { user: requireAnswerObject(data, 'user', `GET ${path}`) };
}

export interface IdsByEmailOrMobileInput {
  emails?: string[];
  mobiles?: string[];
  include_resigned?: boolean;
  user_id_type?: UserIdType;
}

/** POST /open-apis/contact/v3/users/batch_get_id (≤ 50 emails and ≤ 50 mobiles, enforced by the input schema). */
export async function userIdsByEmailOrMobile(input: IdsByEmailOrMobileInput, context: ActionContext): Promise<{ user_list: unknown[] }> {
  const { user_id_type, ...body } = input;
  const data = await larkClient(context).call({
    method: 'POST',
    path: '/open-apis/contact/v3/users/batch_get_id',
    query: { user_id_type: user_id_type ?? 'open_id' },
    body,
    signal: context.signal,
  });
  return { user_list: Array.isArray(data.user_list) ? data.user_list : [] };
}

interface FrozenOutput {
  user_id: string;
  is_frozen: boolean;
  /** The account was already in the state asked for (suspend: frozen or resigned), so nothing was changed. */
  already: boolean;
  /** The account is resigned (deleted): it can no longer sign in, and Lark no longer changes is_frozen on it. */
  resigned: boolean;
  user?: Record<string, unknown>;
}

/**
 * Lark allows 1 change of is_frozen (or department_ids) a second per app, and fails freezes that
 * overlap on a transaction conflict. Every change through this connection goes through one queue,
 * one at a time, each after the app's 1 QPS limiter lets it (the limiter is keyed by app, so two
 * connections to one app, or workers sharing limits in queue mode, count together).
 */
const FROZEN_WRITES = 'lark-contact:is-frozen-writes';
export const IS_FROZEN_RATE = { limit: 1, perMs: 1000 } as const;

/** The limiter every change of is_frozen on the connection's app goes through. */
export function frozenWriteLimit(connection: ResolvedConnection): ClientRateLimit {
  const appId = String(connection.settings.appId);
  return { scope: `changes of is_frozen (user.suspend, user.resume) of app ${appId}`, key: `lark:${appId}:contact.user.is_frozen`, rate: IS_FROZEN_RATE };
}

function statusOf(user: Record<string, unknown>): { isFrozen: boolean; isResigned: boolean } {
  const status = (user.status ?? {}) as { is_frozen?: unknown; is_resigned?: unknown };
  return { isFrozen: status.is_frozen === true, isResigned: status.is_resigned === true };
}

/** PATCH is_frozen, serialised and rate-limited per app: setting a state, not toggling it, so a re-attempt changes nothing. */
async function patchFrozen(input: UserRef, isFrozen: boolean, context: ActionContext): Promise<Record<string, unknown> | undefined> {
  // larkClient throws for an action without a connection, so there is one below.
  const client = larkClient(context);
  const writes = context.resources.serialQueue(FROZEN_WRITES);
  const { key, rate } = frozenWriteLimit(context.connection!);
  const limiter = context.resources.rateLimiter(rate);
  const data = await writes.run(
    key,
    () =>
      limiter.run(
        key,
        () =>
          client.call({
            method: 'PATCH',
            path: userPath(input.user_id),
            query: { user_id_type: input.user_id_type ?? 'open_id' },
            body: { is_frozen: isFrozen },
            signal: context.signal,
          }),
        context.signal,
      ),
    context.signal,
  );
  const user = data.user;
  return typeof user === 'object' && user !== null ? (user as Record<string, unknown>) : undefined;
}

/**
 * PATCH /open-apis/contact/v3/users/:user_id { is_frozen: true }, after reading the user: an
 * account frozen already, or resigned (Lark resigns it when the offboarding takes effect), is the
 * freeze done, and is not written again. A refused write is read back the same way, for the
 * account that changed in between.
 */
export async function suspendUser(input: UserRef, context: ActionContext): Promise<FrozenOutput> {
  const before = (await getUser(input, context)).user;
  const done = doneAlready(input, before);
  if (done) return done;
  try {
    const user = await patchFrozen(input, true, context);
    return { user_id: input.user_id, is_frozen: true, already: false, resigned: false, ...(user ? { user } : {}) };
  } catch (err) {
    if (!(err instanceof VendorError) || err.category !== 'client') throw err;
    const after = doneAlready(input, (await getUser(input, context)).user);
    if (!after) throw err;
    context.log.info({ vendorCode: err.vendorCode, resigned: after.resigned }, 'lark refused the freeze, but the account is frozen or resigned already');
    return after;
  }
}

function doneAlready(input: UserRef, user: Record<string, unknown>): FrozenOutput | undefined {
  const { isFrozen, isResigned } = statusOf(user);
  if (!isFrozen && !isResigned) return undefined;
  return { user_id: input.user_id, is_frozen: isFrozen, already: true, resigned: isResigned, user };
}

/** PATCH /open-apis/contact/v3/users/:user_id { is_frozen: false }, through the same queue and limit as freezes. */
export async function resumeUser(input: UserRef, context: ActionContext): Promise<FrozenOutput> {
  const user = await patchFrozen(input, false, context);
  return { user_id: input.user_id, is_frozen: false, already: false, resigned: false, ...(user ? { user } : {}) };
}

export interface DeleteUserInput extends UserRef {
  department_chat_acceptor_user_id?: string;
  external_chat_acceptor_user_id?: string;
  docs_acceptor_user_id?: string;
  calendar_acceptor_user_id?: string;
  application_acceptor_user_id?: string;
  minutes_acceptor_user_id?: string;
  survey_acceptor_user_id?: string;
  anycross_acceptor_user_id?: string;
  email_acceptor?: { processing_type: '1' | '2' | '3'; acceptor_user_id?: string };
}

/**
 * DELETE /open-apis/contact/v3/users/:user_id with the acceptors in the body.
 *
 * Deleting has no idempotency key and Lark documents no "already deleted" code, so a refusal is
 * checked against the user's state: a user already resigned means an earlier attempt (whose
 * answer was lost to a crash) did it.
 */
export async function deleteUser(input: DeleteUserInput, context: ActionContext): Promise<{ user_id: string; alreadyDeleted: boolean }> {
  const { user_id, user_id_type, ...acceptors } = input;
  const userIdType = user_id_type ?? 'open_id';
  try {
    await larkClient(context).call({
      method: 'DELETE',
      path: userPath(user_id),
      query: { user_id_type: userIdType },
      body: acceptors,
      signal: context.signal,
    });
    return { user_id, alreadyDeleted: false };
  } catch (err) {
    if (!(await refusedButAlready(err, user_id, userIdType, true, context))) throw err;
    return { user_id, alreadyDeleted: true };
  }
}

export interface ResurrectUserInput extends UserRef {
  department_id_type?: DepartmentIdType;
  departments?: { department_id: string; user_order?: number; department_order?: number }[];
  subscription_ids?: string[];
}

/** POST /open-apis/contact/v3/users/:user_id/resurrect; a refusal is read against the user's state, as for delete. */
export async function resurrectUser(input: ResurrectUserInput, context: ActionContext): Promise<{ user_id: string; alreadyActive: boolean }> {
  const { user_id, user_id_type, department_id_type, ...body } = input;
  const userIdType = user_id_type ?? 'open_id';
  try {
    await larkClient(context).call({
      method: 'POST',
      path: `${userPath(user_id)}/resurrect`,
      query: { user_id_type: userIdType, department_id_type },
      body,
      signal: context.signal,
    });
    return { user_id, alreadyActive: false };
  } catch (err) {
    if (!(await refusedButAlready(err, user_id, userIdType, false, context))) throw err;
    return { user_id, alreadyActive: true };
  }
}

/** True when Lark refused the change (a client error) but the user's is_resigned is already what was asked for. */
async function refusedButAlready(err: unknown, userId: string, userIdType: UserIdType, resigned: boolean, context: ActionContext): Promise<boolean> {
  if (!(err instanceof VendorError) || err.category !== 'client') return false;
  let user: Record<string, unknown>;
  try {
    ({ user } = await getUser({ user_id: userId, user_id_type: userIdType }, context));
  } catch (readError) {
    if (readError instanceof VendorError && readError.category === 'client') return false;
    throw readError;
  }
  const isResigned = (user.status as { is_resigned?: unknown } | undefined)?.is_resigned === true;
  if (isResigned !== resigned) return false;
  context.log.info({ vendorCode: err.vendorCode, isResigned }, 'lark refused the change, but the user is already in the requested state');
  return true;
}
