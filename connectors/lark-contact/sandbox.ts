import type { FastifyReply, FastifyRequest } from 'fastify';
import type { SandboxContext, SandboxModule } from '../../src/sandbox/sandbox-context.js';
import type { SeededEmployee } from '../../src/sandbox/seed-company.js';
import { larkError, larkOk, larkRateLimit, requireTenantToken, type LarkDepartmentIdType, larkDepartmentId, seededDepartmentId, larkIdTypes, type LarkUserIdType, FIELD_VALIDATION_FAILED } from '../lark-shared/lark-sandbox.js';

/**
 * A stateful fake of Lark Contact (the seeded employees as accounts: read, look up, freeze,
 * delete, restore) and of bot messages (uuid de-duplication for an hour, body size limits, the
 * per-receiver frequency limit).
 */

/** Per API, app and tenant. Documented for im/v1/messages; assumed (Lark's common tier) for contact. */
export const LIMIT_PER_SECOND = 50;
/** Changes of is_frozen (and department_ids), per app: documented, 1 a second. */
export const IS_FROZEN_PER_SECOND = 1;
/** How long the fake's is_frozen write holds the app's directory transaction: a second write meanwhile conflicts. */
export const IS_FROZEN_WRITE_MS = 50;
export const LIMIT_PER_MINUTE = 1000;
/** Messages to one user or chat per second (documented: 5 QPS). */
export const RECEIVER_LIMIT_PER_SECOND = 5;
export const BATCH_GET_ID_MAX = 50;
const UUID_WINDOW_MS = 60 * 60_000;
const MESSAGE_BODY_LIMIT_BYTES = { text: 150 * 1024, post: 30 * 1024, interactive: 30 * 1024 } as const;
const UUID_MAX_LENGTH = 50;

/** What contact answers for a user outside the app's scope, unknown ids included. */
const NO_USER_AUTHORITY = 41050;
/**
 * Lark documents no code for freezing or deleting a resigned user or restoring an active one;
 * this one is the sandbox's own, and clients must not rely on it (the connector reads back).
 */
const SANDBOX_USER_STATE_CONFLICT = 41099;
/**
 * Lark documents that concurrent freezes can fail on a transaction conflict, not with which code:
 * this one is the sandbox's own (HTTP 400, so clients do not retry it blindly: serialise instead).
 */
export const SANDBOX_TRANSACTION_CONFLICT = 41098;
/** IM codes (from Lark's IM error table; not confirmed against its current pages). */
const IM_INVALID_PARAMETER = 230001;
const IM_NO_AVAILABILITY = 230013;
const IM_RECEIVER_FREQUENCY_LIMIT = 230020;
const IM_CONTENT_TOO_LONG = 230025;

type UserIdType = LarkUserIdType;
type DepartmentIdType = LarkDepartmentIdType;
type MsgType = keyof typeof MESSAGE_BODY_LIMIT_BYTES;
const RECEIVE_ID_TYPES = ['open_id', 'user_id', 'union_id', 'email', 'chat_id'] as const;

interface AccountState {
  isFrozen: boolean;
  isResigned: boolean;
  /** Seeded department ids, once a resurrect placed the user elsewhere. */
  departmentIds?: string[];
}

interface SentMessage {
  message_id: string;
  chat_id: string;
  receive_id_type: string;
  receive_id: string;
  msg_type: MsgType;
  content: string;
  uuid: string | undefined;
  create_time: string;
}

interface ContactState {
  /** By open id. */
  accounts: Record<string, AccountState>;
  /** An is_frozen change is being written: another one now fails as Lark's overlapping freezes do. */
  isFrozenWriteUnderWay: boolean;
  /** What a deletion handed over to whom (the acceptor fields as sent), by the leaver's open id. */
  handovers: Record<string, Record<string, unknown>>;
  messages: SentMessage[];
  messageIdsByUuid: Record<string, { messageId: string; at: number }>;
}

function contactState(context: SandboxContext): ContactState {
  return context.state('lark-contact', () => {
    const accounts: Record<string, AccountState> = {};
    for (const employee of context.company.employees) accounts[employee.openId] = seededAccount(employee);
    return { accounts, isFrozenWriteUnderWay: false, handovers: {}, messages: [], messageIdsByUuid: {} };
  });
}

/** A seeded person's account: resigned once CoreHR terminated them, or when IT removed it early; frozen where seeded so. */
function seededAccount(employee: SeededEmployee): AccountState {
  return { isFrozen: employee.accountFrozen === true, isResigned: employee.status === 'terminated' || employee.accountResigned === true };
}

function account(context: SandboxContext, employee: SeededEmployee): AccountState {
  const accounts = contactState(context).accounts;
  return (accounts[employee.openId] ??= seededAccount(employee));
}

function idOf(employee: SeededEmployee, type: UserIdType): string {
  return type === 'user_id' ? employee.userId : type === 'union_id' ? employee.unionId : employee.openId;
}

function findEmployee(context: SandboxContext, id: string, type: UserIdType | 'email'): SeededEmployee | undefined {
  return context.company.employees.find((e) => (type === 'email' ? e.email.toLowerCase() === id.toLowerCase() : idOf(e, type) === id));
}



function statusOf(state: AccountState) {
  return { is_frozen: state.isFrozen, is_resigned: state.isResigned, is_activated: !state.isResigned, is_exited: false, is_unjoin: false };
}

function userBody(context: SandboxContext, employee: SeededEmployee, userType: UserIdType, departmentType: DepartmentIdType): Record<string, unknown> {
  const state = account(context, employee);
  const manager = employee.managerEmploymentId ? context.company.employees.find((e) => e.employmentId === employee.managerEmploymentId) : undefined;
  const location = context.company.workLocations.find((l) => l.id === employee.workLocationId);
  return {
    open_id: employee.openId,
    union_id: employee.unionId,
    user_id: employee.userId,
    name: employee.name,
    email: employee.email,
    mobile: employee.mobile,
    employee_no: employee.employeeNo,
    department_ids: (state.departmentIds ?? [employee.departmentId]).map((id) => larkDepartmentId(id, departmentType)),
    ...(manager ? { leader_user_id: idOf(manager, userType) } : {}),
    ...(location ? { time_zone: location.timeZone } : {}),
    join_time: Math.floor(Date.parse(`${employee.hireDate}T00:00:00Z`) / 1000),
    status: statusOf(state),
  };
}



function admitted(context: SandboxContext, request: FastifyRequest, reply: FastifyReply, api: string): boolean {
  return (
    requireTenantToken(context, request, reply) &&
    larkRateLimit(context, reply, api, LIMIT_PER_SECOND, 1000) &&
    larkRateLimit(context, reply, `${api}.per-minute`, LIMIT_PER_MINUTE, 60_000)
  );
}

/** The employee a path's user_id names, or undefined after answering Lark's error. */
function pathUser(context: SandboxContext, request: FastifyRequest<{ Params: { user_id: string } }>, reply: FastifyReply, type: UserIdType): SeededEmployee | undefined {
  const employee = findEmployee(context, request.params.user_id, type);
  if (!employee) void larkError(reply, 400, NO_USER_AUTHORITY, `no user authority error: no user ${request.params.user_id} (${type}) in the app's scope`);
  return employee;
}

const ACCEPTOR_FIELDS = [
  'department_chat_acceptor_user_id',
  'external_chat_acceptor_user_id',
  'docs_acceptor_user_id',
  'calendar_acceptor_user_id',
  'application_acceptor_user_id',
  'minutes_acceptor_user_id',
  'survey_acceptor_user_id',
  'anycross_acceptor_user_id',
] as const;

/** The acceptor ids of a deletion that are not active users other than the leaver, as `field: id`. */
function invalidAcceptors(context: SandboxContext, body: Record<string, unknown>, leaver: SeededEmployee, type: UserIdType): string[] {
  const emailAcceptor = body.email_acceptor as { acceptor_user_id?: unknown } | undefined;
  const named: [string, unknown][] = [...ACCEPTOR_FIELDS.map((f) => [f, body[f]] as [string, unknown]), ['email_acceptor.acceptor_user_id', emailAcceptor?.acceptor_user_id]];
  return named
    .filter(([, id]) => id !== undefined)
    .filter(([, id]) => {
      const acceptor = typeof id === 'string' ? findEmployee(context, id, type) : undefined;
      return !acceptor || acceptor === leaver || account(context, acceptor).isResigned;
    })
    .map(([field, id]) => `${field}: ${String(id)}`);
}

function registerContact(app: Parameters<SandboxModule['register']>[0], context: SandboxContext): void {
  app.get<{ Params: { user_id: string } }>('/open-apis/contact/v3/users/:user_id', async (request, reply) => {
    if (!admitted(context, request, reply, 'contact.user.get')) return reply;
    const types = larkIdTypes(request, reply);
    if (!types) return reply;
    const employee = pathUser(context, request, reply, types.user);
    if (!employee) return reply;
    return larkOk(reply, { user: userBody(context, employee, types.user, types.department) });
  });

  app.post('/open-apis/contact/v3/users/batch_get_id', async (request, reply) => {
    if (!admitted(context, request, reply, 'contact.user.batch_get_id')) return reply;
    const types = larkIdTypes(request, reply);
    if (!types) return reply;
    const body = (request.body ?? {}) as { emails?: unknown; mobiles?: unknown; include_resigned?: unknown };
    const emails = body.emails ?? [];
    const mobiles = body.mobiles ?? [];
    for (const [field, list] of [['emails', emails], ['mobiles', mobiles]] as const) {
      if (!Array.isArray(list) || !list.every((item) => typeof item === 'string')) {
        return larkError(reply, 400, FIELD_VALIDATION_FAILED, `field validation failed: ${field} must be an array of strings`);
      }
      if (list.length > BATCH_GET_ID_MAX) {
        return larkError(reply, 400, FIELD_VALIDATION_FAILED, `field validation failed: ${field} has ${list.length} items; the maximum is ${BATCH_GET_ID_MAX}`);
      }
    }
    const includeResigned = body.include_resigned === true;
    const found = (employee: SeededEmployee | undefined) => {
      if (!employee) return undefined;
      const state = account(context, employee);
      return state.isResigned && !includeResigned ? undefined : { user_id: idOf(employee, types.user), status: statusOf(state) };
    };
    const userList = [
      ...(emails as string[]).map((email) => ({ ...found(findEmployee(context, email, 'email')), email })),
      ...(mobiles as string[]).map((mobile) => ({ ...found(context.company.employees.find((e) => e.mobile === mobile)), mobile })),
    ];
    return larkOk(reply, { user_list: userList });
  });

  app.patch<{ Params: { user_id: string } }>('/open-apis/contact/v3/users/:user_id', async (request, reply) => {
    if (!admitted(context, request, reply, 'contact.user.patch')) return reply;
    const types = larkIdTypes(request, reply);
    if (!types) return reply;
    const employee = pathUser(context, request, reply, types.user);
    if (!employee) return reply;
    const body = (request.body ?? {}) as Record<string, unknown>;
    const fields = Object.keys(body);
    if (fields.length !== 1 || typeof body.is_frozen !== 'boolean') {
      return larkError(reply, 400, FIELD_VALIDATION_FAILED, `field validation failed: the sandbox changes only is_frozen (a boolean); got ${fields.join(', ') || 'nothing'}`);
    }
    const state = account(context, employee);
    if (state.isResigned) return larkError(reply, 400, SANDBOX_USER_STATE_CONFLICT, `user ${request.params.user_id} is resigned; restore it before changing it`);
    // The lock is checked before the rate, so a test can tell overlapping freezes from too-quick ones.
    const contact = contactState(context);
    if (contact.isFrozenWriteUnderWay) {
      return larkError(reply, 400, SANDBOX_TRANSACTION_CONFLICT, 'transaction conflict: another is_frozen change of this app is being written; change is_frozen one user at a time');
    }
    if (!larkRateLimit(context, reply, 'contact.user.is_frozen', IS_FROZEN_PER_SECOND, 1000)) return reply;
    contact.isFrozenWriteUnderWay = true;
    try {
      await context.sleep(IS_FROZEN_WRITE_MS);
      state.isFrozen = body.is_frozen;
    } finally {
      contact.isFrozenWriteUnderWay = false;
    }
    return larkOk(reply, { user: userBody(context, employee, types.user, types.department) });
  });

  app.delete<{ Params: { user_id: string } }>('/open-apis/contact/v3/users/:user_id', async (request, reply) => {
    if (!admitted(context, request, reply, 'contact.user.delete')) return reply;
    const types = larkIdTypes(request, reply);
    if (!types) return reply;
    const employee = pathUser(context, request, reply, types.user);
    if (!employee) return reply;
    const body = (request.body ?? {}) as Record<string, unknown>;
    const emailAcceptor = body.email_acceptor as { processing_type?: unknown; acceptor_user_id?: unknown } | undefined;
    if (emailAcceptor !== undefined) {
      if (!['1', '2', '3'].includes(String(emailAcceptor.processing_type))) {
        return larkError(reply, 400, FIELD_VALIDATION_FAILED, 'field validation failed: email_acceptor.processing_type must be "1", "2" or "3"');
      }
      if (emailAcceptor.processing_type === '1' && emailAcceptor.acceptor_user_id === undefined) {
        return larkError(reply, 400, FIELD_VALIDATION_FAILED, 'field validation failed: email_acceptor.processing_type "1" (transfer) needs acceptor_user_id');
      }
    }
    const state = account(context, employee);
    if (state.isResigned) return larkError(reply, 400, SANDBOX_USER_STATE_CONFLICT, `user ${request.params.user_id} is already deleted`);
    const invalid = invalidAcceptors(context, body, employee, types.user);
    if (invalid.length > 0) return larkError(reply, 400, NO_USER_AUTHORITY, `no user authority error: acceptors must be active users other than the leaver (${invalid.join('; ')})`);
    state.isResigned = true;
    contactState(context).handovers[employee.openId] = body;
    return larkOk(reply, {});
  });

  app.post<{ Params: { user_id: string } }>('/open-apis/contact/v3/users/:user_id/resurrect', async (request, reply) => {
    if (!admitted(context, request, reply, 'contact.user.resurrect')) return reply;
    const types = larkIdTypes(request, reply);
    if (!types) return reply;
    const employee = pathUser(context, request, reply, types.user);
    if (!employee) return reply;
    const departments = ((request.body ?? {}) as { departments?: unknown }).departments;
    if (departments !== undefined && (!Array.isArray(departments) || !departments.every((d) => typeof (d as { department_id?: unknown })?.department_id === 'string'))) {
      return larkError(reply, 400, FIELD_VALIDATION_FAILED, 'field validation failed: departments must be [{department_id, ...}]');
    }
    const state = account(context, employee);
    if (!state.isResigned) return larkError(reply, 400, SANDBOX_USER_STATE_CONFLICT, `user ${request.params.user_id} is not deleted`);
    state.isResigned = false;
    if (departments) state.departmentIds = (departments as { department_id: string }[]).map((d) => seededDepartmentId(d.department_id, types.department));
    return larkOk(reply, {});
  });
}

function registerMessages(app: Parameters<SandboxModule['register']>[0], context: SandboxContext): void {
  app.post('/open-apis/im/v1/messages', async (request, reply) => {
    if (!admitted(context, request, reply, 'im.message.create')) return reply;
    const receiveIdType = (request.query as { receive_id_type?: string }).receive_id_type;
    if (!RECEIVE_ID_TYPES.includes(receiveIdType as (typeof RECEIVE_ID_TYPES)[number])) {
      return larkError(reply, 400, FIELD_VALIDATION_FAILED, `field validation failed: receive_id_type must be one of ${RECEIVE_ID_TYPES.join(', ')}`);
    }
    const body = (request.body ?? {}) as { receive_id?: unknown; msg_type?: unknown; content?: unknown; uuid?: unknown };
    if (typeof body.receive_id !== 'string' || body.receive_id === '') return larkError(reply, 400, FIELD_VALIDATION_FAILED, 'field validation failed: receive_id is required');
    if (typeof body.msg_type !== 'string' || !(body.msg_type in MESSAGE_BODY_LIMIT_BYTES)) {
      return larkError(reply, 400, FIELD_VALIDATION_FAILED, `field validation failed: the sandbox sends msg_type text, post or interactive, not ${String(body.msg_type)}`);
    }
    const msgType = body.msg_type as MsgType;
    if (body.uuid !== undefined && (typeof body.uuid !== 'string' || body.uuid.length > UUID_MAX_LENGTH)) {
      return larkError(reply, 400, FIELD_VALIDATION_FAILED, `field validation failed: uuid must be a string of at most ${UUID_MAX_LENGTH} characters`);
    }
    const bytes = Number(request.headers['content-length'] ?? Buffer.byteLength(JSON.stringify(request.body)));
    if (bytes > MESSAGE_BODY_LIMIT_BYTES[msgType]) {
      return larkError(reply, 400, IM_CONTENT_TOO_LONG, `The length of the message content reaches its limit: ${bytes} bytes for a ${msgType} message (limit ${MESSAGE_BODY_LIMIT_BYTES[msgType]})`);
    }
    if (!isJsonObjectString(body.content) || (msgType === 'text' && typeof (JSON.parse(body.content) as { text?: unknown }).text !== 'string')) {
      return larkError(reply, 400, IM_INVALID_PARAMETER, `Your request contains an invalid request parameter: content must be a JSON object serialised to a string${msgType === 'text' ? ' with a text field' : ''}`);
    }

    const state = contactState(context);
    const uuid = body.uuid as string | undefined;
    const earlier = uuid === undefined ? undefined : state.messageIdsByUuid[uuid];
    if (earlier && context.now() - earlier.at < UUID_WINDOW_MS) {
      const message = state.messages.find((m) => m.message_id === earlier.messageId);
      if (message) return larkOk(reply, messageBody(context, message));
    }

    let chatId: string;
    if (receiveIdType === 'chat_id') {
      if (!body.receive_id.startsWith('oc_')) return larkError(reply, 400, FIELD_VALIDATION_FAILED, 'field validation failed: a chat_id starts with oc_');
      chatId = body.receive_id;
    } else {
      const employee = findEmployee(context, body.receive_id, receiveIdType as UserIdType | 'email');
      if (!employee || account(context, employee).isResigned) {
        return larkError(reply, 400, IM_NO_AVAILABILITY, `Bot has NO availability to this user: ${body.receive_id} (${String(receiveIdType)})`);
      }
      chatId = `oc_sandbox_p2p_${employee.openId}`;
    }
    if (!context.allow(`lark:im.receiver:${chatId}`, RECEIVER_LIMIT_PER_SECOND, 1000)) {
      return larkError(reply, 400, IM_RECEIVER_FREQUENCY_LIMIT, 'This operation triggers the frequency limit: at most 5 messages a second to one user or chat');
    }

    const message: SentMessage = {
      message_id: `om_sandbox${(state.messages.length + 1).toString(16).padStart(22, '0')}`,
      chat_id: chatId,
      receive_id_type: String(receiveIdType),
      receive_id: body.receive_id,
      msg_type: msgType,
      content: body.content,
      uuid,
      create_time: String(context.now()),
    };
    state.messages.push(message);
    if (uuid !== undefined) state.messageIdsByUuid[uuid] = { messageId: message.message_id, at: context.now() };
    return larkOk(reply, messageBody(context, message));
  });
}

function isJsonObjectString(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  try {
    const parsed: unknown = JSON.parse(value);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
  } catch {
    return false;
  }
}

function messageBody(context: SandboxContext, message: SentMessage): Record<string, unknown> {
  const { appId, tenantKey } = context.credentials.lark;
  return {
    message_id: message.message_id,
    msg_type: message.msg_type,
    create_time: message.create_time,
    update_time: message.create_time,
    deleted: false,
    updated: false,
    chat_id: message.chat_id,
    sender: { id: appId, id_type: 'app_id', sender_type: 'app', tenant_key: tenantKey },
    body: { content: message.content },
  };
}

const sandbox: SandboxModule = {
  state: contactState,

  seed(context) {
    const { accounts } = contactState(context);
    const employees = context.company.employees;
    return [
      {
        name: 'users',
        title: 'Lark Contact users, the seeded employees, some frozen or resigned already (user.get, user.ids_by_email_or_mobile, user.suspend/delete/resurrect; message.send to an open_id or email)',
        columns: ['open_id', 'user_id', 'name', 'email', 'mobile', 'is_frozen', 'is_resigned'],
        size: employees.length,
        item(index) {
          const e = employees[index]!;
          const state = accounts[e.openId] ?? seededAccount(e);
          return {
            open_id: e.openId,
            user_id: e.userId,
            union_id: e.unionId,
            name: e.name,
            email: e.email,
            mobile: e.mobile,
            employee_no: e.employeeNo,
            is_frozen: state.isFrozen,
            is_resigned: state.isResigned,
          };
        },
      },
    ];
  },

  register(app, context) {
    registerContact(app, context);
    registerMessages(app, context);
  },
};

export default sandbox;
