import { describe, expect, it } from 'vitest';
import { withLarkToken, type LarkSandboxSession } from '../../test/support/lark-sandbox.js';
import { emptyCompany, sandboxStarter } from '../../test/support/sandbox-session.js';
import { FIELD_TYPE, matchesCondition, matchesFilter, type FilterCondition } from './sandbox-filter.js';
import { SANDBOX_APP_TOKEN } from './sandbox.js';

const EMPLOYEES = `/open-apis/bitable/v1/apps/${SANDBOX_APP_TOKEN}/tables/tblEmployees`;
const REVIEWS = `/open-apis/bitable/v1/apps/${SANDBOX_APP_TOKEN}/tables/tblReviews`;
const TOKEN_A = '3f1d2c4b-5a6e-4f70-8a9b-0c1d2e3f4a5b';
const TOKEN_B = '7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d';

const startSandbox = sandboxStarter(emptyCompany('Acme'), Date.parse('2024-06-03T09:00:00Z'));

/** The sandbox on a clock the test moves, with a tenant token at hand. */
async function bitableSandbox(): Promise<LarkSandboxSession> {
  return withLarkToken(await startSandbox());
}

async function createReviews(call: LarkSandboxSession['call'], rows: Record<string, unknown>[]) {
  const created = await call('POST', `${REVIEWS}/records/batch_create`, { records: rows.map((fields) => ({ fields })) });
  expect(created.body.code).toBe(0);
  return (created.body.data!.records as { record_id: string }[]).map((r) => r.record_id);
}

describe('bitable filter', () => {
  const day = Date.parse('2024-06-03T00:00:00Z');
  it.each<[string, unknown, FilterCondition, number, boolean]>([
    ['is on text', 'Ada', { field_name: 'f', operator: 'is', value: ['Ada'] }, FIELD_TYPE.text, true],
    ['is on text, other value', 'Ada', { field_name: 'f', operator: 'is', value: ['Bo'] }, FIELD_TYPE.text, false],
    ['is on a number', 4.5, { field_name: 'f', operator: 'is', value: ['4.5'] }, FIELD_TYPE.number, true],
    ['is on a checkbox', false, { field_name: 'f', operator: 'is', value: ['false'] }, FIELD_TYPE.checkbox, true],
    ['is on a date: the same day', day + 3_600_000, { field_name: 'f', operator: 'is', value: ['ExactDate', String(day)] }, FIELD_TYPE.date, true],
    ['is on a date: another day', day + 86_400_000, { field_name: 'f', operator: 'is', value: ['ExactDate', String(day)] }, FIELD_TYPE.date, false],
    ['is on a multi-select: the same options', ['a', 'b'], { field_name: 'f', operator: 'is', value: ['b', 'a'] }, FIELD_TYPE.multiSelect, true],
    ['isNot', 'Ada', { field_name: 'f', operator: 'isNot', value: ['Bo'] }, FIELD_TYPE.text, true],
    ['contains on text', 'Ada Lovelace', { field_name: 'f', operator: 'contains', value: ['Love'] }, FIELD_TYPE.text, true],
    ['contains on a multi-select', ['x', 'y'], { field_name: 'f', operator: 'contains', value: ['y'] }, FIELD_TYPE.multiSelect, true],
    ['doesNotContain', 'Ada', { field_name: 'f', operator: 'doesNotContain', value: ['Bo'] }, FIELD_TYPE.text, true],
    ['isEmpty on a missing cell', undefined, { field_name: 'f', operator: 'isEmpty' }, FIELD_TYPE.text, true],
    ['isEmpty on an empty multi-select', [], { field_name: 'f', operator: 'isEmpty' }, FIELD_TYPE.multiSelect, true],
    ['isNotEmpty', 'x', { field_name: 'f', operator: 'isNotEmpty' }, FIELD_TYPE.text, true],
    ['isGreater', 10, { field_name: 'f', operator: 'isGreater', value: ['9.5'] }, FIELD_TYPE.number, true],
    ['isGreater, equal', 10, { field_name: 'f', operator: 'isGreater', value: ['10'] }, FIELD_TYPE.number, false],
    ['isGreaterEqual', 10, { field_name: 'f', operator: 'isGreaterEqual', value: ['10'] }, FIELD_TYPE.number, true],
    ['isLess on a date', day, { field_name: 'f', operator: 'isLess', value: ['ExactDate', String(day + 1)] }, FIELD_TYPE.date, true],
    ['isLessEqual', 3, { field_name: 'f', operator: 'isLessEqual', value: ['3'] }, FIELD_TYPE.number, true],
    ['isLess on an empty cell', undefined, { field_name: 'f', operator: 'isLess', value: ['3'] }, FIELD_TYPE.number, false],
  ])('%s', (_name, cell, condition, type, expected) => {
    expect(matchesCondition(cell, condition, type)).toBe(expected);
  });

  it('combines conditions and child groups with and/or', () => {
    const typeOf = () => FIELD_TYPE.text;
    const fields = { a: '1', b: '2' };
    const is = (field_name: string, value: string): FilterCondition => ({ field_name, operator: 'is', value: [value] });
    expect(matchesFilter({ conjunction: 'and', conditions: [is('a', '1'), is('b', '3')] }, fields, typeOf)).toBe(false);
    expect(matchesFilter({ conjunction: 'or', conditions: [is('a', '1'), is('b', '3')] }, fields, typeOf)).toBe(true);
    expect(matchesFilter({ conjunction: 'and', conditions: [is('a', '1')], children: [{ conjunction: 'or', conditions: [is('b', '9'), is('b', '2')] }] }, fields, typeOf)).toBe(true);
    expect(matchesFilter({ conjunction: 'and' }, fields, typeOf)).toBe(true);
  });
});

describe('lark-bitable sandbox', () => {
  it('refuses a call without a live tenant token with 99991663', async () => {
    const { app } = await bitableSandbox();
    const response = await app.inject({ method: 'POST', url: `${EMPLOYEES}/records/search`, payload: {} });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 99991663 });
  });

  it('answers 1254040 for an unknown app and 1254041 for an unknown table', async () => {
    const { call } = await bitableSandbox();
    expect((await call('POST', '/open-apis/bitable/v1/apps/bascnNope/tables/tblEmployees/records/search', {})).body.code).toBe(1254040);
    expect((await call('GET', `/open-apis/bitable/v1/apps/${SANDBOX_APP_TOKEN}/tables/tblNope/fields`)).body.code).toBe(1254041);
  });

  it('creates records with ids and finds them with filter, sort and field_names', async () => {
    const { call } = await bitableSandbox();
    const ids = await createReviews(call, [
      { 'Employment ID': 'E1', Cycle: '2024H1', Score: 3.5, Calibrated: true },
      { 'Employment ID': 'E2', Cycle: '2024H1', Score: 4.5 },
      { 'Employment ID': 'E3', Cycle: '2023H2', Score: 4.8 },
    ]);
    expect(new Set(ids).size).toBe(3);
    const found = await call('POST', `${REVIEWS}/records/search`, {
      field_names: ['Employment ID', 'Score'],
      sort: [{ field_name: 'Score', desc: true }],
      filter: { conjunction: 'and', conditions: [{ field_name: 'Cycle', operator: 'is', value: ['2024H1'] }, { field_name: 'Score', operator: 'isGreater', value: ['3'] }] },
    });
    expect(found.body).toMatchObject({ code: 0, data: { has_more: false, total: 2 } });
    expect(found.body.data!.items).toEqual([
      { record_id: ids[1], fields: { 'Employment ID': 'E2', Score: 4.5 } },
      { record_id: ids[0], fields: { 'Employment ID': 'E1', Score: 3.5 } },
    ]);
  });

  it('refuses a bad filter, sort or field_names with their codes', async () => {
    const { call } = await bitableSandbox();
    const search = (body: object) => call('POST', `${REVIEWS}/records/search`, body).then((r) => r.body.code);
    expect(await search({ filter: { conjunction: 'xor', conditions: [] } })).toBe(1254018);
    expect(await search({ filter: { conjunction: 'and', conditions: [{ field_name: 'Cycle', operator: 'like', value: ['x'] }] } })).toBe(1254018);
    const tooMany = Array.from({ length: 51 }, () => ({ field_name: 'Cycle', operator: 'isNotEmpty' }));
    expect(await search({ filter: { conjunction: 'and', conditions: tooMany } })).toBe(1254018);
    expect(await search({ filter: { conjunction: 'and', conditions: [{ field_name: 'Nope', operator: 'isEmpty' }] } })).toBe(1254045);
    expect(await search({ sort: [{ field_name: 'Nope' }] })).toBe(1254016);
    expect(await search({ field_names: ['Nope'] })).toBe(1254024);
  });

  it('pages search results and refuses page_size above 500', async () => {
    const { call } = await bitableSandbox();
    const ids = await createReviews(call, ['a', 'b', 'c', 'd', 'e'].map((cycle) => ({ Cycle: cycle })));
    const seen: string[] = [];
    let pageToken: string | undefined;
    let pages = 0;
    do {
      const answer = await call('POST', `${REVIEWS}/records/search?page_size=2${pageToken ? `&page_token=${pageToken}` : ''}`, {});
      const data = answer.body.data as { items: { record_id: string }[]; has_more: boolean; page_token?: string };
      seen.push(...data.items.map((item) => item.record_id));
      pageToken = data.has_more ? data.page_token : undefined;
      pages++;
    } while (pageToken);
    expect([pages, seen]).toEqual([3, ids]);
    const tooBig = await call('POST', `${REVIEWS}/records/search?page_size=501`, {});
    expect([tooBig.status, tooBig.body.code]).toEqual([400, 99992402]);
    expect((await call('POST', `${REVIEWS}/records/search?page_size=500`, {})).body.code).toBe(0);
  });

  it('refuses creates and updates of more than 1,000 records and deletes of more than 500 with 1254104, writing nothing', async () => {
    const { call } = await bitableSandbox();
    const many = Array.from({ length: 1001 }, () => ({ fields: { Cycle: 'x' } }));
    expect((await call('POST', `${REVIEWS}/records/batch_create`, { records: many })).body.code).toBe(1254104);
    expect((await call('POST', `${REVIEWS}/records/batch_update`, { records: many.map((r, i) => ({ ...r, record_id: `r${i}` })) })).body.code).toBe(1254104);
    expect((await call('POST', `${REVIEWS}/records/batch_delete`, { records: many.slice(0, 501).map((_, i) => `r${i}`) })).body.code).toBe(1254104);
    expect((await call('POST', `${REVIEWS}/records/search?page_size=1`, {})).body.data).toMatchObject({ total: 0 });
    expect((await call('POST', `${REVIEWS}/records/batch_create`, { records: many.slice(0, 1000) })).body.code).toBe(0);
    expect((await call('POST', `${REVIEWS}/records/search?page_size=1`, {})).body.data).toMatchObject({ total: 1000 });
    expect((await call('POST', `${REVIEWS}/records/batch_delete`, { records: many.slice(0, 500).map((_, i) => `r${i}`) })).body.code).toBe(0);
  });

  it('refuses unknown fields and values of the wrong type, creating none of the batch', async () => {
    const { call } = await bitableSandbox();
    const create = (fields: object) => call('POST', `${REVIEWS}/records/batch_create`, { records: [{ fields: { Cycle: 'ok' } }, { fields }] }).then((r) => r.body.code);
    expect(await create({ Nope: 'x' })).toBe(1254045);
    expect(await create({ Score: '4' })).toBe(1254061);
    expect(await create({ Calibrated: 'yes' })).toBe(1254065);
    expect(await create({ Cycle: 7 })).toBe(1254060);
    expect((await call('POST', `${EMPLOYEES}/records/batch_create`, { records: [{ fields: { 'Hire date': '2024-01-01' } }] })).body.code).toBe(1254064);
    expect((await call('POST', `${REVIEWS}/records/search`, {})).body.data).toMatchObject({ total: 0 });
  });

  it('answers a repeated client_token with the first result and writes once', async () => {
    const { call } = await bitableSandbox();
    const body = { records: [{ fields: { 'Employment ID': 'E1' } }] };
    const first = await call('POST', `${REVIEWS}/records/batch_create?client_token=${TOKEN_A}`, body);
    const again = await call('POST', `${REVIEWS}/records/batch_create?client_token=${TOKEN_A}`, body);
    expect(again.body.data).toEqual(first.body.data);
    expect((await call('POST', `${REVIEWS}/records/search`, {})).body.data).toMatchObject({ total: 1 });

    const conflict = await call('POST', `${REVIEWS}/records/batch_create?client_token=${TOKEN_A}`, { records: [{ fields: { 'Employment ID': 'E2' } }] });
    expect([conflict.status, conflict.body.code]).toEqual([400, 1255006]);
    const notUuid = await call('POST', `${REVIEWS}/records/batch_create?client_token=retry-1`, body);
    expect([notUuid.status, notUuid.body.code]).toEqual([400, 99992402]);
  });

  it('updates only the fields given, clears null ones, and honours client_token', async () => {
    const { call } = await bitableSandbox();
    const [id] = await createReviews(call, [{ 'Employment ID': 'E1', Cycle: '2024H1', Score: 3 }]);
    const update = { records: [{ record_id: id, fields: { Score: 4, Cycle: null } }] };
    const updated = await call('POST', `${REVIEWS}/records/batch_update?client_token=${TOKEN_B}`, update);
    expect(updated.body.data).toEqual({ records: [{ record_id: id, fields: { 'Employment ID': 'E1', Score: 4 } }] });
    expect((await call('POST', `${REVIEWS}/records/batch_update?client_token=${TOKEN_B}`, update)).body.data).toEqual(updated.body.data);
    const missing = await call('POST', `${REVIEWS}/records/batch_update`, { records: [{ record_id: id, fields: { Score: 5 } }, { record_id: 'recGone', fields: {} }] });
    expect(missing.body.code).toBe(1254043);
    const found = await call('POST', `${REVIEWS}/records/search`, {});
    expect(found.body.data!.items).toEqual([{ record_id: id, fields: { 'Employment ID': 'E1', Score: 4 } }]);
  });

  it('deletes records and answers deleted: false for ids already gone', async () => {
    const { call } = await bitableSandbox();
    const [id] = await createReviews(call, [{ Cycle: 'x' }]);
    const deleted = await call('POST', `${REVIEWS}/records/batch_delete`, { records: [id, 'recGone'] });
    expect(deleted.body.data).toEqual({ records: [{ record_id: id, deleted: true }, { record_id: 'recGone', deleted: false }] });
    expect((await call('POST', `${REVIEWS}/records/search`, {})).body.data).toMatchObject({ total: 0 });
  });

  it('lists the seeded fields page by page and refuses page_size above 100', async () => {
    const { call } = await bitableSandbox();
    const first = await call('GET', `${EMPLOYEES}/fields?page_size=5`);
    const data = first.body.data as { items: { field_name: string; type: number; is_primary: boolean }[]; has_more: boolean; page_token: string; total: number };
    expect(data).toMatchObject({ has_more: true, total: 8 });
    expect(data.items[0]).toMatchObject({ field_name: 'Employment ID', type: 1, is_primary: true });
    const rest = await call('GET', `${EMPLOYEES}/fields?page_size=5&page_token=${data.page_token}`);
    expect(rest.body.data).toMatchObject({ has_more: false });
    expect((rest.body.data!.items as { field_name: string }[]).map((f) => f.field_name)).toEqual(['Work location', 'Hire date', 'Status']);
    expect((await call('GET', `${EMPLOYEES}/fields?page_size=101`)).body.code).toBe(99992402);
  });

  it('creates a table with its fields, ready for records', async () => {
    const { call } = await bitableSandbox();
    const created = await call('POST', `/open-apis/bitable/v1/apps/${SANDBOX_APP_TOKEN}/tables`, {
      table: { name: 'Headcount', fields: [{ field_name: 'Department', type: 1 }, { field_name: 'Headcount', type: 2 }] },
    });
    const { table_id, field_id_list } = created.body.data as { table_id: string; field_id_list: string[] };
    expect(field_id_list).toHaveLength(2);
    const table = `/open-apis/bitable/v1/apps/${SANDBOX_APP_TOKEN}/tables/${table_id}`;
    expect((await call('POST', `${table}/records/batch_create`, { records: [{ fields: { Department: 'R&D', Headcount: 12 } }] })).body.code).toBe(0);
    expect((await call('POST', `/open-apis/bitable/v1/apps/${SANDBOX_APP_TOKEN}/tables`, { table: { fields: [] } })).body.code).toBe(1254001);
  });

  it.each([
    ['records/search', 'POST', 20, {}],
    ['records/batch_create', 'POST', 50, { records: [{ fields: { Cycle: 'x' } }] }],
    ['records/batch_update', 'POST', 50, { records: [{ record_id: 'recGone', fields: {} }] }],
    ['records/batch_delete', 'POST', 50, { records: ['recGone'] }],
    ['fields', 'GET', 20, undefined],
  ] as const)('limits %s to %i requests a second with 429 and Lark rate-limit headers', async (endpoint, method, limit, body) => {
    const { call, tick } = await bitableSandbox();
    for (let i = 0; i < limit; i++) expect((await call(method, `${REVIEWS}/${endpoint}`, body)).status).not.toBe(429);
    const limited = await call(method, `${REVIEWS}/${endpoint}`, body);
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ code: 99991400 });
    expect(limited.headers).toMatchObject({ 'x-ogw-ratelimit-limit': String(limit), 'x-ogw-ratelimit-reset': '1' });
    tick(1000);
    expect((await call(method, `${REVIEWS}/${endpoint}`, body)).status).not.toBe(429);
  });

  it('limits table creation to 10 requests a second', async () => {
    const { call, tick } = await bitableSandbox();
    const create = () => call('POST', `/open-apis/bitable/v1/apps/${SANDBOX_APP_TOKEN}/tables`, { table: { name: 'T' } });
    for (let i = 0; i < 10; i++) expect((await create()).body.code).toBe(0);
    expect((await create()).status).toBe(429);
    tick(1000);
    expect((await create()).body.code).toBe(0);
  });
});

describe('lark-bitable sandbox: state and seed', () => {
  it('answers its state from the first request: the seeded app and tables, no records or client tokens', async () => {
    const s = await startSandbox();
    const response = await s.app.inject({ method: 'GET', url: '/_sandbox/state?connector=lark-bitable' });
    expect(response.statusCode).toBe(200);
    const state = response.json().connectors['lark-bitable'];
    expect(state.clientTokens).toEqual({});
    expect(Object.keys(state.apps[SANDBOX_APP_TOKEN].tables)).toEqual(['tblEmployees', 'tblReviews', 'tblTalentReview', 'tblBonus', 'tblTalentHistory']);
    expect(state.apps[SANDBOX_APP_TOKEN].tables.tblReviews.records).toEqual({});
  });

  it('lists its apps and tables in the seed, with their fields and how many records they hold', async () => {
    const { call, app } = await bitableSandbox();
    await createReviews(call, [{ 'Employment ID': 'E1' }]);
    const tables = (await app.inject({ method: 'GET', url: '/_sandbox/seed?section=bitable_tables' })).json<{ connector: string; items: Record<string, unknown>[] }>();
    expect(tables.connector).toBe('lark-bitable');
    expect(tables.items).toEqual([
      expect.objectContaining({ app_token: SANDBOX_APP_TOKEN, table_id: 'tblEmployees', name: 'Employees', records: 0 }),
      { app_token: SANDBOX_APP_TOKEN, app_name: 'Staffwire sandbox', table_id: 'tblReviews', name: 'Performance reviews', records: 1, fields: ['Employment ID', 'Cycle', 'Rating', 'Score', 'Calibrated'] },
      expect.objectContaining({ table_id: 'tblTalentReview', name: 'Talent review', records: 0 }),
      expect.objectContaining({ table_id: 'tblBonus', name: 'Bonus allocation', records: 0 }),
      expect.objectContaining({ table_id: 'tblTalentHistory', name: 'Talent history', records: 0 }),
    ]);
  });
});
