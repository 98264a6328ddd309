import { describe, expect, it } from 'vitest';
import { compileSchema } from '../../src/schemas.js';
import { failure, useNockOnly } from '../../test/support/action-context.js';
import { describeLarkActionContract, LarkConnectorHarness, larkSuccess, type LarkActionCase } from '../../test/support/lark-action-contract.js';
import connector from './index.js';

const lark = new LarkConnectorHarness(connector, { baseUrl: 'https://open.feishu.test' });

const SEMESTER = { id: '7348736254', year: 2025, type_group: 'Semi-annual', type: 'H1', name: { 'zh-CN': '2025 上半年', 'en-US': '2025 H1' }, progress: 'enabled', start_time: '1735689600000', end_time: '1751327999999' };
const ACTIVITY = { id: '7348736300', semester_id: '7348736254', name: { zh_cn: '2025 上半年绩效', en_us: '2025 H1 review' }, mode: 'performance_review', progress: 'finished' };
const RATING_DATA = {
  user_id: { open_id: 'ou_ada', user_id: 'u-ada' },
  semester_id: '7348736254',
  activity_id: '7348736300',
  stages: [{ stage_id: 'st-leader', stage_type: 'leader_review', records: [{ units: [{ unit_id: 'un-1', data: [{ field_id: 'f-1', indicator_id: 'ind-1', option_id: 'opt-b', submit_time: '1752000000000' }] }] }] }],
};
const OPTIONS_AS_LARK_SPELLS_THEM = [
  { id: 'opt-s', name: { zh_cn: '卓越', en_us: 'Outstanding' }, lable: 'S' },
  { id: 'opt-b', name: { zh_cn: '符合预期', en_us: 'Meets expectations' }, lable: 'B' },
];

const cases: LarkActionCase[] = [
  {
    action: 'semesters.list',
    input: { year: 2025, type: 'H1' },
    request: { method: 'GET', path: '/open-apis/performance/v1/semesters', query: { year: '2025', type: 'H1' } },
    data: { items: [SEMESTER] },
    output: { items: [SEMESTER] },
  },
  {
    action: 'activities.query',
    input: { semester_ids: ['7348736254'] },
    request: { method: 'POST', path: '/open-apis/performance/v2/activity/query', body: { semester_ids: ['7348736254'] } },
    data: { activities: [ACTIVITY] },
    output: { activities: [ACTIVITY] },
  },
  {
    action: 'review_datas.query',
    input: { semester_ids: ['7348736254'], stage_types: ['leader_review'], updated_later_than: 1751328000000, page_size: 20, page_token: 'page-2' },
    request: {
      method: 'POST',
      path: '/open-apis/performance/v2/review_datas/query',
      query: { user_id_type: 'open_id', page_size: '20', page_token: 'page-2' },
      body: { semester_ids: ['7348736254'], stage_types: ['leader_review'], updated_later_than: '1751328000000' },
    },
    data: { datas: [RATING_DATA], has_more: true, page_token: 'page-3' },
    output: { datas: [RATING_DATA], has_more: true, page_token: 'page-3' },
  },
  {
    action: 'indicators.query',
    input: { indicator_ids: ['ind-1'] },
    request: { method: 'POST', path: '/open-apis/performance/v2/indicators/query', body: { indicator_ids: ['ind-1'] } },
    data: { indicators: [{ id: 'ind-1', name: { en_us: 'Overall rating' }, type: 'general_review_item', options: OPTIONS_AS_LARK_SPELLS_THEM }], has_more: false },
    output: {
      indicators: [
        {
          id: 'ind-1',
          name: { en_us: 'Overall rating' },
          type: 'general_review_item',
          options: [
            { id: 'opt-s', name: { zh_cn: '卓越', en_us: 'Outstanding' }, label: 'S' },
            { id: 'opt-b', name: { zh_cn: '符合预期', en_us: 'Meets expectations' }, label: 'B' },
          ],
        },
      ],
      has_more: false,
    },
  },
];

const inputSchema = (action: string) => compileSchema(connector.manifest.actions[action]!.input);

/** The engine's words for an input the schema refuses, as call steps report it before any call. */
function refusal(action: string, input: unknown): string | undefined {
  const validate = inputSchema(action);
  if (validate(input)) return undefined;
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`).join('; ');
}

const ids = (count: number, prefix = 'id') => Array.from({ length: count }, (_, i) => `${prefix}-${i}`);

describe('lark-performance connector', () => {
  useNockOnly();

  describeLarkActionContract(lark, cases, { refusal: { httpStatus: 400, code: 99992402, msg: 'field validation failed' } });

  describe('review_datas.query', () => {
    it('asks for named reviewees in the id type given, without paging parameters unless asked', async () => {
      const { context } = lark.appWithToken('t-A');
      lark
        .expectRequest(
          {
            method: 'POST',
            path: '/open-apis/performance/v2/review_datas/query',
            query: { user_id_type: 'user_id' },
            body: { semester_ids: ['s-1', 's-2'], reviewee_user_ids: ['u-ada', 'u-grace'], stage_ids: ['st-leader'] },
          },
          't-A',
        )
        .reply(200, larkSuccess({ datas: [RATING_DATA], has_more: false, page_token: 'stale' }));
      const input = { semester_ids: ['s-1', 's-2'], reviewee_user_ids: ['u-ada', 'u-grace'], stage_ids: ['st-leader'], user_id_type: 'user_id' };
      expect(await lark.run('review_datas.query', input, context)).toEqual({ datas: [RATING_DATA], has_more: false });
    });

    it('answers an empty page when Lark leaves datas out', async () => {
      const { context } = lark.appWithToken('t-A');
      lark
        .expectRequest({ method: 'POST', path: '/open-apis/performance/v2/review_datas/query', query: { user_id_type: 'open_id' }, body: { semester_ids: ['s-1'], updated_later_than: '0' } }, 't-A')
        .reply(200, larkSuccess({ has_more: false }));
      expect(await lark.run('review_datas.query', { semester_ids: ['s-1'], updated_later_than: 0 }, context)).toEqual({ datas: [], has_more: false });
    });

    it("hands a 429 whose reset is the rest of Lark's minute window to the engine after one request, instead of sleeping through it", async () => {
      const { context } = lark.appWithToken('t-A');
      lark
        .expectRequest({ method: 'POST', path: '/open-apis/performance/v2/review_datas/query', query: { user_id_type: 'open_id' }, body: { semester_ids: ['s-1'], updated_later_than: '5' } }, 't-A')
        .reply(429, { code: 99991400, msg: 'request trigger frequency limit' }, { 'x-ogw-ratelimit-limit': '20', 'x-ogw-ratelimit-reset': '42' });
      const err = await failure(lark.run('review_datas.query', { semester_ids: ['s-1'], updated_later_than: 5 }, context));
      expect(err).toMatchObject({ category: 'rate_limit', retryAfterMs: 42_000, vendorCode: 99991400, httpStatus: 429 });
    });
  });

  it('keeps an option label Lark already spells label, and indicators without options as they are', async () => {
    const { context } = lark.appWithToken('t-A');
    const indicators = [{ id: 'ind-1', options: [{ id: 'opt-a', label: 'A' }, { id: 'opt-x' }] }, { id: 'ind-2', type: 'plus' }];
    lark
      .expectRequest({ method: 'POST', path: '/open-apis/performance/v2/indicators/query', query: { page_size: '50', page_token: 'p-2' }, body: {} }, 't-A')
      .reply(200, larkSuccess({ indicators, has_more: true, page_token: 'p-3' }));
    expect(await lark.run('indicators.query', { page_size: 50, page_token: 'p-2' }, context)).toEqual({ indicators, has_more: true, page_token: 'p-3' });
  });

  it('lists every semester when neither year nor type is given', async () => {
    const { context } = lark.appWithToken('t-A');
    lark.expectRequest({ method: 'GET', path: '/open-apis/performance/v1/semesters' }, 't-A').reply(200, larkSuccess({}));
    expect(await lark.run('semesters.list', {}, context)).toEqual({ items: [] });
  });

  describe("refuses inputs beyond Lark's documented limits before any call", () => {
    it.each([
      ['review_datas.query', { semester_ids: ids(11), updated_later_than: 0 }, '/semester_ids must NOT have more than 10 items'],
      ['review_datas.query', { semester_ids: ['s'], reviewee_user_ids: ids(11) }, '/reviewee_user_ids must NOT have more than 10 items'],
      ['review_datas.query', { semester_ids: ['s'], updated_later_than: 0, stage_ids: ids(51) }, '/stage_ids must NOT have more than 50 items'],
      ['review_datas.query', { semester_ids: ['s'], updated_later_than: 0, stage_types: ['final'] }, '/stage_types/0 must be equal to one of the allowed values'],
      ['review_datas.query', { semester_ids: ['s'] }, "/ must have required property 'reviewee_user_ids'; / must have required property 'updated_later_than'"],
      ['review_datas.query', { reviewee_user_ids: ['ou_ada'] }, "/ must have required property 'semester_ids'"],
      ['review_datas.query', { semester_ids: ['s'], updated_later_than: -1 }, '/updated_later_than must be >= 0'],
      ['activities.query', { semester_ids: ids(11) }, '/semester_ids must NOT have more than 10 items'],
      ['activities.query', { activity_ids: ids(51) }, '/activity_ids must NOT have more than 50 items'],
      ['indicators.query', { indicator_ids: ids(51) }, '/indicator_ids must NOT have more than 50 items'],
      ['semesters.list', { type: 'H3' }, '/type must be equal to one of the allowed values'],
    ])('%s %j', (action, input, message) => {
      expect(refusal(action, input)).toContain(message);
    });

    it('accepts the limits themselves', () => {
      expect(refusal('review_datas.query', { semester_ids: ids(10), reviewee_user_ids: ids(10), stage_ids: ids(50) })).toBeUndefined();
      expect(refusal('activities.query', { semester_ids: ids(10), activity_ids: ids(50) })).toBeUndefined();
      expect(refusal('indicators.query', { indicator_ids: ids(50) })).toBeUndefined();
    });
  });

  it('declares 20 calls a minute for each API, and says the incremental paging is not confirmed by Lark', () => {
    expect(connector.manifest.category).toBe('core-hr');
    const limits = Object.fromEntries((connector.manifest.rateLimits ?? []).map((limit) => [limit.scope, [limit.limit, limit.perSeconds]]));
    for (const action of Object.keys(connector.manifest.actions)) expect(limits[action], action).toEqual([20, 60]);
    expect(connector.manifest.actions['review_datas.query']?.description).toContain('not confirmed by Lark');
    for (const action of Object.values(connector.manifest.actions)) expect(action.sideEffect).toBe(false);
  });

  it('declares the result events with their payloads, and verifies pushes with the shared Lark verifier', async () => {
    const { larkWebhook } = await import('../lark-shared/lark-connection.js');
    expect(connector.webhook).toBe(larkWebhook);
    const changed = compileSchema(connector.manifest.events!['performance.review_data.changed_v2']!.payload);
    expect(changed({ items: [{ user_id: { open_id: 'ou_ada' }, semester_id: 's-1', stage_changes: [{ stage_id: 'st-leader' }] }] })).toBe(true);
    expect(changed({ items: [{ user_id: { open_id: 'ou_ada' } }] })).toBe(false);
    const opened = compileSchema(connector.manifest.events!['performance.stage_task.open_result_v2']!.payload);
    expect(opened({ items: [{ user_id: { open_id: 'ou_ada' }, semester_id: 's-1', open_time: '1752000000000' }] })).toBe(true);
    expect(opened({})).toBe(false);
  });
});
