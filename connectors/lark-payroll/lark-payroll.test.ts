import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { failure, TEST_IDEMPOTENCY_KEY, useNockOnly } from '../../test/support/action-context.js';
import { describeLarkActionContract, LarkConnectorHarness, type LarkActionCase } from '../../test/support/lark-action-contract.js';
import connector from './index.js';
import { KeyedSerialQueue } from '../../src/connector-kit/keyed-serial-queue.js';

// The connection names no baseUrl: the connector must use Lark's default.
const lark = new LarkConnectorHarness(connector);
const DATASOURCES = '/open-apis/payroll/v1/datasources';
const SAVE = '/open-apis/payroll/v1/datasource_records/save';
const LUMP_SUMS = '/open-apis/compensation/v1/lump_sum_payment/batch_create';

function saveInput(sourceCode: string, employmentId: string) {
  return {
    source_code: sourceCode,
    records: [
      {
        active_status: 1,
        field_values: [
          { field_code: 'employment_id', value: employmentId },
          { field_code: 'payroll_period', value: '2024-10' },
          { field_code: 'bonus_amount', value: '1200.50' },
        ],
      },
    ],
  };
}

const bonus = {
  user_id: 'ou_ada',
  total_amount: '2000.00',
  currency_id: 'CNY-1',
  item_id: 'item-bonus',
  binding_period: 0,
  issuance_frequency: 1,
  details: [{ issuance_amount: '2000.00', issuance_status: 'to_be_issued', issuance_way: 'with_salary', issuance_time: '2024-12-01', belong_time: '2024-11-20' }],
};

const datasource = {
  code: 'bonus__c',
  active_status: 1,
  data_period_type: 1,
  i18n_names: [{ locale: 'en_us', value: 'Bonus' }],
  fields: [{ code: 'bonus_amount', field_type: 1, active_status: 1, decimal_places: 2 }],
};

const cases: LarkActionCase[] = [
  {
    action: 'datasources.list',
    input: { page_size: 20, page_token: 'p1' },
    request: { method: 'GET', path: DATASOURCES, query: { page_size: '20', page_token: 'p1' } },
    data: { datasources: [datasource], has_more: true, page_token: 'p2' },
    output: { items: [datasource], has_more: true, page_token: 'p2' },
  },
  {
    action: 'datasource_records.save',
    input: saveInput('bonus__c', 'E100'),
    request: { method: 'POST', path: SAVE, body: saveInput('bonus__c', 'E100') },
    data: { affect_counts: '1' },
    output: { affect_counts: 1 },
  },
  {
    action: 'lump_sum.batch_create',
    input: { user_id_type: 'people_corehr_id', records: [{ ...bonus, unique_id: 'bonus-2024-ada' }] },
    request: {
      method: 'POST',
      path: LUMP_SUMS,
      query: { user_id_type: 'people_corehr_id' },
      body: { records: [{ ...bonus, unique_id: 'bonus-2024-ada' }] },
    },
    data: { operate_results: [{ id: 'ls-1', unique_id: 'bonus-2024-ada', code: 0, message: 'success' }] },
    output: { succeeded: [{ index: 0, unique_id: 'bonus-2024-ada', user_id: 'ou_ada', id: 'ls-1', alreadyExists: false }], failed: [] },
  },
];

describe('lark-payroll connector', () => {
  useNockOnly();

  describeLarkActionContract(lark, cases, { refusal: { httpStatus: 400, code: 2500002, msg: 'param invalid' } });

  describe('datasources.list', () => {
    it('walks every page with all: true, 100 datasources a page unless told otherwise', async () => {
      const { context } = lark.appWithToken('t-A');
      const list = () => nock(lark.baseUrl).get(DATASOURCES);
      list().query({ page_size: '100' }).reply(200, { code: 0, data: { datasources: [{ ...datasource, code: 'a__c' }], has_more: true, page_token: 'p2' } });
      list().query({ page_size: '100', page_token: 'p2' }).reply(200, { code: 0, data: { datasources: [{ ...datasource, code: 'b__c' }], has_more: true, page_token: 'p3' } });
      list().query({ page_size: '100', page_token: 'p3' }).reply(200, { code: 0, data: { datasources: [{ ...datasource, code: 'c__c' }], has_more: false } });
      const result = (await lark.run('datasources.list', { all: true }, context)) as { items: { code: string }[]; has_more: boolean };
      expect(result.items.map((d) => d.code)).toEqual(['a__c', 'b__c', 'c__c']);
      expect(result.has_more).toBe(false);
    });
  });

  describe('datasource_records.save', () => {
    it('sends concurrent saves to one datasource one after the other', async () => {
      const { context } = lark.appWithToken('t-A');
      const events: string[] = [];
      let releaseFirst!: () => void;
      const firstHeld = new Promise<void>((resolve) => (releaseFirst = resolve));
      nock(lark.baseUrl)
        .post(SAVE, saveInput('bonus__c', 'E1'))
        .reply(async () => {
          events.push('first arrived');
          // Long enough for an unserialised second save to reach the server meanwhile.
          setTimeout(releaseFirst, 150);
          await firstHeld;
          events.push('first answered');
          return [200, { code: 0, data: { affect_counts: '1' } }];
        });
      nock(lark.baseUrl)
        .post(SAVE, saveInput('bonus__c', 'E2'))
        .reply(() => {
          events.push('second arrived');
          return [200, { code: 0, data: { affect_counts: '1' } }];
        });
      const results = await Promise.all([lark.run('datasource_records.save', saveInput('bonus__c', 'E1'), context), lark.run('datasource_records.save', saveInput('bonus__c', 'E2'), context)]);
      expect(results).toEqual([{ affect_counts: 1 }, { affect_counts: 1 }]);
      expect(events).toEqual(['first arrived', 'first answered', 'second arrived']);
    });

    it('lets saves to different datasources overlap', async () => {
      const { context } = lark.appWithToken('t-A');
      let overtimeArrived!: () => void;
      const overtimeArrival = new Promise<void>((resolve) => (overtimeArrived = resolve));
      nock(lark.baseUrl)
        .post(SAVE, saveInput('bonus__c', 'E1'))
        .reply(async () => {
          // Answers only once the other datasource's save has reached the server.
          await overtimeArrival;
          return [200, { code: 0, data: { affect_counts: '1' } }];
        });
      nock(lark.baseUrl)
        .post(SAVE, saveInput('overtime__c', 'E1'))
        .reply(() => {
          overtimeArrived();
          return [200, { code: 0, data: { affect_counts: '0' } }];
        });
      const results = await Promise.all([
        lark.run('datasource_records.save', saveInput('bonus__c', 'E1'), context),
        lark.run('datasource_records.save', saveInput('overtime__c', 'E1'), context),
      ]);
      expect(results).toEqual([{ affect_counts: 1 }, { affect_counts: 0 }]);
    });

    it('goes on with the next queued save when one fails', async () => {
      const { context } = lark.appWithToken('t-A');
      nock(lark.baseUrl).post(SAVE, saveInput('bonus__c', 'E1')).reply(200, { code: 2500015, msg: 'records0 data entity E1 not exists' });
      nock(lark.baseUrl).post(SAVE, saveInput('bonus__c', 'E2')).reply(200, { code: 0, data: { affect_counts: '1' } });
      const [first, second] = await Promise.allSettled([
        lark.run('datasource_records.save', saveInput('bonus__c', 'E1'), context),
        lark.run('datasource_records.save', saveInput('bonus__c', 'E2'), context),
      ]);
      expect(first).toMatchObject({ status: 'rejected', reason: { vendorCode: 2500015, category: 'client' } });
      expect(second).toEqual({ status: 'fulfilled', value: { affect_counts: 1 } });
    });

    it('waits and saves again when another writer holds the datasource, and gives up after the client attempts', async () => {
      const { context } = lark.appWithToken('t-A');
      const locked = { code: 2500021, msg: 'The data source is writing data, acquiring lock failed' };
      nock(lark.baseUrl).post(SAVE).reply(200, locked).post(SAVE).reply(200, { code: 0, data: { affect_counts: '1' } });
      expect(await lark.run('datasource_records.save', saveInput('bonus__c', 'E1'), context)).toEqual({ affect_counts: 1 });

      nock(lark.baseUrl).post(SAVE).times(3).reply(200, locked);
      const err = await failure(lark.run('datasource_records.save', saveInput('bonus__c', 'E1'), context));
      expect(err).toMatchObject({ vendorCode: 2500021, category: 'rate_limit', retryAfterMs: 1000 });
    });
  });

  describe('lump_sum.batch_create', () => {
    it('derives missing unique_ids from the idempotency key and splits the per-record results', async () => {
      const { context } = lark.appWithToken('t-A');
      const records = [
        { ...bonus, unique_id: 'given-0' },
        { ...bonus, user_id: 'ou_bo' },
        { ...bonus, user_id: 'ou_gone' },
      ];
      nock(lark.baseUrl)
        .post(LUMP_SUMS, { records: [records[0], { ...records[1], unique_id: `${TEST_IDEMPOTENCY_KEY}-1` }, { ...records[2], unique_id: `${TEST_IDEMPOTENCY_KEY}-2` }] })
        .query({ user_id_type: 'open_id' })
        .reply(200, {
          code: 0,
          data: {
            operate_results: [
              { id: 'ls-9', unique_id: `${TEST_IDEMPOTENCY_KEY}-1`, code: 21270202, message: 'unique id conflict' },
              { unique_id: `${TEST_IDEMPOTENCY_KEY}-2`, code: 21270223, message: 'Employee does not exist' },
              { id: 'ls-8', unique_id: 'given-0', code: 0, message: 'success' },
            ],
          },
        });
      expect(await lark.run('lump_sum.batch_create', { records }, context)).toEqual({
        succeeded: [
          { index: 0, unique_id: 'given-0', user_id: 'ou_ada', id: 'ls-8', alreadyExists: false },
          { index: 1, unique_id: `${TEST_IDEMPOTENCY_KEY}-1`, user_id: 'ou_bo', id: 'ls-9', alreadyExists: true },
        ],
        failed: [{ index: 2, unique_id: `${TEST_IDEMPOTENCY_KEY}-2`, user_id: 'ou_gone', code: 21270223, message: 'Employee does not exist' }],
      });
    });

    it('sends the same unique_ids again on a retry of the step', async () => {
      const { context: first } = lark.appWithToken('t-A');
      const retry = { ...first, attempt: 2 };
      const expected = { records: [{ ...bonus, unique_id: `${TEST_IDEMPOTENCY_KEY}-0` }] };
      nock(lark.baseUrl).post(LUMP_SUMS, expected).query(true).reply(200, { code: 0, data: { operate_results: [{ id: 'ls-1', unique_id: `${TEST_IDEMPOTENCY_KEY}-0`, code: 0 }] } });
      nock(lark.baseUrl).post(LUMP_SUMS, expected).query(true).reply(200, { code: 0, data: { operate_results: [{ id: 'ls-1', unique_id: `${TEST_IDEMPOTENCY_KEY}-0`, code: 21270202 }] } });
      await lark.run('lump_sum.batch_create', { records: [bonus] }, first);
      const again = (await lark.run('lump_sum.batch_create', { records: [bonus] }, retry)) as { succeeded: { alreadyExists: boolean }[] };
      expect(again.succeeded).toEqual([{ index: 0, unique_id: `${TEST_IDEMPOTENCY_KEY}-0`, user_id: 'ou_ada', id: 'ls-1', alreadyExists: true }]);
    });

    it('fails retryably when Lark leaves a record without a result', async () => {
      const { context } = lark.appWithToken('t-A');
      nock(lark.baseUrl).post(LUMP_SUMS).query(true).reply(200, { code: 0, data: { operate_results: [] } });
      const err = await failure(lark.run('lump_sum.batch_create', { records: [bonus] }, context));
      expect(err).toMatchObject({ code: 'lark.lump_sum_result_missing', category: 'server' });
    });
  });
});

describe('KeyedSerialQueue', () => {
  it('runs tasks of one key in order and forgets the key once they are done', async () => {
    const queue = new KeyedSerialQueue();
    const order: string[] = [];
    const task = (name: string) => async () => {
      order.push(`${name} start`);
      await new Promise((resolve) => setImmediate(resolve));
      order.push(`${name} end`);
      return name;
    };
    const results = await Promise.all([queue.run('k', task('a')), queue.run('k', task('b'))]);
    expect(results).toEqual(['a', 'b']);
    expect(order).toEqual(['a start', 'a end', 'b start', 'b end']);
    await new Promise((resolve) => setImmediate(resolve));
    expect(queue.busyKeys).toBe(0);
  });

  it('does not start a queued task whose signal was aborted while it waited', async () => {
    const queue = new KeyedSerialQueue();
    const controller = new AbortController();
    let started = false;
    const first = queue.run('k', () => new Promise((resolve) => setImmediate(resolve)));
    const second = queue.run('k', async () => {
      started = true;
    }, controller.signal);
    controller.abort();
    await first;
    await expect(second).rejects.toThrow();
    expect(started).toBe(false);
  });
});
