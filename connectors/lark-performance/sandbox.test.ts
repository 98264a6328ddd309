import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_SANDBOX_CREDENTIALS } from '../../src/sandbox/sandbox-server.js';
import { seedCompany } from '../../src/sandbox/seed-company.js';
import { actionContext, failure, runAction } from '../../test/support/action-context.js';
import { larkCall, larkSandboxConnection, withLarkToken, type LarkSandboxSession } from '../../test/support/lark-sandbox.js';
import { sandboxStarter, seededEmployee } from '../../test/support/sandbox-session.js';
import { WebhookReceiver } from '../../test/sandbox/webhook-receiver.js';
import { verifyLarkWebhook } from '../lark-shared/lark-webhook.js';
import connector from './index.js';
import { RATING_INDICATOR, SEMESTERS, seededRating } from './performance-seed.js';
import { PERFORMANCE_LIMIT_PER_MINUTE, RATINGS_CONTROL_PATH } from './sandbox.js';

const company = seedCompany({ employees: 45, seed: 'performance-sandbox' });
const employees = company.employees;
const [h1, h2, annual] = SEMESTERS as [typeof SEMESTERS[0], typeof SEMESTERS[0], typeof SEMESTERS[0]];
/** After every seeded rating was given (the last within 30 days of 2025's end). */
const NOW = Date.UTC(2026, 2, 2, 9);
const start = sandboxStarter(company, NOW);
const session = async (): Promise<LarkSandboxSession> => withLarkToken(await start());

const REVIEW_DATAS = '/open-apis/performance/v2/review_datas/query';
const ids = (count: number) => Array.from({ length: count }, (_, i) => `id-${i}`);

interface ReviewData {
  user_id: { open_id: string; user_id: string };
  semester_id: string;
  stages: { stage_id: string; stage_type: string; records: { units: { data: { indicator_id: string; option_id: string; submit_time: string }[] }[] }[] }[];
}

const finalRating = (data: ReviewData) => data.stages[0]?.records[0]?.units[0]?.data[0];

describe('lark-performance sandbox', () => {
  it("refuses a call without a live tenant token with Lark's 99991663", async () => {
    const s = await start();
    const response = await larkCall(s, undefined, 'GET', '/open-apis/performance/v1/semesters');
    expect(response).toMatchObject({ status: 400, body: { code: 99991663 } });
  });

  it('lists the seeded review cycles, by year and type', async () => {
    const s = await session();
    const all = await s.call('GET', '/open-apis/performance/v1/semesters');
    expect(all.body.data?.items.map((item: { type: string }) => item.type)).toEqual(['H1', 'H2', 'Annual']);
    expect(all.body.data?.items[0]).toEqual({
      id: 'sandbox-semester-2025-h1',
      year: 2025,
      type_group: 'Semi-annual',
      type: 'H1',
      name: { 'zh-CN': '2025 上半年', 'en-US': '2025 H1' },
      progress: 'enabled',
      start_time: String(Date.UTC(2025, 0, 1)),
      end_time: String(Date.UTC(2025, 6, 1) - 1),
      create_time: String(Date.UTC(2025, 0, 1)),
      modify_time: String(Date.UTC(2025, 0, 1)),
    });
    expect((await s.call('GET', '/open-apis/performance/v1/semesters?year=2025&type=Annual')).body.data?.items.map((i: { id: string }) => i.id)).toEqual([annual.id]);
    expect((await s.call('GET', '/open-apis/performance/v1/semesters?year=2024')).body.data?.items).toEqual([]);
    expect(await s.call('GET', '/open-apis/performance/v1/semesters?type=H3')).toMatchObject({ status: 400, body: { code: 99992402 } });
  });

  it('answers one activity per cycle, by semester and activity ids', async () => {
    const s = await session();
    const all = await s.call('POST', '/open-apis/performance/v2/activity/query', {});
    expect(all.body.data?.activities.map((a: { id: string; semester_id: string }) => [a.id, a.semester_id])).toEqual(SEMESTERS.map((semester) => [semester.activityId, semester.id]));
    const one = await s.call('POST', '/open-apis/performance/v2/activity/query', { semester_ids: [h1.id, h2.id], activity_ids: [h2.activityId] });
    expect(one.body.data?.activities).toEqual([expect.objectContaining({ id: h2.activityId, mode: 'performance_review', progress: 'finished' })]);
  });

  it('answers the rating indicator with its options S to D', async () => {
    const s = await session();
    const answer = await s.call('POST', '/open-apis/performance/v2/indicators/query', { indicator_ids: [RATING_INDICATOR.id] });
    expect(answer.body.data).toEqual({ indicators: [RATING_INDICATOR], has_more: false });
    expect(answer.body.data?.indicators[0].options.map((o: { label: string }) => o.label)).toEqual(['S', 'A', 'B', 'C', 'D']);
    expect((await s.call('POST', '/open-apis/performance/v2/indicators/query', { indicator_ids: ['other'] })).body.data?.indicators).toEqual([]);
  });

  describe.each([
    ['activity/query semester_ids', '/open-apis/performance/v2/activity/query', { semester_ids: ids(11) }, 'semester_ids has 11 items, at most 10'],
    ['activity/query activity_ids', '/open-apis/performance/v2/activity/query', { activity_ids: ids(51) }, 'activity_ids has 51 items, at most 50'],
    ['indicators/query indicator_ids', '/open-apis/performance/v2/indicators/query', { indicator_ids: ids(51) }, 'indicator_ids has 51 items, at most 50'],
    ['review_datas/query semester_ids', REVIEW_DATAS, { semester_ids: ids(11), updated_later_than: '0' }, 'semester_ids has 11 items, at most 10'],
    ['review_datas/query reviewee_user_ids', REVIEW_DATAS, { semester_ids: [h1.id], reviewee_user_ids: ids(11) }, 'reviewee_user_ids has 11 items, at most 10'],
    ['review_datas/query stage_ids', REVIEW_DATAS, { semester_ids: [h1.id], updated_later_than: '0', stage_ids: ids(51) }, 'stage_ids has 51 items, at most 50'],
    ['review_datas/query without reviewees or updated_later_than', REVIEW_DATAS, { semester_ids: [h1.id] }, 'reviewee_user_ids is required unless updated_later_than is given'],
    ['review_datas/query without semester_ids', REVIEW_DATAS, { updated_later_than: '0' }, 'semester_ids is required'],
    ['review_datas/query with an unknown stage type', REVIEW_DATAS, { semester_ids: [h1.id], updated_later_than: '0', stage_types: ['final'] }, 'stage_types must be a list of'],
    ['review_datas/query with a date for updated_later_than', REVIEW_DATAS, { semester_ids: [h1.id], updated_later_than: '2025-07-01' }, 'updated_later_than must be ms since the epoch'],
  ])("refuses %s with Lark's field validation error", (_case, url, body, message) => {
    it('HTTP 400, code 99992402, saying which limit', async () => {
      const s = await session();
      const answer = await s.call('POST', url, body);
      expect(answer).toMatchObject({ status: 400, body: { code: 99992402 } });
      expect(answer.body.msg).toContain(message);
      expect(answer.body.data).toBeUndefined();
    });
  });

  it("gives every employee a final leader_review rating in every cycle, by the user ids CoreHR and Contact know them by", async () => {
    const s = await session();
    const reviewees = employees.slice(0, 10);
    const byOpenId = await s.call('POST', REVIEW_DATAS, { semester_ids: SEMESTERS.map((x) => x.id), reviewee_user_ids: reviewees.map((e) => e.openId), stage_types: ['leader_review'] });
    expect(byOpenId.status).toBe(200);
    const datas = byOpenId.body.data?.datas as ReviewData[];
    expect(datas).toHaveLength(30);
    expect(byOpenId.body.data?.has_more).toBe(false);
    const optionIds = RATING_INDICATOR.options.map((o) => o.id as string);
    for (const data of datas) {
      const employee = reviewees.find((e) => e.openId === data.user_id.open_id)!;
      const semester = SEMESTERS.find((x) => x.id === data.semester_id)!;
      expect(data.user_id).toEqual({ open_id: employee.openId, user_id: employee.userId });
      expect(data.stages).toMatchObject([{ stage_id: semester.leaderReviewStageId, stage_type: 'leader_review' }]);
      const rating = finalRating(data)!;
      expect(rating.indicator_id).toBe(RATING_INDICATOR.id);
      expect(optionIds).toContain(rating.option_id);
      const updatedAt = Number(rating.submit_time);
      expect(updatedAt).toBeGreaterThan(semester.endTime);
      expect(updatedAt).toBeLessThanOrEqual(semester.endTime + 30 * 86_400_000);
    }
    const byUserId = await s.call('POST', `${REVIEW_DATAS}?user_id_type=user_id`, { semester_ids: [h1.id], reviewee_user_ids: [employees[0]!.userId, 'u-nobody'], stage_ids: [h1.leaderReviewStageId] });
    expect(byUserId.body.data?.datas).toEqual([datas.find((d) => d.semester_id === h1.id && d.user_id.open_id === employees[0]!.openId)]);
  });

  it('gives the same ratings in every sandbox of the same company, and no stage data unless a stage is asked for', async () => {
    const [a, b] = [await session(), await session()];
    const body = { semester_ids: [annual.id], reviewee_user_ids: employees.slice(0, 5).map((e) => e.openId), stage_types: ['leader_review'] };
    expect((await a.call('POST', REVIEW_DATAS, body)).body.data).toEqual((await b.call('POST', REVIEW_DATAS, body)).body.data);
    const withoutStages = await a.call('POST', REVIEW_DATAS, { ...body, stage_types: undefined });
    expect((withoutStages.body.data?.datas as ReviewData[]).map((d) => d.stages)).toEqual([[], [], [], [], []]);
    const otherStage = await a.call('POST', REVIEW_DATAS, { ...body, stage_types: ['review'] });
    expect((otherStage.body.data?.datas as ReviewData[]).every((d) => d.stages.length === 0)).toBe(true);
  });

  it('grades from the seeded random with a bell: B most often, every grade given', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 2000; i++) {
      const { optionId } = seededRating(h1, seededEmployee(`p${i}`, { departmentId: 'd', workLocationId: 'w' }));
      counts.set(optionId, (counts.get(optionId) ?? 0) + 1);
    }
    const [s, a, b, c, d] = RATING_INDICATOR.options.map((o) => counts.get(o.id) ?? 0) as [number, number, number, number, number];
    expect(Math.min(s, a, b, c, d)).toBeGreaterThan(0);
    expect(b).toBeGreaterThan(Math.max(a, c));
    expect(Math.min(a, c)).toBeGreaterThan(Math.max(s, d));
  });

  it('pages the reviewees whose data changed after updated_later_than, oldest change first, 20 a page by default', async () => {
    const s = await session();
    const pages: ReviewData[][] = [];
    let pageToken: string | undefined;
    do {
      const answer = await s.call('POST', `${REVIEW_DATAS}${pageToken ? `?page_token=${pageToken}` : ''}`, { semester_ids: [h1.id], updated_later_than: '0', stage_types: ['leader_review'] });
      expect(answer.status).toBe(200);
      pages.push(answer.body.data?.datas);
      pageToken = answer.body.data?.has_more ? answer.body.data.page_token : undefined;
      if (answer.body.data?.has_more) expect(answer.body.data.page_token).toEqual(expect.any(String));
    } while (pageToken);
    expect(pages.map((p) => p.length)).toEqual([20, 20, 5]);
    const all = pages.flat();
    expect(new Set(all.map((d) => d.user_id.open_id))).toEqual(new Set(employees.map((e) => e.openId)));
    const times = all.map((d) => Number(finalRating(d)!.submit_time));
    expect(times).toEqual([...times].sort((x, y) => x - y));

    const cut = times[29]!;
    const later = await s.call('POST', `${REVIEW_DATAS}?page_size=50`, { semester_ids: [h1.id], updated_later_than: String(cut), stage_types: ['leader_review'] });
    expect((later.body.data?.datas as ReviewData[]).map((d) => Number(finalRating(d)!.submit_time))).toEqual(times.filter((t) => t > cut));
    expect(later.body.data?.has_more).toBe(false);
    const none = await s.call('POST', REVIEW_DATAS, { semester_ids: [h1.id], updated_later_than: String(NOW) });
    expect(none.body.data).toEqual({ datas: [], has_more: false });
    expect(await s.call('POST', `${REVIEW_DATAS}?page_size=101`, { semester_ids: [h1.id], updated_later_than: '0' })).toMatchObject({ status: 400, body: { code: 99992402 } });
  });

  describe.each([
    ['semesters.list', 'GET', '/open-apis/performance/v1/semesters', undefined],
    ['activities.query', 'POST', '/open-apis/performance/v2/activity/query', {}],
    ['review_datas.query', 'POST', REVIEW_DATAS, { semester_ids: [h1.id], updated_later_than: String(NOW) }],
    ['indicators.query', 'POST', '/open-apis/performance/v2/indicators/query', {}],
  ] as const)('%s rate limit', (_api, method, url, body) => {
    it(`answers the ${PERFORMANCE_LIMIT_PER_MINUTE + 1}th call in a minute with 429, 99991400 and the x-ogw-ratelimit headers, on the sandbox's clock`, async () => {
      const s = await session();
      for (let i = 0; i < PERFORMANCE_LIMIT_PER_MINUTE; i++) {
        expect((await s.call(method, url, body)).status).toBe(200);
        s.tick(1000);
      }
      const limited = await s.call(method, url, body);
      expect(limited).toMatchObject({ status: 429, body: { code: 99991400, msg: 'request trigger frequency limit' } });
      expect(limited.headers).toMatchObject({ 'x-ogw-ratelimit-limit': String(PERFORMANCE_LIMIT_PER_MINUTE), 'x-ogw-ratelimit-reset': '60' });
      // Each API has a limit of its own.
      const other = url === REVIEW_DATAS ? await s.call('POST', '/open-apis/performance/v2/indicators/query', {}) : await s.call('POST', REVIEW_DATAS, { semester_ids: [h1.id], updated_later_than: String(NOW) });
      expect(other.status).toBe(200);
      s.tick(60_000 - PERFORMANCE_LIMIT_PER_MINUTE * 1000);
      expect((await s.call(method, url, body)).status).toBe(200);
    });
  });

  it('lists the cycles and every current rating in the seed', async () => {
    const s = await session();
    const semesters = (await s.app.inject({ method: 'GET', url: '/_sandbox/seed?section=performance_semesters' })).json<{ connector: string; items: Record<string, unknown>[]; note: string }>();
    expect(semesters.connector).toBe('lark-performance');
    expect(semesters.items.map((i) => i.semester_id)).toEqual(SEMESTERS.map((x) => x.id));
    expect(semesters.note).toContain('B (sandbox-option-b)');
    const ratings = (await s.app.inject({ method: 'GET', url: `/_sandbox/seed?section=performance_ratings&limit=1000` })).json<{ total: number; items: Record<string, unknown>[] }>();
    expect(ratings.total).toBe(employees.length * SEMESTERS.length);
    const answer = await s.call('POST', REVIEW_DATAS, { semester_ids: [h2.id], reviewee_user_ids: [employees[3]!.openId], stage_types: ['leader_review'] });
    const rating = finalRating(answer.body.data?.datas[0])!;
    expect(ratings.items.find((i) => i.semester_id === h2.id && i.open_id === employees[3]!.openId)).toMatchObject({
      employment_id: employees[3]!.employmentId,
      user_id: employees[3]!.userId,
      option_id: rating.option_id,
      updated_at_ms: Number(rating.submit_time),
      updated_at: new Date(Number(rating.submit_time)).toISOString(),
    });
  });
});

describe('lark-performance sandbox: changing a rating', () => {
  let receiver: WebhookReceiver;
  let target: string;

  beforeEach(async () => {
    receiver = new WebhookReceiver();
    target = `${await receiver.start()}/webhooks/lark`;
  });
  afterEach(async () => {
    await receiver.stop();
  });

  const change = (s: LarkSandboxSession, payload: unknown) => s.app.inject({ method: 'POST', url: RATINGS_CONTROL_PATH, payload: payload as object });

  it('gives the new rating the current time, so updated_later_than finds it and only it, and pushes review_data.changed_v2 signed and encrypted', async () => {
    const s = await session();
    const grace = employees[7]!;
    const before = s.now();
    s.tick(5000);
    const response = await change(s, { semester_id: annual.id, user_id: grace.openId, label: 'S', target });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      rating: { semester_id: annual.id, employment_id: grace.employmentId, open_id: grace.openId, option_id: 'sandbox-option-s', label: 'S', updated_at: before + 5000 },
      delivery: { status: 200 },
    });

    const changed = await s.call('POST', REVIEW_DATAS, { semester_ids: [annual.id], updated_later_than: String(before), stage_types: ['leader_review'] });
    expect(changed.body.data?.datas).toHaveLength(1);
    expect(changed.body.data?.datas[0].user_id).toEqual({ open_id: grace.openId, user_id: grace.userId });
    expect(finalRating(changed.body.data?.datas[0])).toMatchObject({ option_id: 'sandbox-option-s', submit_time: String(before + 5000) });

    expect(receiver.received).toHaveLength(1);
    const { verificationToken, encryptKey } = DEFAULT_SANDBOX_CREDENTIALS.lark;
    const [delivery] = receiver.received;
    const verified = verifyLarkWebhook({ headers: delivery!.headers as Record<string, string>, rawBody: delivery!.rawBody }, { verificationToken, encryptKey, now: s.now });
    expect(verified).toMatchObject({
      kind: 'event',
      event: {
        type: 'performance.review_data.changed_v2',
        payload: {
          items: [
            {
              user_id: { open_id: grace.openId, union_id: grace.unionId, user_id: grace.userId },
              semester_id: annual.id,
              activity_id: annual.activityId,
              stage_changes: [{ stage_id: annual.leaderReviewStageId, stage_type: 'leader_review' }],
            },
          ],
        },
      },
    });
    const state = (await s.app.inject({ method: 'GET', url: '/_sandbox/state?connector=lark-performance' })).json<{ connectors: Record<string, unknown> }>();
    expect(state.connectors['lark-performance']).toEqual({
      changedRatings: { [h1.id]: {}, [h2.id]: {}, [annual.id]: { [grace.employmentId]: { optionId: 'sandbox-option-s', updatedAt: before + 5000 } } },
    });
  });

  it('feeds the event to the connector: the stage ids it names read the new rating, whose option indicators.query labels', async () => {
    const s = await session();
    const ada = employees[2]!;
    const pushed = (await change(s, { semester_id: h2.id, user_id: ada.userId, user_id_type: 'user_id', option_id: 'sandbox-option-d' })).json<{
      event: { payload: { items: { user_id: { open_id: string }; semester_id: string; stage_changes: { stage_id: string }[] }[] } };
    }>();
    expect(receiver.received).toEqual([]);
    const [item] = pushed.event.payload.items;
    const context = actionContext(larkSandboxConnection('lark-performance', await s.listen()));
    const page = (await runAction(
      connector,
      'review_datas.query',
      { semester_ids: [item!.semester_id], reviewee_user_ids: [item!.user_id.open_id], stage_ids: item!.stage_changes.map((c) => c.stage_id) },
      context,
    )) as { datas: ReviewData[]; has_more: boolean };
    const rating = finalRating(page.datas[0]!)!;
    const { indicators } = (await runAction(connector, 'indicators.query', { indicator_ids: [rating.indicator_id] }, context)) as { indicators: { options: { id: string; label: string }[] }[] };
    expect(indicators[0]!.options.find((o) => o.id === rating.option_id)?.label).toBe('D');
  });

  it('refuses changes it cannot make, saying why, and changes nothing', async () => {
    const s = await session();
    const someone = employees[0]!.openId;
    const refusals: [unknown, number, string][] = [
      [{ semester_id: 'nope', user_id: someone, label: 'A' }, 404, 'no semester nope'],
      [{ semester_id: h1.id, user_id: 'ou_nobody', label: 'A' }, 404, 'no seeded employee with open_id ou_nobody'],
      [{ semester_id: h1.id, user_id: someone, label: 'E' }, 400, 'body.label must be equal to one of the allowed values'],
      [{ semester_id: h1.id, user_id: someone, label: 'A', option_id: 'sandbox-option-a' }, 400, 'give semester_id, user_id, and label or option_id'],
      [{ semester_id: h1.id, user_id: someone }, 400, 'give semester_id, user_id, and label or option_id'],
      [{ semester_id: h1.id, user_id: someone, label: 'A', target: 'http://192.0.2.1/hook' }, 400, 'not a loopback address'],
    ];
    for (const [payload, status, message] of refusals) {
      const response = await change(s, payload);
      expect(response.statusCode, JSON.stringify(payload)).toBe(status);
      expect(response.json<{ error: string }>().error).toContain(message);
    }
    const state = (await s.app.inject({ method: 'GET', url: '/_sandbox/state?connector=lark-performance' })).json<{ connectors: Record<string, { changedRatings: Record<string, object> }> }>();
    expect(Object.values(state.connectors['lark-performance']!.changedRatings)).toEqual([{}, {}, {}]);
  });
});

describe('lark-performance connector against the sandbox', () => {
  it('syncs a cycle incrementally page by page with updated_later_than', async () => {
    const s = await start();
    const context = actionContext(larkSandboxConnection('lark-performance', await s.listen()));
    const seen: string[] = [];
    let pageToken: string | undefined;
    do {
      const page = (await runAction(
        connector,
        'review_datas.query',
        { semester_ids: [annual.id], updated_later_than: 0, stage_types: ['leader_review'], ...(pageToken ? { page_token: pageToken } : {}) },
        context,
      )) as { datas: ReviewData[]; has_more: boolean; page_token?: string };
      seen.push(...page.datas.map((d) => d.user_id.open_id));
      pageToken = page.page_token;
    } while (pageToken);
    expect(seen.sort()).toEqual(employees.map((e) => e.openId).sort());
  });

  it("hands the sandbox's 429 after 20 calls a minute to the engine with the reset as retryAfterMs", async () => {
    const s = await start();
    const context = actionContext(larkSandboxConnection('lark-performance', await s.listen()));
    for (let i = 0; i < PERFORMANCE_LIMIT_PER_MINUTE; i++) await runAction(connector, 'semesters.list', {}, context);
    const err = await failure(runAction(connector, 'semesters.list', {}, context));
    expect(err).toMatchObject({ category: 'rate_limit', vendorCode: 99991400, httpStatus: 429, retryAfterMs: 60_000 });
    s.tick(60_000);
    expect(await runAction(connector, 'semesters.list', { year: 2025, type: 'H2' }, context)).toEqual({ items: [expect.objectContaining({ id: h2.id })] });
  });
});
