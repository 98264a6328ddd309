import type { FastifyReply } from 'fastify';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SandboxContext, SandboxModule } from '../../src/sandbox/sandbox-context.js';
import type { SeededEmployee } from '../../src/sandbox/seed-company.js';
import { checkPageSize, larkError, larkOk, larkRateLimit, page, requireTenantToken, FIELD_VALIDATION_FAILED } from '../lark-shared/lark-sandbox.js';
import { MAX_SAVE_RECORDS } from './datasource-records-save.js';
import { MAX_DATASOURCES_PAGE_SIZE } from './datasources-list.js';
import { MAX_LUMP_SUM_RECORDS, UNIQUE_ID_CONFLICT_CODE } from './lump-sum-batch-create.js';
import { DATASOURCE_LOCKED_CODE } from './payroll-errors.js';

/**
 * A fake of Feishu People payroll external data sources and compensation lump-sum payments.
 * Datasource saves are validated whole (any bad record fails the call), upserted by
 * employment_id + payroll_period, and a save arriving while another one writes the same
 * datasource is refused with 2500021, as Lark does. Lump sums answer per record, a unique_id
 * seen before being 21270202. Lark's published limits: 10 requests/s per API.
 *
 * Seeded datasources: `sw_bonus__c`, `sw_overtime__c` (active) and `sw_legacy_allowance__c`
 * (inactive); the employment ids are the seeded company's.
 */

/** Field types of a datasource field. */
const FIELD_TYPE = { money: 1, number: 2, text: 3, date: 4, percentage: 5 } as const;
const ACTIVE = 1;
const INACTIVE = 2;
const RATE_LIMIT_PER_SECOND = 10;
/** How long a save holds its datasource: long enough for a concurrent save to collide. */
const SAVE_DURATION_MS = 25;

const NUMERIC = /^-?\d+(\.\d+)?$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const MONTH = /^\d{4}-\d{2}$/;

interface SandboxDatasourceField {
  code: string;
  i18n_names: { locale: string; value: string }[];
  field_type: number;
  active_status: number;
  decimal_places?: number;
}

interface SandboxDatasource {
  code: string;
  i18n_names: { locale: string; value: string }[];
  active_status: number;
  data_period_type: number;
  fields: SandboxDatasourceField[];
}

interface LumpSum {
  id: string;
  unique_id: string;
  user_id: string;
  total_amount: string;
  currency_id: string;
  item_id: string;
}

interface PayrollState {
  datasources: SandboxDatasource[];
  /** source_code → `<employment_id>/<payroll_period>` → the saved record. */
  records: Record<string, Record<string, { active_status: number; values: Record<string, string> }>>;
  /** Datasources with a save in progress. */
  writing: Record<string, true>;
  /** unique_id → the payment. */
  lumpSums: Record<string, LumpSum>;
  lastId: number;
}

function names(en: string): { locale: string; value: string }[] {
  return [{ locale: 'en_us', value: en }];
}

function field(code: string, en: string, field_type: number, active_status = ACTIVE): SandboxDatasourceField {
  return {
    code,
    i18n_names: names(en),
    field_type,
    active_status,
    ...(field_type === FIELD_TYPE.money || field_type === FIELD_TYPE.number ? { decimal_places: 2 } : {}),
  };
}

function payrollState(context: SandboxContext): PayrollState {
  return context.state<PayrollState>('lark-payroll', () => {
    const keyFields = [field('employment_id', 'Employment ID', FIELD_TYPE.text), field('payroll_period', 'Payroll period', FIELD_TYPE.date)];
    const datasource = (code: string, en: string, active_status: number, fields: SandboxDatasourceField[]): SandboxDatasource => ({
      code,
      i18n_names: names(en),
      active_status,
      data_period_type: 1,
      fields: [...keyFields, ...fields],
    });
    return {
      datasources: [
        datasource('sw_bonus__c', 'Bonus', ACTIVE, [
          field('bonus_amount', 'Bonus amount', FIELD_TYPE.money),
          field('bonus_note', 'Note', FIELD_TYPE.text),
          field('legacy_code', 'Legacy code', FIELD_TYPE.text, INACTIVE),
        ]),
        datasource('sw_overtime__c', 'Overtime', ACTIVE, [
          field('overtime_hours', 'Overtime hours', FIELD_TYPE.number),
          field('overtime_pay', 'Overtime pay', FIELD_TYPE.money),
          field('overtime_rate', 'Overtime rate', FIELD_TYPE.percentage),
          field('approved_on', 'Approved on', FIELD_TYPE.date),
        ]),
        datasource('sw_legacy_allowance__c', 'Legacy allowance', INACTIVE, [field('allowance', 'Allowance', FIELD_TYPE.money)]),
      ],
      records: {},
      writing: {},
      lumpSums: {},
      lastId: 0,
    };
  });
}

type Problem = { status: number; code: number; msg: string };

function problem(code: number, msg: string, status = 200): Problem {
  return { status, code, msg };
}

interface SaveRecord {
  active_status?: unknown;
  field_values?: { field_code?: unknown; value?: unknown }[];
}

/** The first reason Lark would refuse the whole save, as it reports it; undefined if none. */
function saveProblem(context: SandboxContext, datasource: SandboxDatasource, records: unknown): Problem | undefined {
  if (!Array.isArray(records) || records.length === 0 || records.length > MAX_SAVE_RECORDS) {
    return problem(2500002, `param invalid: records must hold 1 to ${MAX_SAVE_RECORDS} records`, 400);
  }
  const keys = new Set<string>();
  for (const [index, record] of (records as SaveRecord[]).entries()) {
    if (record?.active_status !== ACTIVE && record?.active_status !== INACTIVE) return problem(2500002, `param invalid: records${index} active_status must be 1 or 2`, 400);
    if (!Array.isArray(record.field_values)) return problem(2500002, `param invalid: records${index} field_values must be an array`, 400);
    const values = new Map<string, string>();
    let textLength = 0;
    for (const { field_code, value } of record.field_values) {
      const definition = datasource.fields.find((f) => f.code === field_code);
      if (!definition) return problem(2500005, `field_code:${String(field_code)} not exist`);
      if (definition.active_status !== ACTIVE) return problem(2500009, `field_code:${definition.code} not active`);
      if (values.has(definition.code)) return problem(2500018, `record field_code:${definition.code} duplicated`);
      if (typeof value !== 'string' || !valueFits(definition, value)) return problem(2500010, `${definition.code} format not valid`);
      if (definition.field_type === FIELD_TYPE.text) {
        if (value.length > 500) return problem(2500011, `${definition.code} text length more than 500`);
        textLength += value.length;
      }
      values.set(definition.code, value);
    }
    if (textLength > 3000) return problem(2500012, `record${index} text total length more than 3000`);
    const missing = ['employment_id', 'payroll_period'].filter((code) => !values.has(code));
    if (missing.length) return problem(2500013, `records${index} lack required field: ${missing.join(',')}`);
    const employmentId = values.get('employment_id')!;
    if (!context.company.employees.some((e) => e.employmentId === employmentId)) return problem(2500015, `records${index} data entity ${employmentId} not exists`);
    if (values.get('payroll_period')! < '1970-01') return problem(2500016, 'the payroll period cannot be earlier than 1970-01');
    const key = recordKey(values);
    if (keys.has(key)) return problem(2500017, `records${index} duplicated`);
    keys.add(key);
  }
  return undefined;
}

function valueFits(definition: SandboxDatasourceField, value: string): boolean {
  if (value === '') return false;
  switch (definition.field_type) {
    case FIELD_TYPE.money:
    case FIELD_TYPE.number:
    case FIELD_TYPE.percentage:
      return NUMERIC.test(value);
    case FIELD_TYPE.date:
      return (definition.code === 'payroll_period' ? MONTH : DAY).test(value);
    default:
      return true;
  }
}

function recordKey(values: Map<string, string>): string {
  return `${values.get('employment_id')}/${values.get('payroll_period')}`;
}

/** Upserts the records (only the fields given change) and counts those that actually changed. */
function upsert(state: PayrollState, sourceCode: string, records: Required<SaveRecord>[]): number {
  const stored = (state.records[sourceCode] ??= {});
  let changed = 0;
  for (const record of records) {
    const values = new Map(record.field_values.map(({ field_code, value }) => [field_code as string, value as string]));
    const key = recordKey(values);
    const before = stored[key];
    const after = { active_status: record.active_status as number, values: { ...before?.values, ...Object.fromEntries(values) } };
    if (JSON.stringify(before) !== JSON.stringify(after)) changed += 1;
    stored[key] = after;
  }
  return changed;
}

const ISSUANCE_WAYS = ['with_salary', 'with_cash', 'with_year_end_bonus'];
const ISSUANCE_STATUSES = ['to_be_issued', 'not_issued'];
const USER_ID_TYPES: Record<string, keyof SeededEmployee> = {
  open_id: 'openId',
  union_id: 'unionId',
  user_id: 'userId',
  people_corehr_id: 'employmentId',
};

interface LumpSumInput {
  unique_id?: unknown;
  user_id?: unknown;
  total_amount?: unknown;
  currency_id?: unknown;
  item_id?: unknown;
  issuance_frequency?: unknown;
  details?: { issuance_amount?: unknown; issuance_status?: unknown; issuance_way?: unknown; issuance_time?: unknown; belong_time?: unknown }[];
}

/** The per-record code Lark answers for a lump sum it refuses, with its message; undefined if it accepts it. */
function lumpSumProblem(context: SandboxContext, idField: keyof SeededEmployee, record: LumpSumInput): { code: number; message: string } | undefined {
  const refuse = (code: number, message: string) => ({ code, message });
  if (!context.company.employees.some((e) => e[idField] === record.user_id)) return refuse(21270223, 'Employee does not exist');
  if (typeof record.item_id !== 'string' || record.item_id === '') return refuse(21270222, 'The salary item does not exist');
  if (typeof record.currency_id !== 'string' || record.currency_id === '') return refuse(21270209, 'The currency is empty or does not exist');
  if (typeof record.total_amount !== 'string' || !NUMERIC.test(record.total_amount)) return refuse(21270203, 'The total amount format is incorrect');
  const frequency = Number(record.issuance_frequency);
  if (!Number.isInteger(frequency) || frequency <= 0) return refuse(21270208, 'The number of issuances is less than or equal to 0');
  const details = Array.isArray(record.details) ? record.details : [];
  if (details.length !== frequency) return refuse(21270207, 'issuance frequency not equal to size of details');
  let cents = 0;
  for (const detail of details) {
    if (typeof detail.issuance_amount !== 'string' || !NUMERIC.test(detail.issuance_amount)) return refuse(21270211, 'The bonus details amount format is incorrect');
    if (!ISSUANCE_WAYS.includes(detail.issuance_way as string)) return refuse(21270214, 'The bonus details are issued in an illegal manner');
    if (!ISSUANCE_STATUSES.includes(detail.issuance_status as string)) return refuse(21270215, 'The bonus details are not in a valid payment status');
    if (typeof detail.issuance_time !== 'string' || !DAY.test(detail.issuance_time)) return refuse(21270213, 'The bonus details payment time format is incorrect');
    if (typeof detail.belong_time !== 'string' || !DAY.test(detail.belong_time)) return refuse(21270230, 'The application payment date format of the bonus details is incorrect');
    if (detail.belong_time > detail.issuance_time) return refuse(21270229, 'The application issuance date must not be later than the issuance date');
    cents += Math.round(Number(detail.issuance_amount) * 100);
  }
  if (cents !== Math.round(Number(record.total_amount) * 100)) return refuse(21270206, 'The sum of the bonus details does not equal the total amount');
  return undefined;
}

function payrollError(reply: FastifyReply, found: Problem): FastifyReply {
  return larkError(reply, found.status, found.code, found.msg);
}

const sandbox: SandboxModule = {
  state: payrollState,

  seed(context) {
    const { datasources } = payrollState(context);
    return [
      {
        name: 'payroll_datasources',
        title: 'Payroll external datasources (datasources.list; datasource_records.save takes the code as source_code, into an active one only)',
        columns: ['code', 'name', 'active', 'fields'],
        size: datasources.length,
        item(index) {
          const d = datasources[index]!;
          return {
            code: d.code,
            name: d.i18n_names[0]?.value,
            active: d.active_status === ACTIVE,
            active_status: d.active_status,
            fields: d.fields.map((f) => (f.active_status === ACTIVE ? f.code : `${f.code} (inactive)`)),
          };
        },
        note: "Records are keyed by employment_id (an employee's) and payroll_period (YYYY-MM). lump_sum.batch_create takes any item_id and currency_id; its user_id is an employee's id in the user_id_type given.",
      },
    ];
  },

  register(app, context) {
    app.get<{ Querystring: { page_size?: string; page_token?: string } }>('/open-apis/payroll/v1/datasources', async (request, reply) => {
      if (!requireTenantToken(context, request, reply)) return reply;
      if (!larkRateLimit(context, reply, 'payroll.datasources.list', RATE_LIMIT_PER_SECOND, 1000)) return reply;
      // page_size is required here, unlike most Lark lists.
      if (request.query.page_size === undefined) return larkError(reply, 400, FIELD_VALIDATION_FAILED, 'field validation failed: page_size is required');
      const pageSize = checkPageSize(reply, request.query.page_size, MAX_DATASOURCES_PAGE_SIZE);
      if (pageSize === undefined) return reply;
      const { items, ...paging } = page(payrollState(context).datasources, pageSize, request.query.page_token);
      return larkOk(reply, { datasources: items, ...paging });
    });

    app.post<{ Body: { source_code?: unknown; records?: unknown } }>('/open-apis/payroll/v1/datasource_records/save', async (request, reply) => {
      if (!requireTenantToken(context, request, reply)) return reply;
      if (!larkRateLimit(context, reply, 'payroll.datasource_records.save', RATE_LIMIT_PER_SECOND, 1000)) return reply;
      const state = payrollState(context);
      const { source_code: sourceCode, records } = request.body ?? {};
      const datasource = state.datasources.find((d) => d.code === sourceCode);
      if (!datasource) return payrollError(reply, problem(2500004, `datasource_code:${String(sourceCode)} not exist`));
      if (datasource.active_status !== ACTIVE) return payrollError(reply, problem(2500008, `datasource_code:${datasource.code} not active`));
      const refused = saveProblem(context, datasource, records);
      if (refused) return payrollError(reply, refused);
      if (state.writing[datasource.code]) return payrollError(reply, problem(DATASOURCE_LOCKED_CODE, 'The data source is writing data, acquiring lock failed'));
      state.writing[datasource.code] = true;
      try {
        await sleep(SAVE_DURATION_MS);
        const changed = upsert(state, datasource.code, records as Required<SaveRecord>[]);
        return larkOk(reply, { affect_counts: String(changed) });
      } finally {
        delete state.writing[datasource.code];
      }
    });

    app.post<{ Querystring: { user_id_type?: string }; Body: { records?: unknown } }>('/open-apis/compensation/v1/lump_sum_payment/batch_create', async (request, reply) => {
      if (!requireTenantToken(context, request, reply)) return reply;
      if (!larkRateLimit(context, reply, 'compensation.lump_sum_payment.batch_create', RATE_LIMIT_PER_SECOND, 1000)) return reply;
      const idField = USER_ID_TYPES[request.query.user_id_type ?? ''];
      if (!idField) return larkError(reply, 400, 2290001, 'param is invalid: user_id_type must be open_id, union_id, user_id or people_corehr_id');
      const records = request.body?.records ?? [];
      if (!Array.isArray(records) || records.length > MAX_LUMP_SUM_RECORDS) {
        return larkError(reply, 400, 2290001, `param is invalid: records must hold at most ${MAX_LUMP_SUM_RECORDS} records`);
      }
      const withoutId = (records as LumpSumInput[]).findIndex((r) => typeof r?.unique_id !== 'string' || r.unique_id === '' || r.unique_id.length > 255);
      if (withoutId >= 0) return larkError(reply, 400, 2290001, `param is invalid: records[${withoutId}].unique_id must be 1 to 255 characters`);
      const state = payrollState(context);
      const operate_results = (records as LumpSumInput[]).map((record) => {
        const unique_id = record.unique_id as string;
        const existing = state.lumpSums[unique_id];
        if (existing) return { id: existing.id, unique_id, code: UNIQUE_ID_CONFLICT_CODE, message: 'unique id conflict' };
        const refused = lumpSumProblem(context, idField, record);
        if (refused) return { unique_id, ...refused };
        state.lastId += 1;
        const id = `lsp${String(state.lastId).padStart(10, '0')}`;
        state.lumpSums[unique_id] = {
          id,
          unique_id,
          user_id: record.user_id as string,
          total_amount: record.total_amount as string,
          currency_id: record.currency_id as string,
          item_id: record.item_id as string,
        };
        return { id, unique_id, code: 0, message: 'success' };
      });
      return larkOk(reply, { operate_results });
    });
  },
};

export default sandbox;
