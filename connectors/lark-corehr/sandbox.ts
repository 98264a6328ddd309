import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { SandboxContext, SandboxModule } from '../../src/sandbox/sandbox-context.js';
import type { SeededCompany, SeededDepartment, SeededEmployee } from '../../src/sandbox/seed-company.js';
import { checkPageSize, larkError, larkOk, larkRateLimit, page, requireTenantToken, FIELD_VALIDATION_FAILED } from '../lark-shared/lark-sandbox.js';
import { registerLocations } from './sandbox-locations.js';
import { registerOffboardings, seededOffboardings, type FakeOffboarding } from './sandbox-offboardings.js';

/**
 * Lark's common tier is 50/s per API, app and tenant. employees/search and batch_get are 100/min
 * at Lark; the fake keeps them at 50/s too, so syncs and benchmarks run at sandbox speed.
 */
export const COREHR_REQUESTS_PER_SECOND = 50;
const SEARCH_PAGE_MAX = 100;
/** pre_hires/query: at most 10 ids, at most 10 a page. */
const PRE_HIRE_QUERY_MAX = 10;
const BATCH_GET_MAX = 100;
const SEARCH_FIELDS_MAX = 100;
/** CoreHR's documented "param is invalid"; the fake answers it for an unknown pre-hire or one whose status forbids the call. */
export const COREHR_INVALID_PARAM = 1160001;

type OnboardingStatus = 'preboarding' | 'day_one' | 'completed' | 'withdrawn' | 'deleted';
export type Body = Record<string, unknown>;
export type UserIdType = 'open_id' | 'union_id' | 'user_id' | 'people_corehr_id';
type DepartmentIdType = 'open_department_id' | 'department_id' | 'people_corehr_department_id';

export interface IdTypes {
  user: UserIdType;
  department: DepartmentIdType;
}

interface FakePreHire {
  pre_hire_id: string;
  out_biz_id: string | undefined;
  basic_info: Body;
  offer_info: Body;
  ats_application_id: string | undefined;
  onboarding_status: OnboardingStatus;
  withdrawn_reason: string | undefined;
  /** YYYY-MM-DD, for updated_date_* filters. */
  updated_date: string;
}

/** A seeded employee, or one a completed pre-hire became. */
export interface FakeEmployee extends SeededEmployee {
  preHireId?: string;
  atsApplicationId?: string;
}

/** The fake's state at GET /_sandbox/state. Job changes are kept in Lark's search-answer shape. */
export interface CoreHrSandboxState {
  preHires: FakePreHire[];
  employees: FakeEmployee[];
  offboardings: FakeOffboarding[];
  jobChanges: Body[];
  /** Last number used for a generated id; ids are deterministic per sandbox. */
  lastId: number;
}

export function coreHrState(context: SandboxContext): CoreHrSandboxState {
  return context.state<CoreHrSandboxState>('lark-corehr', () => ({
    preHires: [],
    employees: context.company.employees.map((employee) => ({ ...employee })),
    offboardings: seededOffboardings(context),
    jobChanges: [],
    lastId: 0,
  }));
}

type Handler = (request: { body: Body; query: Body; params: Body }, reply: FastifyReply, state: CoreHrSandboxState) => FastifyReply | Promise<FastifyReply>;

/**
 * Every CoreHR route: tenant token, then the per-API rate limit (and the API's own per-minute
 * limit where Lark documents a lower one), then the handler.
 */
export function route(app: FastifyInstance, context: SandboxContext, method: 'POST' | 'DELETE', url: string, handler: Handler, perMinute?: number): void {
  app.route({
    method,
    url,
    handler: async (request: FastifyRequest, reply: FastifyReply) => {
      if (!requireTenantToken(context, request, reply)) return reply;
      if (!larkRateLimit(context, reply, `${method} ${url}`, COREHR_REQUESTS_PER_SECOND, 1000)) return reply;
      if (perMinute !== undefined && !larkRateLimit(context, reply, `${method} ${url}.per-minute`, perMinute, 60_000)) return reply;
      return handler({ body: asBody(request.body), query: asBody(request.query), params: asBody(request.params) }, reply, coreHrState(context));
    },
  });
}

const sandbox: SandboxModule = {
  state: coreHrState,

  seed(context) {
    const state = coreHrState(context);
    const { employees } = state;
    const { departments, workLocations } = context.company;
    const departmentById = new Map(departments.map((d) => [d.id, d]));
    const locationById = new Map(workLocations.map((l) => [l.id, l]));
    const nameOf = (employmentId: string | undefined) => (employmentId === undefined ? undefined : employeeById(state, employmentId)?.name);
    return [
      {
        name: 'employees',
        title: "CoreHR employees with every id Lark knows them by (employee.search, employee.batch_get; open_id and user_id are also their Contact users')",
        columns: ['employment_id', 'employee_number', 'open_id', 'user_id', 'name', 'department', 'work_location', 'time_zone', 'status'],
        size: employees.length,
        item(index) {
          const e = employees[index]!;
          const location = locationById.get(e.workLocationId);
          return {
            employment_id: e.employmentId,
            employee_number: e.employeeNo,
            open_id: e.openId,
            user_id: e.userId,
            union_id: e.unionId,
            name: e.name,
            email: e.email,
            department_id: e.departmentId,
            department: departmentById.get(e.departmentId)?.name,
            manager_employment_id: e.managerEmploymentId,
            work_location_id: e.workLocationId,
            work_location: location?.name,
            time_zone: location?.timeZone,
            hire_date: e.hireDate,
            status: e.status,
            ...(e.preHireId === undefined ? {} : { pre_hire_id: e.preHireId }),
          };
        },
      },
      {
        name: 'departments',
        title: 'Departments, the company first (department.batch_get, department.search, offer_info.department_id); an open_department_id is od-<department_id>',
        columns: ['department_id', 'name', 'parent_department_id', 'leader_employment_id', 'leader_name'],
        size: departments.length,
        item(index) {
          const d = departments[index]!;
          return {
            department_id: d.id,
            open_department_id: departmentIdOf(d.id, 'open_department_id'),
            name: d.name,
            parent_department_id: d.parentId,
            leader_employment_id: d.leaderEmploymentId,
            leader_name: nameOf(d.leaderEmploymentId),
          };
        },
      },
      {
        name: 'work_locations',
        title: 'Work locations and their time zones, where offboardings take effect at 24:00 (offer_info.work_location_id)',
        columns: ['work_location_id', 'name', 'time_zone'],
        size: workLocations.length,
        item(index) {
          const l = workLocations[index]!;
          return { work_location_id: l.id, name: l.name, time_zone: l.timeZone };
        },
      },
    ];
  },

  register(app, context) {
    const today = () => new Date(context.now()).toISOString().slice(0, 10);

    route(app, context, 'POST', '/open-apis/corehr/v2/pre_hires', ({ body }, reply, state) => {
      if (!isBody(body.basic_info) || !isBody(body.offer_info)) return invalid(reply, 'basic_info and offer_info are required');
      const outBizId = typeof body.out_biz_id === 'string' && body.out_biz_id !== '' ? body.out_biz_id : undefined;
      const existing = outBizId === undefined ? undefined : state.preHires.find((p) => p.out_biz_id === outBizId);
      if (existing) return larkOk(reply, { pre_hire_id: existing.pre_hire_id });
      const preHire: FakePreHire = {
        pre_hire_id: nextId(state),
        out_biz_id: outBizId,
        basic_info: body.basic_info,
        offer_info: body.offer_info,
        ats_application_id: optionalString(body.ats_application_id),
        onboarding_status: 'preboarding',
        withdrawn_reason: undefined,
        updated_date: today(),
      };
      state.preHires.push(preHire);
      return larkOk(reply, { pre_hire_id: preHire.pre_hire_id });
    });

    route(app, context, 'POST', '/open-apis/corehr/v2/pre_hires/query', ({ body, query }, reply, state) => {
      const types = idTypes(query, reply);
      const pageSize = types && checkPageSize(reply, query.page_size, PRE_HIRE_QUERY_MAX);
      if (!types || pageSize === undefined) return reply;
      const ids = stringList(body.pre_hire_ids);
      if (ids.length > PRE_HIRE_QUERY_MAX) return tooMany(reply, 'pre_hire_ids', PRE_HIRE_QUERY_MAX);
      // Deleted pre-hires can no longer be read, as Lark documents.
      const live = state.preHires.filter((p) => p.onboarding_status !== 'deleted');
      const found = ids.length === 0 ? live : ids.flatMap((id) => live.filter((p) => p.pre_hire_id === id));
      return larkOk(reply, pageOf(found, pageSize, query.page_token, (p) => preHireView(p, types)));
    });

    route(app, context, 'POST', '/open-apis/corehr/v2/pre_hires/search', ({ body, query }, reply, state) => {
      const types = idTypes(query, reply);
      const pageSize = types && checkPageSize(reply, query.page_size, SEARCH_PAGE_MAX);
      if (!types || pageSize === undefined) return reply;
      const ids = stringList(body.pre_hire_ids);
      const departments = stringList(body.department_ids).map(seededDepartmentId);
      const status = optionalString(body.onboarding_status);
      const found = state.preHires.filter(
        (p) =>
          (status === undefined ? p.onboarding_status !== 'deleted' : p.onboarding_status === status) &&
          (ids.length === 0 || ids.includes(p.pre_hire_id)) &&
          (departments.length === 0 || departments.includes(seededDepartmentId(String(p.offer_info.department_id)))) &&
          within(optionalString(p.offer_info.onboarding_date), body.onboarding_date_start, body.onboarding_date_end) &&
          within(p.updated_date, body.updated_date_start, body.updated_date_end),
      );
      return larkOk(reply, pageOf(found, pageSize, query.page_token, (p) => preHireView(p, types)));
    });

    route(app, context, 'POST', '/open-apis/corehr/v2/pre_hires/:pre_hire_id/complete', ({ params }, reply, state) => {
      const preHire = livePreHire(state, params.pre_hire_id);
      if (!preHire) return invalid(reply, `no pre-hire ${String(params.pre_hire_id)}`);
      if (!onboarding(preHire)) return invalid(reply, `pre-hire ${preHire.pre_hire_id} is ${preHire.onboarding_status}`);
      preHire.onboarding_status = 'completed';
      preHire.updated_date = today();
      state.employees.push(employeeFrom(preHire, state, context.company, today()));
      return larkOk(reply, { success: true });
    });

    route(app, context, 'POST', '/open-apis/corehr/v2/pre_hires/withdraw_onboarding', ({ body }, reply, state) => {
      const reason = optionalString(body.withdraw_reason);
      if (reason === undefined) return invalid(reply, 'withdraw_reason is required');
      const preHire = livePreHire(state, body.pre_hire_id);
      if (!preHire) return invalid(reply, `no pre-hire ${String(body.pre_hire_id)}`);
      if (!onboarding(preHire)) return invalid(reply, `pre-hire ${preHire.pre_hire_id} is ${preHire.onboarding_status}`);
      preHire.onboarding_status = 'withdrawn';
      preHire.withdrawn_reason = reason;
      preHire.updated_date = today();
      return larkOk(reply, { success: true });
    });

    route(app, context, 'DELETE', '/open-apis/corehr/v2/pre_hires/:pre_hire_id', ({ params }, reply, state) => {
      const preHire = livePreHire(state, params.pre_hire_id);
      if (!preHire) return invalid(reply, `no pre-hire ${String(params.pre_hire_id)}`);
      // A completed pre-hire is an employee now: ending that is an offboarding, not a delete.
      if (preHire.onboarding_status === 'completed') return invalid(reply, `pre-hire ${preHire.pre_hire_id} is completed`);
      preHire.onboarding_status = 'deleted';
      preHire.updated_date = today();
      return larkOk(reply, {});
    });

    route(app, context, 'POST', '/open-apis/corehr/v2/employees/search', ({ body, query }, reply, state) => {
      const types = idTypes(query, reply);
      const pageSize = types && checkPageSize(reply, query.page_size, SEARCH_PAGE_MAX);
      if (!types || pageSize === undefined) return reply;
      const ids = stringList(body.employment_id_list);
      const departments = stringList(body.department_id_list).map(seededDepartmentId);
      const managers = stringList(body.direct_manager_id_list);
      const numbers = stringList(body.employee_number_list);
      const status = optionalString(body.employment_status);
      const managedBy = (e: FakeEmployee) => {
        const manager = e.managerEmploymentId === undefined ? undefined : employeeById(state, e.managerEmploymentId);
        return manager !== undefined && managers.includes(personId(manager, types.user));
      };
      const unfiltered = ids.length === 0 && departments.length === 0 && numbers.length === 0 && status === undefined && body.work_email === undefined && managers.length === 0;
      // Paging through everyone is what a sync does: without filters there is nothing to scan for.
      const found = unfiltered
        ? state.employees
        : state.employees.filter(
            (e) =>
              (ids.length === 0 || ids.includes(personId(e, types.user))) &&
              (departments.length === 0 || departments.includes(e.departmentId)) &&
              (numbers.length === 0 || numbers.includes(e.employeeNo)) &&
              (status === undefined || e.status === status) &&
              (body.work_email === undefined || e.email === body.work_email) &&
              (managers.length === 0 || managedBy(e)),
          );
      const fields = stringList(body.fields);
      if (fields.length > SEARCH_FIELDS_MAX) return tooMany(reply, 'fields', SEARCH_FIELDS_MAX);
      return larkOk(reply, pageOf(found, pageSize, query.page_token, (e) => withFields(employeeView(e, state, context.company, types), fields)));
    });

    route(app, context, 'POST', '/open-apis/corehr/v2/employees/batch_get', ({ body, query }, reply, state) => {
      const types = idTypes(query, reply);
      if (!types) return reply;
      const lists = { employment_ids: stringList(body.employment_ids), person_ids: stringList(body.person_ids), work_emails: stringList(body.work_emails) };
      for (const [field, values] of Object.entries(lists)) if (values.length > BATCH_GET_MAX) return tooMany(reply, field, BATCH_GET_MAX);
      const found = state.employees.filter(
        (e) => lists.employment_ids.includes(personId(e, types.user)) || lists.person_ids.includes(personIdOf(e)) || lists.work_emails.includes(e.email),
      );
      return larkOk(reply, { items: found.map((e) => employeeView(e, state, context.company, types)) });
    });

    route(app, context, 'POST', '/open-apis/corehr/v2/departments/batch_get', ({ body, query }, reply, state) => {
      const types = idTypes(query, reply);
      if (!types) return reply;
      const ids = stringList(body.department_id_list).map(seededDepartmentId);
      const names = stringList(body.department_name_list);
      if (ids.length > BATCH_GET_MAX) return tooMany(reply, 'department_id_list', BATCH_GET_MAX);
      if (names.length > BATCH_GET_MAX) return tooMany(reply, 'department_name_list', BATCH_GET_MAX);
      const found = context.company.departments.filter((d) => ids.includes(d.id) || names.includes(d.name));
      return larkOk(reply, { items: found.map((d) => departmentView(d, state, types)) });
    });

    route(app, context, 'POST', '/open-apis/corehr/v2/departments/search', ({ body, query }, reply, state) => {
      const types = idTypes(query, reply);
      const pageSize = types && checkPageSize(reply, query.page_size, SEARCH_PAGE_MAX);
      if (!types || pageSize === undefined) return reply;
      const ids = stringList(body.department_id_list).map(seededDepartmentId);
      const names = stringList(body.name_list);
      const managers = stringList(body.manager_list);
      const given = optionalString(body.parent_department_id);
      const parent = given === undefined ? undefined : seededDepartmentId(given);
      const found = context.company.departments.filter((d) => {
        const leader = d.leaderEmploymentId === undefined ? undefined : employeeById(state, d.leaderEmploymentId);
        return (
          body.active !== false &&
          (ids.length === 0 || ids.includes(d.id)) &&
          (names.length === 0 || names.includes(d.name)) &&
          (managers.length === 0 || (leader !== undefined && managers.includes(personId(leader, types.user)))) &&
          (parent === undefined || (body.get_all_children === true ? descendsFrom(d, parent, context.company) : d.parentId === parent))
        );
      });
      return larkOk(reply, pageOf(found, pageSize, query.page_token, (d) => departmentView(d, state, types)));
    });

    registerOffboardings(app, context);
    registerLocations(app, context);

    route(app, context, 'POST', '/open-apis/corehr/v2/job_changes/search', ({ body, query }, reply, state) => {
      const pageSize = idTypes(query, reply) && checkPageSize(reply, query.page_size, SEARCH_PAGE_MAX);
      if (pageSize === undefined) return reply;
      const employments = stringList(body.employment_ids);
      const ids = stringList(body.job_change_ids);
      const statuses = stringList(body.statuses);
      const found = state.jobChanges.filter(
        (c) =>
          (employments.length === 0 || employments.includes(String(c.employment_id))) &&
          (ids.length === 0 || ids.includes(String(c.job_change_id))) &&
          (statuses.length === 0 || statuses.includes(String(c.status))) &&
          within(optionalString(c.effective_date), body.effective_date_start, body.effective_date_end),
      );
      return larkOk(reply, page(found, pageSize, query.page_token));
    });
  },
};

export default sandbox;

/**
 * An employee as employees/search returns one: its employment_id, and only the fields asked for
 * (`person_info.preferred_name` is that one field of person_info). Lark returns nothing more, so
 * a flow that forgets a field it reads fails here as it would there.
 */
function withFields(view: Body, fields: string[]): Body {
  const selected: Body = { employment_id: view.employment_id };
  for (const field of fields) {
    const path = field.split('.');
    const value = path.reduce<unknown>((at, name) => (at as Body | undefined)?.[name], view);
    if (value === undefined) continue;
    let into = selected;
    for (const name of path.slice(0, -1)) into = (into[name] ??= {}) as Body;
    into[path.at(-1)!] = value;
  }
  return selected;
}

/** One page of matches, shaped only for what the page holds (a search may match 100k employees). */
function pageOf<T>(matches: T[], pageSize: number, pageToken: unknown, view: (match: T) => Body) {
  const one = page(matches, pageSize, pageToken);
  return { ...one, items: one.items.map(view) };
}

function preHireView(p: FakePreHire, types: IdTypes): Body {
  const name = asBody(p.basic_info.name);
  const departmentId = optionalString(p.offer_info.department_id);
  return {
    pre_hire_id: p.pre_hire_id,
    person_info: {
      preferred_name: optionalString(name.full_name),
      legal_name: optionalString(name.full_name),
      phone_number: optionalString(p.basic_info.phone_number),
      email_address: optionalString(p.basic_info.email),
    },
    employment_info: {
      ...pick(p.offer_info, ['direct_leader_id', 'job_id', 'employee_type_id', 'work_email', 'work_location_id']),
      ...(departmentId === undefined ? {} : { department_id: departmentIdOf(seededDepartmentId(departmentId), types.department) }),
    },
    onboarding_info: {
      onboarding_status: p.onboarding_status,
      onboarding_date: optionalString(p.offer_info.onboarding_date),
      ats_application_id: p.ats_application_id,
      offer_id: optionalString(p.offer_info.offer_id),
      ...(p.withdrawn_reason === undefined ? {} : { withdrawn_reason: p.withdrawn_reason }),
    },
  };
}

/** The user_id_type / department_id_type of a request, or undefined after answering Lark's validation error. */
export function idTypes(query: Body, reply: FastifyReply): IdTypes | undefined {
  const user = query.user_id_type ?? 'open_id';
  const department = query.department_id_type ?? 'open_department_id';
  if (user !== 'open_id' && user !== 'union_id' && user !== 'user_id' && user !== 'people_corehr_id') {
    void larkError(reply, 400, FIELD_VALIDATION_FAILED, `field validation failed: user_id_type ${String(user)} is not one of open_id, union_id, user_id, people_corehr_id`);
    return undefined;
  }
  if (department !== 'open_department_id' && department !== 'department_id' && department !== 'people_corehr_department_id') {
    void larkError(reply, 400, FIELD_VALIDATION_FAILED, `field validation failed: department_id_type ${String(department)} is not supported`);
    return undefined;
  }
  return { user, department };
}

/** Lark expresses employment ids, as every person id, in the requested user_id_type (open_id by default). */
export function personId(e: SeededEmployee, userIdType: UserIdType): string {
  switch (userIdType) {
    case 'user_id':
      return e.userId;
    case 'union_id':
      return e.unionId;
    case 'people_corehr_id':
      return e.employmentId;
    case 'open_id':
      return e.openId;
  }
}

/** Open department ids are the seeded ids with Lark's `od-` prefix, as the contact and hire fakes show them. */
function departmentIdOf(seededId: string, type: DepartmentIdType): string {
  return type === 'open_department_id' ? `od-${seededId}` : seededId;
}

/** Flows pass on department ids as another Lark API gave them: either form names the same department. */
export function seededDepartmentId(id: string): string {
  return id.startsWith('od-') ? id.slice(3) : id;
}

function personIdOf(e: SeededEmployee): string {
  return `person-${e.employmentId}`;
}

/** Employees by every id they have, kept beside the state (which must stay plain JSON) and rebuilt when it grows. */
const employeeIndexes = new WeakMap<CoreHrSandboxState, { size: number; byId: Map<string, FakeEmployee> }>();

export function employeeById(state: CoreHrSandboxState, id: string): FakeEmployee | undefined {
  let index = employeeIndexes.get(state);
  if (index?.size !== state.employees.length) {
    const byId = new Map<string, FakeEmployee>();
    for (const e of state.employees) for (const key of [e.employmentId, e.userId, e.openId, e.unionId]) byId.set(key, e);
    index = { size: state.employees.length, byId };
    employeeIndexes.set(state, index);
  }
  return index.byId.get(id);
}

function employeeView(e: FakeEmployee, state: CoreHrSandboxState, company: SeededCompany, types: IdTypes): Body {
  const manager = e.managerEmploymentId === undefined ? undefined : employeeById(state, e.managerEmploymentId);
  const id = personId(e, types.user);
  const managerId = manager === undefined ? undefined : personId(manager, types.user);
  const departmentId = departmentIdOf(e.departmentId, types.department);
  return {
    employment_id: id,
    employment_id_v2: id,
    ...(e.preHireId === undefined ? {} : { prehire_id: e.preHireId }),
    ...(e.atsApplicationId === undefined ? {} : { ats_application_id: e.atsApplicationId }),
    employee_number: e.employeeNo,
    department_id: departmentId,
    department_id_v2: departmentId,
    ...(managerId === undefined ? {} : { direct_manager_id: managerId, direct_manager_id_v2: managerId }),
    work_location_id: e.workLocationId,
    time_zone: company.workLocations.find((l) => l.id === e.workLocationId)?.timeZone,
    effective_date: e.hireDate,
    primary_employment: true,
    employment_type: { enum_name: 'employee' },
    employment_status: { enum_name: e.status },
    email_address: e.email,
    work_email_list: [{ email: e.email }],
    person_info: { person_id: personIdOf(e), preferred_name: e.name, legal_name: e.name, phone_number: e.mobile, email_address: e.email },
  };
}

function departmentView(d: SeededDepartment, state: CoreHrSandboxState, types: IdTypes): Body {
  const leader = d.leaderEmploymentId === undefined ? undefined : employeeById(state, d.leaderEmploymentId);
  return {
    id: departmentIdOf(d.id, types.department),
    department_name: [{ lang: 'en-US', value: d.name }],
    ...(d.parentId === undefined ? {} : { parent_department_id: departmentIdOf(d.parentId, types.department) }),
    ...(leader ? { manager: personId(leader, types.user) } : {}),
    code: d.id,
    is_root: d.parentId === undefined,
    is_confidential: false,
    active: true,
    effective_date: '2020-01-01',
  };
}

function descendsFrom(d: SeededDepartment, ancestorId: string, company: SeededCompany): boolean {
  const seen = new Set<string>();
  for (let parent = d.parentId; parent !== undefined && !seen.has(parent); parent = company.departments.find((x) => x.id === parent)?.parentId) {
    if (parent === ancestorId) return true;
    seen.add(parent);
  }
  return false;
}

function employeeFrom(p: FakePreHire, state: CoreHrSandboxState, company: SeededCompany, today: string): FakeEmployee {
  const employmentId = nextId(state);
  const name = asBody(p.basic_info.name);
  const leaderId = optionalString(p.offer_info.direct_leader_id);
  return {
    employmentId,
    userId: `u${hex(employmentId, 'user').slice(0, 8)}`,
    openId: `ou_${hex(employmentId, 'open').slice(0, 32)}`,
    unionId: `on_${hex(employmentId, 'union').slice(0, 32)}`,
    name: optionalString(name.full_name) ?? '',
    email: optionalString(p.offer_info.work_email) ?? optionalString(p.basic_info.email) ?? '',
    mobile: optionalString(p.basic_info.phone_number) ?? '',
    employeeNo: optionalString(p.basic_info.worker_id) ?? `E${state.lastId}`,
    departmentId: seededDepartmentId(optionalString(p.offer_info.department_id) ?? ''),
    managerEmploymentId: leaderId === undefined ? undefined : (employeeById(state, leaderId)?.employmentId ?? leaderId),
    workLocationId: optionalString(p.offer_info.work_location_id) ?? company.workLocations[0]?.id ?? '',
    hireDate: optionalString(p.offer_info.onboarding_date) ?? today,
    status: 'hired',
    preHireId: p.pre_hire_id,
    ...(p.ats_application_id === undefined ? {} : { atsApplicationId: p.ats_application_id }),
  };
}

/** Lark ids are 19-digit numbers; these count up from a fixed base, so a sandbox run is reproducible. */
export function nextId(state: CoreHrSandboxState): string {
  state.lastId += 1;
  return String(7_400_000_000_000_000_000n + BigInt(state.lastId));
}

export function hex(id: string, purpose: string): string {
  return createHash('sha256').update(`${purpose}:${id}`).digest('hex');
}

function livePreHire(state: CoreHrSandboxState, id: unknown): FakePreHire | undefined {
  return state.preHires.find((p) => p.pre_hire_id === id && p.onboarding_status !== 'deleted');
}

function onboarding(p: FakePreHire): boolean {
  return p.onboarding_status === 'preboarding' || p.onboarding_status === 'day_one';
}

export function invalid(reply: FastifyReply, why: string): FastifyReply {
  return larkError(reply, 400, COREHR_INVALID_PARAM, `param is invalid: ${why}`);
}

export function tooMany(reply: FastifyReply, field: string, max: number): FastifyReply {
  return larkError(reply, 400, FIELD_VALIDATION_FAILED, `field validation failed: ${field} takes at most ${max} values`);
}

/** Dates as Lark writes them (YYYY-MM-DD) order as strings. */
export function within(value: string | undefined, start: unknown, end: unknown): boolean {
  if (typeof start === 'string' && (value === undefined || value < start)) return false;
  if (typeof end === 'string' && (value === undefined || value > end)) return false;
  return true;
}

function pick(source: Body, keys: string[]): Body {
  return Object.fromEntries(keys.filter((k) => source[k] !== undefined).map((k) => [k, source[k]]));
}

export function isBody(value: unknown): value is Body {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function asBody(value: unknown): Body {
  return isBody(value) ? value : {};
}

export function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

export function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
