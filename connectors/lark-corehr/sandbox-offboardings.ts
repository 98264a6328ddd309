import type { FastifyInstance, FastifyReply } from 'fastify';
import type { SandboxContext } from '../../src/sandbox/sandbox-context.js';
import type { SeededOffboardingStatus } from '../../src/sandbox/seed-company.js';
import { checkPageSize, larkError, larkOk, page, FIELD_VALIDATION_FAILED } from '../lark-shared/lark-sandbox.js';
import { addDays, dateIn } from './sandbox-locations.js';
import {
  coreHrState,
  employeeById,
  hex,
  idTypes,
  invalid,
  isBody,
  nextId,
  optionalString,
  personId,
  route,
  seededDepartmentId,
  stringList,
  within,
  type Body,
  type CoreHrSandboxState,
  type FakeEmployee,
  type IdTypes,
} from './sandbox.js';

/** offboardings/search's names (the v1 API); the events speak integers. */
export type OffboardingStatus = SeededOffboardingStatus | 'Offboarded';

/**
 * The integer `status` of corehr.offboarding.status_updated_v2 and updated_v2 for each state.
 * corehr.offboarding.updated_v1 numbers them differently (2 withdrawn, 4 approved): not this table.
 */
export const OFFBOARDING_V2_STATUS: Record<OffboardingStatus, number> = {
  Approving: 1,
  Approved: 2,
  Offboarded: 3,
  Rejected: 4,
  Withdrawn: 5,
  NoNeedApproval: 6,
};

/** checklist_status 1: the handover checklist has not started (it starts once an offboarding is approved, in Lark). */
const CHECKLIST_NOT_STARTED = 1;
/** Documented: 100 requests a minute. */
export const OFFBOARDING_SEARCH_PER_MINUTE = 100;
const SEARCH_PAGE_MAX = 100;
/** States in which an offboarding still stands, so the person may not get a second one. */
const OPEN: readonly OffboardingStatus[] = ['Approving', 'Approved', 'NoNeedApproval'];
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** An offboarding as the fake keeps it: the employee by CoreHR id, expressed per request in its user_id_type. */
export interface FakeOffboarding {
  offboarding_id: string;
  /** CoreHR's own employment id (people_corehr_id). */
  employment_id: string;
  status: OffboardingStatus;
  /** 1 direct, 2 with approval. */
  offboarding_mode: 1 | 2;
  offboarding_date: string;
  expected_offboarding_date: string;
  offboarding_reason_unique_identifier: string;
  offboarding_reason_explanation?: string;
  retain_account: boolean;
  add_block_list: boolean;
  block_reason?: string;
  /** CoreHR id of who submitted it; only they may revoke it. Absent: the system. */
  initiator_id?: string;
  /** The approval process, for offboardings submitted with approval. */
  process_id?: string;
  /** ms, as strings, as Lark writes times. */
  apply_initiating_time: string;
  apply_finish_time?: string;
  updated_time: string;
  checklist_status: number;
}

/** The seeded company's offboardings, dated relative to the sandbox clock in each leaver's work-location zone. */
export function seededOffboardings(context: SandboxContext): FakeOffboarding[] {
  const now = context.now();
  const zoneOf = new Map(context.company.workLocations.map((l) => [l.id, l.timeZone]));
  const employees = new Map(context.company.employees.map((e) => [e.employmentId, e]));
  return (context.company.offboardings ?? []).map((seeded) => {
    const leaver = employees.get(seeded.employmentId);
    const zone = (leaver && zoneOf.get(leaver.workLocationId)) ?? 'UTC';
    const date = addDays(dateIn(zone, now), seeded.leavingInDays);
    const withApproval = seeded.status !== 'NoNeedApproval';
    const submitted = String(now - 3 * 86_400_000);
    return {
      offboarding_id: seeded.offboardingId,
      employment_id: seeded.employmentId,
      status: seeded.status,
      offboarding_mode: withApproval ? 2 : 1,
      offboarding_date: date,
      expected_offboarding_date: date,
      offboarding_reason_unique_identifier: seeded.reasonId,
      retain_account: seeded.retainAccount,
      add_block_list: false,
      ...(withApproval ? { process_id: processIdOf(seeded.offboardingId) } : {}),
      apply_initiating_time: submitted,
      ...(seeded.status === 'Approving' ? {} : { apply_finish_time: String(now - 86_400_000) }),
      updated_time: submitted,
      checklist_status: CHECKLIST_NOT_STARTED,
    };
  });
}

function processIdOf(offboardingId: string): string {
  return `7${(BigInt(`0x${hex(offboardingId, 'process').slice(0, 15)}`) % 10n ** 18n).toString().padStart(18, '0')}`;
}

/** offboardings/search's item, with ids as the request's user_id_type says. */
function offboardingView(o: FakeOffboarding, state: CoreHrSandboxState, types: IdTypes): Body {
  const leaver = employeeById(state, o.employment_id);
  const initiator = o.initiator_id === undefined ? undefined : employeeById(state, o.initiator_id);
  return {
    offboarding_id: o.offboarding_id,
    status: o.status,
    application_info: {
      ...(o.process_id === undefined ? {} : { process_id: o.process_id }),
      ...(initiator ? { apply_initiator_id: personId(initiator, types.user) } : {}),
      apply_initiating_time: o.apply_initiating_time,
      ...(o.apply_finish_time === undefined ? {} : { apply_finish_time: o.apply_finish_time }),
    },
    offboarding_info: {
      employment_id: leaver ? personId(leaver, types.user) : o.employment_id,
      ...(leaver ? { employment: { id: personId(leaver, types.user), names: [{ lang: 'en-US', value: leaver.name }] } } : {}),
      expected_offboarding_date: o.expected_offboarding_date,
      offboarding_date: o.offboarding_date,
      reason: { enum_name: o.offboarding_reason_unique_identifier },
      ...(o.offboarding_reason_explanation === undefined ? {} : { reason_explanation: o.offboarding_reason_explanation }),
      retain_account: o.retain_account,
      // Lark answers this one as a string.
      add_block_list: String(o.add_block_list),
      ...(o.block_reason === undefined ? {} : { block_reason: { enum_name: o.block_reason } }),
    },
  };
}

function targetUserId(leaver: FakeEmployee | undefined): Body {
  return leaver ? { open_id: leaver.openId, union_id: leaver.unionId, user_id: leaver.userId } : {};
}

/** corehr.offboarding.status_updated_v2, as Lark pushes it on every change of state (direct mode too). */
function emitStatusUpdated(context: SandboxContext, state: CoreHrSandboxState, o: FakeOffboarding): void {
  context.emit('lark-corehr', {
    type: 'corehr.offboarding.status_updated_v2',
    payload: {
      employment_id: o.employment_id,
      target_user_id: targetUserId(employeeById(state, o.employment_id)),
      offboarding_id: o.offboarding_id,
      ...(o.process_id === undefined ? {} : { process_id: o.process_id }),
      status: OFFBOARDING_V2_STATUS[o.status],
    },
  });
}

/** corehr.offboarding.updated_v2: the record changed; it names the offboarding offboarding_info_id. */
function emitUpdated(context: SandboxContext, state: CoreHrSandboxState, o: FakeOffboarding, updatedFields: string[], operator: string | undefined): void {
  context.emit('lark-corehr', {
    type: 'corehr.offboarding.updated_v2',
    payload: {
      tenant_id: context.credentials.lark.tenantKey,
      offboarding_info_id: o.offboarding_id,
      ...(o.process_id === undefined ? {} : { process_id: o.process_id }),
      employment_id: o.employment_id,
      operator: operator ?? '',
      status: OFFBOARDING_V2_STATUS[o.status],
      checklist_status: o.checklist_status,
      updated_time: o.updated_time,
      updated_fields: updatedFields,
      target_user_id: targetUserId(employeeById(state, o.employment_id)),
    },
  });
}

/**
 * submit_v2, edit and revoke take ids as people_corehr_id unless told otherwise (unlike the rest
 * of CoreHR, whose default is open_id).
 */
function writeIdTypes(query: Body, reply: FastifyReply): IdTypes | undefined {
  return idTypes({ ...query, user_id_type: query.user_id_type ?? 'people_corehr_id' }, reply);
}

/** The CoreHR id of a person named in the request's id type, or undefined after answering why not. */
function personOf(state: CoreHrSandboxState, reply: FastifyReply, id: unknown, types: IdTypes, field: string): FakeEmployee | undefined {
  const person = typeof id === 'string' ? employeeById(state, id) : undefined;
  if (!person || personId(person, types.user) !== id) {
    void invalid(reply, `${field} ${JSON.stringify(id)} is no employee (as ${types.user}; submit_v2, edit and revoke default to people_corehr_id)`);
    return undefined;
  }
  return person;
}

function isDate(value: unknown): value is string {
  return typeof value === 'string' && DATE.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`));
}

type EditedField = 'offboarding_date' | 'expected_offboarding_date' | 'offboarding_reason_unique_identifier' | 'offboarding_reason_explanation' | 'retain_account' | 'add_block_list' | 'block_reason';

/** How each editable field's decoded value is checked. */
const EDITABLE: Record<EditedField, { check: (value: unknown) => boolean; expects: string }> = {
  offboarding_date: { check: isDate, expects: 'a date, e.g. "\\"2024-06-30\\""' },
  expected_offboarding_date: { check: isDate, expects: 'a date, e.g. "\\"2024-06-30\\""' },
  offboarding_reason_unique_identifier: { check: (v) => typeof v === 'string' && v !== '', expects: 'a reason id, e.g. "\\"reason_for_offboarding_option8\\""' },
  offboarding_reason_explanation: { check: (v) => typeof v === 'string', expects: 'a string, e.g. "\\"moving abroad\\""' },
  retain_account: { check: (v) => typeof v === 'boolean', expects: '"true" or "false"' },
  add_block_list: { check: (v) => typeof v === 'boolean', expects: '"true" or "false"' },
  block_reason: { check: (v) => typeof v === 'string', expects: 'a block reason id as a JSON string' },
};
const NOT_EDITABLE = ['status', 'checklist_status', 'process_id', 'initiator_id', 'employment_id', 'offboarding_id'];

/** The offboarding named by a body's offboarding_id, or undefined after answering why not. */
function offboardingOf(state: CoreHrSandboxState, reply: FastifyReply, id: unknown): FakeOffboarding | undefined {
  const found = typeof id === 'string' ? state.offboardings.find((o) => o.offboarding_id === id) : undefined;
  if (!found) void invalid(reply, `no offboarding ${JSON.stringify(id)}`);
  return found;
}

export function registerOffboardings(app: FastifyInstance, context: SandboxContext): void {
  const nowText = () => String(context.now());

  route(app, context, 'POST', '/open-apis/corehr/v2/offboardings/submit_v2', ({ body, query }, reply, state) => {
    const types = writeIdTypes(query, reply);
    if (!types) return reply;
    if (body.reason !== undefined && body.offboarding_reason_unique_identifier === undefined) {
      return larkError(reply, 400, FIELD_VALIDATION_FAILED, 'field validation failed: offboarding_reason_unique_identifier is required (submit_v2 has no "reason"; the ids are listed by POST /open-apis/corehr/v1/offboardings/query)');
    }
    const missing = ['offboarding_mode', 'employment_id', 'offboarding_date', 'offboarding_reason_unique_identifier'].filter((f) => body[f] === undefined || body[f] === '');
    if (missing.length > 0) return larkError(reply, 400, FIELD_VALIDATION_FAILED, `field validation failed: ${missing.join(', ')} required`);
    if (body.offboarding_mode !== 1 && body.offboarding_mode !== 2) return invalid(reply, 'offboarding_mode is 1 (direct) or 2 (with approval)');
    if (!isDate(body.offboarding_date)) return invalid(reply, `offboarding_date ${JSON.stringify(body.offboarding_date)} is not a YYYY-MM-DD date`);
    const reason = optionalString(body.offboarding_reason_unique_identifier);
    if (reason === undefined) return invalid(reply, 'offboarding_reason_unique_identifier must be a string');
    for (const flag of ['add_block_list', 'retain_account', 'is_transfer_with_workforce']) {
      if (body[flag] !== undefined && typeof body[flag] !== 'boolean') return invalid(reply, `${flag} must be a boolean`);
    }
    const leaver = personOf(state, reply, body.employment_id, types, 'employment_id');
    if (!leaver) return reply;
    if (leaver.status !== 'hired') return invalid(reply, `employment ${String(body.employment_id)} is terminated already`);
    const standing = state.offboardings.find((o) => o.employment_id === leaver.employmentId && OPEN.includes(o.status));
    if (standing) return invalid(reply, `employment ${String(body.employment_id)} already has offboarding ${standing.offboarding_id} (${standing.status}): edit or revoke it`);
    let initiator: FakeEmployee | undefined;
    if (optionalString(body.initiator_id) !== undefined) {
      initiator = personOf(state, reply, body.initiator_id, types, 'initiator_id');
      if (!initiator) return reply;
    }
    const withApproval = body.offboarding_mode === 2;
    const offboarding: FakeOffboarding = {
      offboarding_id: nextId(state),
      employment_id: leaver.employmentId,
      status: withApproval ? 'Approving' : 'NoNeedApproval',
      offboarding_mode: withApproval ? 2 : 1,
      offboarding_date: body.offboarding_date,
      expected_offboarding_date: body.offboarding_date,
      offboarding_reason_unique_identifier: reason,
      ...(optionalString(body.offboarding_reason_explanation) === undefined ? {} : { offboarding_reason_explanation: body.offboarding_reason_explanation as string }),
      retain_account: body.retain_account === true,
      add_block_list: body.add_block_list === true,
      ...(optionalString(body.block_reason) === undefined ? {} : { block_reason: body.block_reason as string }),
      ...(initiator ? { initiator_id: initiator.employmentId } : {}),
      apply_initiating_time: nowText(),
      ...(withApproval ? {} : { apply_finish_time: nowText() }),
      updated_time: nowText(),
      checklist_status: CHECKLIST_NOT_STARTED,
    };
    if (withApproval) offboarding.process_id = nextId(state);
    state.offboardings.push(offboarding);
    emitStatusUpdated(context, state, offboarding);
    // Lark documents that a submission also pushes the "offboarding information changed" event.
    emitUpdated(context, state, offboarding, ['offboarding_date', 'offboarding_reason_unique_identifier'], initiator?.employmentId);
    return larkOk(reply, {
      offboarding_id: offboarding.offboarding_id,
      employment_id: personId(leaver, types.user),
      offboarding_reason_unique_identifier: reason,
      offboarding_date: offboarding.offboarding_date,
      ...(offboarding.offboarding_reason_explanation === undefined ? {} : { offboarding_reason_explanation: offboarding.offboarding_reason_explanation }),
      add_block_list: offboarding.add_block_list,
      ...(offboarding.block_reason === undefined ? {} : { block_reason: offboarding.block_reason }),
      created_time: offboarding.apply_initiating_time,
      retain_account: offboarding.retain_account,
      is_transfer_with_workforce: body.is_transfer_with_workforce === true,
    });
  });

  route(app, context, 'POST', '/open-apis/corehr/v2/offboardings/edit', ({ body, query }, reply, state) => {
    const types = writeIdTypes(query, reply);
    if (!types) return reply;
    const offboarding = offboardingOf(state, reply, body.offboarding_id);
    if (!offboarding) return reply;
    if (!OPEN.includes(offboarding.status)) return invalid(reply, `offboarding ${offboarding.offboarding_id} is ${offboarding.status} and can no longer be edited`);
    let operator: FakeEmployee | undefined;
    if (optionalString(body.operator_id) !== undefined) {
      operator = personOf(state, reply, body.operator_id, types, 'operator_id');
      if (!operator) return reply;
    }
    const updates = body.update_data;
    if (!Array.isArray(updates) || updates.length === 0) return larkError(reply, 400, FIELD_VALIDATION_FAILED, 'field validation failed: update_data is required, a non-empty array of {field_name, value}');
    const decoded: [EditedField, unknown][] = [];
    for (const [i, update] of updates.entries()) {
      const fieldName = isBody(update) ? update.field_name : undefined;
      const value = isBody(update) ? update.value : undefined;
      if (typeof fieldName !== 'string' || typeof value !== 'string') {
        return larkError(reply, 400, FIELD_VALIDATION_FAILED, `field validation failed: update_data[${i}] must be {field_name: string, value: string}`);
      }
      if (NOT_EDITABLE.includes(fieldName)) return invalid(reply, `update_data[${i}]: ${fieldName} is not editable`);
      if (!(fieldName in EDITABLE)) return invalid(reply, `update_data[${i}]: unknown field ${JSON.stringify(fieldName)} (editable here: ${Object.keys(EDITABLE).join(', ')})`);
      const rule = EDITABLE[fieldName as EditedField];
      let parsed: unknown;
      try {
        parsed = JSON.parse(value);
      } catch {
        parsed = undefined;
      }
      if (!rule.check(parsed)) {
        return invalid(reply, `update_data[${i}]: the value of ${fieldName} is a JSON-encoded string, here ${rule.expects}; got ${JSON.stringify(value)}`);
      }
      decoded.push([fieldName as EditedField, parsed]);
    }
    const changed: string[] = [];
    for (const [field, value] of decoded) {
      if (offboarding[field] !== value) changed.push(field);
      Object.assign(offboarding, { [field]: value });
    }
    offboarding.updated_time = nowText();
    emitUpdated(context, state, offboarding, changed, operator?.employmentId);
    return larkOk(reply, { data: updates.map((u) => ({ field_name: (u as Body).field_name, value: (u as Body).value })) });
  });

  route(app, context, 'POST', '/open-apis/corehr/v2/offboardings/revoke', ({ body, query }, reply, state) => {
    const types = writeIdTypes(query, reply);
    if (!types) return reply;
    const offboarding = offboardingOf(state, reply, body.offboarding_id);
    if (!offboarding) return reply;
    if (!OPEN.includes(offboarding.status)) return invalid(reply, `offboarding ${offboarding.offboarding_id} is ${offboarding.status} and cannot be revoked`);
    let operator: FakeEmployee | undefined;
    if (optionalString(body.operator_id) !== undefined) {
      operator = personOf(state, reply, body.operator_id, types, 'operator_id');
      if (!operator) return reply;
    }
    if (offboarding.initiator_id !== undefined && operator?.employmentId !== offboarding.initiator_id) {
      return invalid(reply, `only the initiator of offboarding ${offboarding.offboarding_id} may revoke it: pass their id as operator_id`);
    }
    offboarding.status = 'Withdrawn';
    offboarding.updated_time = nowText();
    emitStatusUpdated(context, state, offboarding);
    emitUpdated(context, state, offboarding, ['status'], operator?.employmentId);
    return larkOk(reply, {});
  });

  route(
    app,
    context,
    'POST',
    '/open-apis/corehr/v1/offboardings/search',
    ({ body, query }, reply, state) => {
      const types = idTypes(query, reply);
      const pageSize = types && checkPageSize(reply, query.page_size, SEARCH_PAGE_MAX);
      if (!types || pageSize === undefined) return reply;
      const employments = stringList(body.employment_ids);
      const statuses = stringList(body.statuses);
      const departments = stringList(body.department_ids).map(seededDepartmentId);
      const found = state.offboardings.filter((o) => {
        const leaver = employeeById(state, o.employment_id);
        return (
          (employments.length === 0 || (leaver !== undefined && employments.includes(personId(leaver, types.user)))) &&
          (statuses.length === 0 || statuses.includes(o.status)) &&
          (departments.length === 0 || (leaver !== undefined && departments.includes(leaver.departmentId))) &&
          within(o.offboarding_date, body.offboarding_date_start, body.offboarding_date_end) &&
          within(o.expected_offboarding_date, body.expected_offboarding_date_start, body.expected_offboarding_date_end)
        );
      });
      const one = page(found, pageSize, query.page_token);
      return larkOk(reply, { ...one, items: one.items.map((o) => offboardingView(o, state, types)), total: found.length });
    },
    OFFBOARDING_SEARCH_PER_MINUTE,
  );

  registerApproverControls(app, context);
}

/**
 * What an approver (or time) does in Lark's UI, which no API offers: `POST
 * /_sandbox/lark-corehr/offboardings/:offboarding_id/approve | reject | effective`. Each pushes
 * status_updated_v2 as Lark would. Answers in the control API's style: `{error}` with 404 or 409.
 */
function registerApproverControls(app: FastifyInstance, context: SandboxContext): void {
  const moves: Record<string, { from: readonly OffboardingStatus[]; to: OffboardingStatus }> = {
    approve: { from: ['Approving'], to: 'Approved' },
    reject: { from: ['Approving'], to: 'Rejected' },
    effective: { from: ['Approved', 'NoNeedApproval'], to: 'Offboarded' },
  };
  app.post<{ Params: { offboarding_id: string; move: string } }>('/_sandbox/lark-corehr/offboardings/:offboarding_id/:move', async (request, reply) => {
    const move = moves[request.params.move];
    if (!move) return reply.code(404).send({ error: `no control ${JSON.stringify(request.params.move)}; controls: ${Object.keys(moves).join(', ')}` });
    const state = coreHrState(context);
    const offboarding = state.offboardings.find((o) => o.offboarding_id === request.params.offboarding_id);
    if (!offboarding) return reply.code(404).send({ error: `no offboarding ${JSON.stringify(request.params.offboarding_id)}` });
    if (!move.from.includes(offboarding.status)) {
      return reply.code(409).send({ error: `offboarding ${offboarding.offboarding_id} is ${offboarding.status}; ${request.params.move} needs ${move.from.join(' or ')}` });
    }
    offboarding.status = move.to;
    offboarding.updated_time = String(context.now());
    if (move.to === 'Approved' || move.to === 'Rejected') offboarding.apply_finish_time = offboarding.updated_time;
    if (move.to === 'Offboarded') {
      const leaver = employeeById(state, offboarding.employment_id);
      if (leaver) leaver.status = 'terminated';
    }
    emitStatusUpdated(context, state, offboarding);
    return { offboarding_id: offboarding.offboarding_id, status: offboarding.status, status_code: OFFBOARDING_V2_STATUS[offboarding.status] };
  });
}
