import type { ActionContext } from '../../src/connector-kit/connector.js';
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
  user?: Record<string, unknown>;
}

/** PATCH is_frozen: setting a state, not toggling it, so a re-attempt changes nothing. */
async function setFrozen(input: UserRef, isFrozen: boolean, context: ActionContext): Promise<FrozenOutput> {
  const data = await larkClient(context).call({
    method: 'PATCH',
    path: userPath(input.user_id),
    query: { user_id_type: input.user_id_type ?? 'open_id' },
    body: { is_frozen: isFrozen },
    signal: context.signal,
  });
  const user = data.user;
  return {
    user_id: input.user_id,
    is_frozen: isFrozen,
    ...(typeof user === 'object' && user !== null ? { user: user as Record<string, unknown> } : {}),
  };
}

/** PATCH /open-apis/contact/v3/users/:user_id { is_frozen: true } */
export function suspendUser(input: UserRef, context: ActionContext): Promise<FrozenOutput> {
  return setFrozen(input, true, context);
}

/** PATCH /open-apis/contact/v3/users/:user_id { is_frozen: false } */
export function resumeUser(input: UserRef, context: ActionContext): Promise<FrozenOutput> {
  return setFrozen(input, false, context);
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
