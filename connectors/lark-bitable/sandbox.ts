import type { FastifyReply, FastifyRequest } from 'fastify';
import type { SandboxContext, SandboxModule } from '../../src/sandbox/sandbox-context.js';
import { checkPageSize, larkError, larkOk, larkRateLimit, page, requireTenantToken, FIELD_VALIDATION_FAILED } from '../lark-shared/lark-sandbox.js';
import { MAX_FIELDS_PAGE_SIZE } from './fields-list.js';
import { MAX_DELETE_BATCH_RECORDS, MAX_WRITE_BATCH_RECORDS } from './records-batch.js';
import { MAX_SEARCH_PAGE_SIZE } from './records-search.js';
import { FIELD_TYPE, FILTER_OPERATORS, matchesFilter, type FilterGroup } from './sandbox-filter.js';

/**
 * A fake of Lark Base (bitable v1): apps → tables → fields and records, with records/search
 * (filter, sort, field_names, page_size ≤ 500), batch create/update/delete (≤ 500 records, else
 * 1254104), fields list (page_size ≤ 100), table creation, client_token idempotency (the same token
 * and body answer the first result without writing again; the same token with another body is
 * 1255006) and Lark's published per-API rate limits. Cell values are stored as written.
 *
 * Seeded: app `bascnStaffwireSandbox` with tables `tblEmployees`, `tblReviews`, `tblTalentReview`
 * (employees with their latest rating), `tblBonus` (suggested and approved bonuses) and
 * `tblTalentHistory` (imported talent records), all without records.
 */
export const SANDBOX_APP_TOKEN = 'bascnStaffwireSandbox';

interface SandboxField {
  field_id: string;
  field_name: string;
  type: number;
  is_primary: boolean;
}

interface SandboxTable {
  table_id: string;
  name: string;
  fields: SandboxField[];
  /** record_id → cells by field name, in creation order. */
  records: Record<string, Record<string, unknown>>;
}

interface BitableState {
  apps: Record<string, { app_token: string; name: string; tables: Record<string, SandboxTable> }>;
  /** Feeds the deterministic ids (rec…, fld…, tbl…). */
  lastId: number;
  /** (api, app, table, client_token) → the request it came with and the answer it got. */
  clientTokens: Record<string, { body: string; data: unknown }>;
}

/** Lark's published per-API limits (requests per second per app and tenant). */
const RATE_LIMITS = {
  search: 20,
  batchCreate: 50,
  batchUpdate: 50,
  batchDelete: 50,
  fieldsList: 20,
  tableCreate: 10,
} as const;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Bitable's own codes (answered with HTTP 200, as Lark does). */
const CODES = {
  wrongRequestBody: 1254001,
  invalidSort: 1254016,
  invalidFilter: 1254018,
  invalidFieldNames: 1254024,
  baseTokenNotFound: 1254040,
  tableIdNotFound: 1254041,
  recordIdNotFound: 1254043,
  fieldNameNotFound: 1254045,
  recordsOverLimit: 1254104,
  clientTokenConflict: 1255006,
} as const;

/** Type code → the code Lark answers when a cell value does not fit it. */
const CELL_CHECKS: Record<number, { accepts: (value: unknown) => boolean; code: number; name: string }> = {
  [FIELD_TYPE.text]: { accepts: (v) => typeof v === 'string', code: 1254060, name: 'TextFieldConvFail' },
  [FIELD_TYPE.number]: { accepts: (v) => typeof v === 'number' && Number.isFinite(v), code: 1254061, name: 'NumberFieldConvFail' },
  [FIELD_TYPE.singleSelect]: { accepts: (v) => typeof v === 'string', code: 1254062, name: 'SingleSelectFieldConvFail' },
  [FIELD_TYPE.multiSelect]: { accepts: (v) => Array.isArray(v) && v.every((o) => typeof o === 'string'), code: 1254063, name: 'MultiSelectFieldConvFail' },
  [FIELD_TYPE.date]: { accepts: (v) => typeof v === 'number' && Number.isInteger(v), code: 1254064, name: 'DatetimeFieldConvFail' },
  [FIELD_TYPE.checkbox]: { accepts: (v) => typeof v === 'boolean', code: 1254065, name: 'CheckboxFieldConvFail' },
};

type TableParams = { app_token: string; table_id: string };

function bitableState(context: SandboxContext): BitableState {
  return context.state<BitableState>('lark-bitable', () => {
    const state: BitableState = { apps: {}, lastId: 0, clientTokens: {} };
    const tables: Record<string, SandboxTable> = {};
    for (const [table_id, name, fields] of [
      ['tblEmployees', 'Employees', [
        ['Employment ID', FIELD_TYPE.text], ['Name', FIELD_TYPE.text], ['Email', FIELD_TYPE.text], ['Department', FIELD_TYPE.text],
        ['Manager employment ID', FIELD_TYPE.text], ['Work location', FIELD_TYPE.text], ['Hire date', FIELD_TYPE.date], ['Status', FIELD_TYPE.singleSelect],
      ]],
      ['tblReviews', 'Performance reviews', [
        ['Employment ID', FIELD_TYPE.text], ['Cycle', FIELD_TYPE.text], ['Rating', FIELD_TYPE.singleSelect], ['Score', FIELD_TYPE.number], ['Calibrated', FIELD_TYPE.checkbox],
      ]],
      ['tblTalentReview', 'Talent review', [
        ['Open ID', FIELD_TYPE.text], ['Employee number', FIELD_TYPE.text], ['Name', FIELD_TYPE.text], ['Email', FIELD_TYPE.text],
        ['Department ID', FIELD_TYPE.text], ['Department', FIELD_TYPE.text], ['Manager open ID', FIELD_TYPE.text], ['Hire date', FIELD_TYPE.date],
        ['Status', FIELD_TYPE.singleSelect], ['Rating', FIELD_TYPE.singleSelect], ['Rating cycle', FIELD_TYPE.text], ['Rated at', FIELD_TYPE.date],
      ]],
      ['tblBonus', 'Bonus allocation', [
        ['Bonus ID', FIELD_TYPE.text], ['Period', FIELD_TYPE.text], ['Open ID', FIELD_TYPE.text], ['Name', FIELD_TYPE.text],
        ['Department ID', FIELD_TYPE.text], ['Department', FIELD_TYPE.text], ['Rating', FIELD_TYPE.singleSelect], ['Coefficient', FIELD_TYPE.text],
        ['Suggested amount', FIELD_TYPE.text], ['Amount', FIELD_TYPE.text], ['Currency', FIELD_TYPE.text], ['Status', FIELD_TYPE.singleSelect],
        ['Payroll error', FIELD_TYPE.text], ['Payment unique ID', FIELD_TYPE.text],
      ]],
      ['tblTalentHistory', 'Talent history', [
        ['Record ID', FIELD_TYPE.text], ['Employee number', FIELD_TYPE.text], ['Name', FIELD_TYPE.text], ['Record type', FIELD_TYPE.singleSelect],
        ['Date', FIELD_TYPE.date], ['Cycle', FIELD_TYPE.text], ['Rating', FIELD_TYPE.singleSelect], ['From', FIELD_TYPE.text], ['To', FIELD_TYPE.text],
        ['Recorded by', FIELD_TYPE.text], ['Notes', FIELD_TYPE.text],
      ]],
    ] as const) {
      tables[table_id] = { table_id, name, fields: fields.map(([field_name, type], i) => newField(state, field_name, type, i === 0)), records: {} };
    }
    state.apps[SANDBOX_APP_TOKEN] = { app_token: SANDBOX_APP_TOKEN, name: 'Staffwire sandbox', tables };
    return state;
  });
}

function nextId(state: BitableState, prefix: string): string {
  state.lastId += 1;
  return `${prefix}${state.lastId.toString(36).padStart(8, '0')}`;
}

function newField(state: BitableState, field_name: string, type: number, is_primary: boolean): SandboxField {
  return { field_id: nextId(state, 'fld'), field_name, type, is_primary };
}

function bitableError(reply: FastifyReply, code: number, msg: string): FastifyReply {
  return larkError(reply, 200, code, msg);
}

/** Token, rate limit, then the table: the order Lark's gateway and bitable check them in. */
function admit(
  context: SandboxContext,
  request: FastifyRequest<{ Params: TableParams }>,
  reply: FastifyReply,
  api: keyof typeof RATE_LIMITS,
): SandboxTable | undefined {
  if (!requireTenantToken(context, request, reply)) return undefined;
  if (!larkRateLimit(context, reply, `bitable.${api}`, RATE_LIMITS[api], 1000)) return undefined;
  const app = bitableState(context).apps[request.params.app_token];
  if (!app) {
    void bitableError(reply, CODES.baseTokenNotFound, 'BaseTokenNotFound');
    return undefined;
  }
  const table = app.tables[request.params.table_id];
  if (!table) void bitableError(reply, CODES.tableIdNotFound, 'TableIdNotFound');
  return table;
}

/** The first problem with a record's cells, as Lark reports it, or undefined. */
function cellProblem(table: SandboxTable, fields: unknown): { code: number; msg: string } | undefined {
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) return { code: CODES.wrongRequestBody, msg: 'WrongRequestBody: fields must be an object' };
  for (const [name, value] of Object.entries(fields)) {
    const field = table.fields.find((f) => f.field_name === name);
    if (!field) return { code: CODES.fieldNameNotFound, msg: `FieldNameNotFound: ${name}` };
    const check = CELL_CHECKS[field.type];
    if (value !== null && check && !check.accepts(value)) return { code: check.code, msg: `${check.name}: ${name}` };
  }
  return undefined;
}

/** Checks a batch's `records` array: present, 1 to `max` entries. */
function batchProblem(records: unknown, max: number): { code: number; msg: string } | undefined {
  if (!Array.isArray(records) || records.length === 0) return { code: CODES.wrongRequestBody, msg: 'WrongRequestBody: records must be a non-empty array' };
  if (records.length > max) return { code: CODES.recordsOverLimit, msg: `RecordAddOnceExceedLimit: at most ${max} records per call` };
  return undefined;
}

/**
 * Runs a write under Lark's client_token rule: a token seen before with the same body answers the
 * stored result and writes nothing; with another body it is a conflict. Only successes are kept.
 */
function idempotentWrite(
  context: SandboxContext,
  request: FastifyRequest<{ Params: TableParams; Querystring: { client_token?: string } }>,
  reply: FastifyReply,
  api: string,
  write: () => { data: unknown } | { code: number; msg: string },
): FastifyReply {
  const token = request.query.client_token;
  const state = bitableState(context);
  const key = [api, request.params.app_token, request.params.table_id, token].join('\u0000');
  const body = JSON.stringify(request.body ?? null);
  if (token !== undefined) {
    if (!UUID.test(token)) return larkError(reply, 400, FIELD_VALIDATION_FAILED, 'field validation failed: client_token must be a UUIDv4');
    const seen = state.clientTokens[key];
    if (seen) {
      return seen.body === body
        ? larkOk(reply, seen.data)
        : larkError(reply, 400, CODES.clientTokenConflict, 'Client token conflict, please generate a new client token and try again.');
    }
  }
  const outcome = write();
  if ('code' in outcome) return bitableError(reply, outcome.code, outcome.msg);
  if (token !== undefined) state.clientTokens[key] = { body, data: outcome.data };
  return larkOk(reply, outcome.data);
}

interface SearchBody {
  view_id?: string;
  field_names?: unknown;
  sort?: unknown;
  filter?: unknown;
  automatic_fields?: boolean;
}

function filterProblem(table: SandboxTable, filter: unknown): { code: number; msg: string } | undefined {
  if (filter === undefined) return undefined;
  const group = filter as Partial<FilterGroup>;
  if (typeof filter !== 'object' || filter === null || (group.conjunction !== 'and' && group.conjunction !== 'or')) {
    return { code: CODES.invalidFilter, msg: 'InvalidFilter: conjunction must be "and" or "or"' };
  }
  const conditions = group.conditions ?? [];
  if (!Array.isArray(conditions) || conditions.length > 50) return { code: CODES.invalidFilter, msg: 'InvalidFilter: at most 50 conditions' };
  for (const condition of conditions) {
    if (!FILTER_OPERATORS.includes(condition?.operator)) return { code: CODES.invalidFilter, msg: `InvalidFilter: unknown operator ${String(condition?.operator)}` };
    if (condition.value !== undefined && (!Array.isArray(condition.value) || condition.value.length > 10)) {
      return { code: CODES.invalidFilter, msg: 'InvalidFilter: value must be an array of at most 10 strings' };
    }
    if (!table.fields.some((f) => f.field_name === condition.field_name)) return { code: CODES.fieldNameNotFound, msg: `FieldNameNotFound: ${condition.field_name}` };
  }
  for (const child of group.children ?? []) {
    const problem = filterProblem(table, child);
    if (problem) return problem;
  }
  return undefined;
}

function searchRecords(table: SandboxTable, body: SearchBody): { records: { record_id: string; fields: Record<string, unknown> }[] } | { code: number; msg: string } {
  const known = (name: unknown) => table.fields.some((f) => f.field_name === name);
  const fieldNames = body.field_names;
  if (fieldNames !== undefined && (!Array.isArray(fieldNames) || !fieldNames.every(known))) return { code: CODES.invalidFieldNames, msg: 'InvalidFieldNames' };
  const sort = (body.sort ?? []) as { field_name?: unknown; desc?: unknown }[];
  if (!Array.isArray(sort) || !sort.every((s) => known(s?.field_name))) return { code: CODES.invalidSort, msg: 'InvalidSort' };
  const problem = filterProblem(table, body.filter);
  if (problem) return problem;
  const typeOf = (name: string) => table.fields.find((f) => f.field_name === name)?.type;
  let records = Object.entries(table.records)
    .filter(([, fields]) => body.filter === undefined || matchesFilter(body.filter as FilterGroup, fields, typeOf))
    .map(([record_id, fields]) => ({ record_id, fields }));
  for (const { field_name, desc } of [...sort].reverse()) {
    // Stable sorts applied last key first give the multi-key order.
    records = records.sort((a, b) => compareCells(a.fields[field_name as string], b.fields[field_name as string]) * (desc === true ? -1 : 1));
  }
  if (Array.isArray(fieldNames)) {
    records = records.map(({ record_id, fields }) => ({ record_id, fields: Object.fromEntries(Object.entries(fields).filter(([name]) => fieldNames.includes(name))) }));
  }
  return { records };
}

/** Empty cells last, numbers numerically, anything else by its text. */
function compareCells(a: unknown, b: unknown): number {
  if (a === undefined || a === null) return b === undefined || b === null ? 0 : 1;
  if (b === undefined || b === null) return -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return JSON.stringify(a).localeCompare(JSON.stringify(b));
}

const sandbox: SandboxModule = {
  state: bitableState,

  seed(context) {
    const tables = Object.values(bitableState(context).apps).flatMap((app) => Object.values(app.tables).map((table) => ({ app, table })));
    return [
      {
        name: 'bitable_tables',
        title: 'Bitable apps and their tables (records.search, records.batch_create/update/delete and fields.list take app_token and table_id)',
        columns: ['app_token', 'table_id', 'name', 'records', 'fields'],
        size: tables.length,
        item(index) {
          const { app, table } = tables[index]!;
          return {
            app_token: app.app_token,
            app_name: app.name,
            table_id: table.table_id,
            name: table.name,
            records: Object.keys(table.records).length,
            fields: table.fields.map((f) => f.field_name),
          };
        },
      },
    ];
  },

  register(app, context) {
    const base = '/open-apis/bitable/v1/apps/:app_token/tables/:table_id';

    app.post<{ Params: TableParams; Querystring: { page_size?: string; page_token?: string }; Body: SearchBody }>(`${base}/records/search`, async (request, reply) => {
      const table = admit(context, request, reply, 'search');
      if (!table) return reply;
      const pageSize = checkPageSize(reply, request.query.page_size, MAX_SEARCH_PAGE_SIZE);
      if (pageSize === undefined) return reply;
      const found = searchRecords(table, request.body ?? {});
      if ('code' in found) return bitableError(reply, found.code, found.msg);
      return larkOk(reply, { ...page(found.records, pageSize, request.query.page_token), total: found.records.length });
    });

    app.post<{ Params: TableParams; Querystring: { client_token?: string }; Body: { records?: unknown } }>(`${base}/records/batch_create`, async (request, reply) => {
      const table = admit(context, request, reply, 'batchCreate');
      if (!table) return reply;
      return idempotentWrite(context, request, reply, 'batch_create', () => {
        const records = request.body?.records;
        const problem = batchProblem(records, MAX_WRITE_BATCH_RECORDS) ?? (records as { fields?: unknown }[]).map((r) => cellProblem(table, r?.fields)).find(Boolean);
        if (problem) return problem;
        const state = bitableState(context);
        const created = (records as { fields: Record<string, unknown> }[]).map(({ fields }) => {
          const record_id = nextId(state, 'rec');
          const cells = Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== null));
          table.records[record_id] = cells;
          return { record_id, fields: cells };
        });
        return { data: { records: created } };
      });
    });

    app.post<{ Params: TableParams; Querystring: { client_token?: string }; Body: { records?: unknown } }>(`${base}/records/batch_update`, async (request, reply) => {
      const table = admit(context, request, reply, 'batchUpdate');
      if (!table) return reply;
      return idempotentWrite(context, request, reply, 'batch_update', () => {
        const records = request.body?.records;
        const problem =
          batchProblem(records, MAX_WRITE_BATCH_RECORDS) ??
          (records as { record_id?: unknown; fields?: unknown }[])
            .map((r) => (typeof r?.record_id === 'string' && table.records[r.record_id] ? cellProblem(table, r.fields) : { code: CODES.recordIdNotFound, msg: `RecordIdNotFound: ${String(r?.record_id)}` }))
            .find(Boolean);
        if (problem) return problem;
        const updated = (records as { record_id: string; fields: Record<string, unknown> }[]).map(({ record_id, fields }) => {
          const cells = table.records[record_id]!;
          for (const [name, value] of Object.entries(fields)) {
            if (value === null) delete cells[name];
            else cells[name] = value;
          }
          return { record_id, fields: { ...cells } };
        });
        return { data: { records: updated } };
      });
    });

    app.post<{ Params: TableParams; Body: { records?: unknown } }>(`${base}/records/batch_delete`, async (request, reply) => {
      const table = admit(context, request, reply, 'batchDelete');
      if (!table) return reply;
      const ids = request.body?.records;
      const problem = batchProblem(ids, MAX_DELETE_BATCH_RECORDS) ?? ((ids as unknown[]).every((id) => typeof id === 'string') ? undefined : { code: CODES.wrongRequestBody, msg: 'WrongRequestBody: records must be record ids' });
      if (problem) return bitableError(reply, problem.code, problem.msg);
      const results = (ids as string[]).map((record_id) => {
        const deleted = record_id in table.records;
        delete table.records[record_id];
        return { record_id, deleted };
      });
      return larkOk(reply, { records: results });
    });

    app.get<{ Params: TableParams; Querystring: { page_size?: string; page_token?: string } }>(`${base}/fields`, async (request, reply) => {
      const table = admit(context, request, reply, 'fieldsList');
      if (!table) return reply;
      const pageSize = checkPageSize(reply, request.query.page_size, MAX_FIELDS_PAGE_SIZE);
      if (pageSize === undefined) return reply;
      const fields = table.fields.map((f) => ({ ...f, property: null }));
      return larkOk(reply, { ...page(fields, pageSize, request.query.page_token), total: fields.length });
    });

    app.post<{ Params: { app_token: string }; Body: { table?: { name?: unknown; fields?: { field_name?: unknown; type?: unknown }[] } } }>(
      '/open-apis/bitable/v1/apps/:app_token/tables',
      async (request, reply) => {
        if (!requireTenantToken(context, request, reply)) return reply;
        if (!larkRateLimit(context, reply, 'bitable.tableCreate', RATE_LIMITS.tableCreate, 1000)) return reply;
        const state = bitableState(context);
        const bitable = state.apps[request.params.app_token];
        if (!bitable) return bitableError(reply, CODES.baseTokenNotFound, 'BaseTokenNotFound');
        const { name, fields = [{ field_name: 'Text', type: FIELD_TYPE.text }] } = request.body?.table ?? {};
        const valid = typeof name === 'string' && name !== '' && Array.isArray(fields) && fields.length > 0
          && fields.every((f) => typeof f.field_name === 'string' && f.field_name !== '' && typeof f.type === 'number');
        if (!valid) return bitableError(reply, CODES.wrongRequestBody, 'WrongRequestBody: table needs a name and fields with field_name and type');
        const table: SandboxTable = {
          table_id: nextId(state, 'tbl'),
          name,
          fields: fields.map((f, i) => newField(state, f.field_name as string, f.type as number, i === 0)),
          records: {},
        };
        bitable.tables[table.table_id] = table;
        return larkOk(reply, { table_id: table.table_id, default_view_id: nextId(state, 'vew'), field_id_list: table.fields.map((f) => f.field_id) });
      },
    );
  },
};

export default sandbox;
