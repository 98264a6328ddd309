import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { failure, TEST_IDEMPOTENCY_KEY, useNockOnly } from '../../test/support/action-context.js';
import { describeLarkActionContract, LarkConnectorHarness, type LarkActionCase } from '../../test/support/lark-action-contract.js';
import connector from './index.js';

// The connection names no baseUrl: the connector must use Lark's default.
const lark = new LarkConnectorHarness(connector);
const TABLE = '/open-apis/bitable/v1/apps/bascnHR/tables/tblPeople';

const record = { record_id: 'recA1', fields: { 'Employment ID': 'E100', Name: 'Ada' } };

const cases: LarkActionCase[] = [
  {
    action: 'records.search',
    input: {
      app_token: 'bascnHR',
      table_id: 'tblPeople',
      view_id: 'vewAll',
      field_names: ['Employment ID', 'Name'],
      sort: [{ field_name: 'Name', desc: true }],
      filter: { conjunction: 'and', conditions: [{ field_name: 'Status', operator: 'is', value: ['Active'] }] },
      user_id_type: 'open_id',
      page_size: 100,
      page_token: 'p1',
    },
    request: {
      method: 'POST',
      path: `${TABLE}/records/search`,
      query: { user_id_type: 'open_id', page_size: '100', page_token: 'p1' },
      body: {
        view_id: 'vewAll',
        field_names: ['Employment ID', 'Name'],
        sort: [{ field_name: 'Name', desc: true }],
        filter: { conjunction: 'and', conditions: [{ field_name: 'Status', operator: 'is', value: ['Active'] }] },
      },
    },
    data: { items: [record], has_more: true, page_token: 'p2', total: 3 },
    output: { items: [record], has_more: true, page_token: 'p2', total: 3 },
  },
  {
    action: 'records.batch_create',
    input: { app_token: 'bascnHR', table_id: 'tblPeople', records: [{ fields: record.fields }], user_id_type: 'user_id' },
    request: { method: 'POST', path: `${TABLE}/records/batch_create`, query: { user_id_type: 'user_id', client_token: TEST_IDEMPOTENCY_KEY }, body: { records: [{ fields: record.fields }] } },
    data: { records: [record] },
    output: { records: [record] },
  },
  {
    action: 'records.batch_update',
    input: { app_token: 'bascnHR', table_id: 'tblPeople', records: [{ record_id: 'recA1', fields: { Name: 'Ada L.' } }], ignore_consistency_check: true },
    request: {
      method: 'POST',
      path: `${TABLE}/records/batch_update`,
      query: { ignore_consistency_check: 'true', client_token: TEST_IDEMPOTENCY_KEY },
      body: { records: [{ record_id: 'recA1', fields: { Name: 'Ada L.' } }] },
    },
    data: { records: [{ record_id: 'recA1', fields: { Name: 'Ada L.' } }] },
    output: { records: [{ record_id: 'recA1', fields: { Name: 'Ada L.' } }] },
  },
  {
    action: 'records.batch_delete',
    input: { app_token: 'bascnHR', table_id: 'tblPeople', records: ['recA1', 'recGone'] },
    request: { method: 'POST', path: `${TABLE}/records/batch_delete`, body: { records: ['recA1', 'recGone'] } },
    data: { records: [{ record_id: 'recA1', deleted: true }, { record_id: 'recGone', deleted: false }] },
    output: { records: [{ record_id: 'recA1', deleted: true }, { record_id: 'recGone', deleted: false }] },
  },
  {
    action: 'fields.list',
    input: { app_token: 'bascnHR', table_id: 'tblPeople', view_id: 'vewAll', page_size: 50 },
    request: { method: 'GET', path: `${TABLE}/fields`, query: { view_id: 'vewAll', page_size: '50' } },
    data: { items: [{ field_id: 'fld1', field_name: 'Name', type: 1, is_primary: true }], has_more: false, total: 1 },
    output: { items: [{ field_id: 'fld1', field_name: 'Name', type: 1, is_primary: true }], has_more: false, total: 1 },
  },
];

describe('lark-bitable connector', () => {
  useNockOnly();

  describeLarkActionContract(lark, cases, { refusal: { httpStatus: 200, code: 1254045, msg: 'FieldNameNotFound' } });

  it('walks every page of records/search with all: true, keeping the filter in each request', async () => {
    const { context } = lark.appWithToken('t-A');
    const body = { filter: { conjunction: 'or', conditions: [{ field_name: 'Status', operator: 'isNotEmpty' }] } };
    const search = () => nock(lark.baseUrl).post(`${TABLE}/records/search`, body);
    search().query({ page_size: '2' }).reply(200, { code: 0, data: { items: [{ record_id: 'r1', fields: {} }, { record_id: 'r2', fields: {} }], has_more: true, page_token: 'pt2' } });
    search().query({ page_size: '2', page_token: 'pt2' }).reply(200, { code: 0, data: { items: [{ record_id: 'r3', fields: {} }, { record_id: 'r4', fields: {} }], has_more: true, page_token: 'pt3' } });
    search().query({ page_size: '2', page_token: 'pt3' }).reply(200, { code: 0, data: { items: [{ record_id: 'r5', fields: {} }], has_more: false } });
    const result = await lark.run('records.search', { app_token: 'bascnHR', table_id: 'tblPeople', ...body, page_size: 2, all: true }, context);
    expect(result).toEqual({ items: ['r1', 'r2', 'r3', 'r4', 'r5'].map((record_id) => ({ record_id, fields: {} })), has_more: false });
  });

  it('asks for 500 records a page when walking every page without a page_size', async () => {
    const { context } = lark.appWithToken('t-A');
    nock(lark.baseUrl).post(`${TABLE}/records/search`, {}).query({ page_size: '500' }).reply(200, { code: 0, data: { items: [], has_more: false } });
    expect(await lark.run('records.search', { app_token: 'bascnHR', table_id: 'tblPeople', all: true }, context)).toEqual({ items: [], has_more: false });
  });

  it('walks every page of the fields list with all: true', async () => {
    const { context } = lark.appWithToken('t-A');
    const fields = () => nock(lark.baseUrl).get(`${TABLE}/fields`);
    fields().query({ page_size: '100' }).reply(200, { code: 0, data: { items: [{ field_id: 'f1', field_name: 'A', type: 1 }], has_more: true, page_token: 'f2' } });
    fields().query({ page_size: '100', page_token: 'f2' }).reply(200, { code: 0, data: { items: [{ field_id: 'f2', field_name: 'B', type: 2 }], has_more: true, page_token: 'f3' } });
    fields().query({ page_size: '100', page_token: 'f3' }).reply(200, { code: 0, data: { items: [{ field_id: 'f3', field_name: 'C', type: 5 }], has_more: false } });
    const result = await lark.run('fields.list', { app_token: 'bascnHR', table_id: 'tblPeople', all: true }, context);
    expect(result).toEqual({
      items: [
        { field_id: 'f1', field_name: 'A', type: 1 },
        { field_id: 'f2', field_name: 'B', type: 2 },
        { field_id: 'f3', field_name: 'C', type: 5 },
      ],
      has_more: false,
    });
  });

  it('retries a write conflict on the table after about a second, and reports it as retryable when it persists', async () => {
    const { context } = lark.appWithToken('t-A');
    const conflict = { code: 1254291, msg: 'Write conflict' };
    const created = { code: 0, data: { records: [{ record_id: 'rec1', fields: {} }] } };
    nock(lark.baseUrl).post(`${TABLE}/records/batch_create`).query(true).reply(200, conflict).post(`${TABLE}/records/batch_create`).query(true).reply(200, created);
    const input = { app_token: 'bascnHR', table_id: 'tblPeople', records: [{ fields: {} }] };
    expect(await lark.run('records.batch_create', input, context)).toMatchObject({ records: [{ record_id: 'rec1' }] });

    nock(lark.baseUrl).post(`${TABLE}/records/batch_create`).query(true).times(3).reply(200, conflict);
    const err = await failure(lark.run('records.batch_create', input, context));
    expect(err).toMatchObject({ vendorCode: 1254291, category: 'rate_limit', retryAfterMs: 1000 });
  });

  it('escapes app tokens and table ids in the path', async () => {
    const { context } = lark.appWithToken('t-A');
    nock(lark.baseUrl).get('/open-apis/bitable/v1/apps/a%2Fb/tables/t%3F1/fields').reply(200, { code: 0, data: { items: [], has_more: false } });
    expect(await lark.run('fields.list', { app_token: 'a/b', table_id: 't?1' }, context)).toEqual({ items: [], has_more: false });
  });
});
