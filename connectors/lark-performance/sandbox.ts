import type { FastifyReply, FastifyRequest } from 'fastify';
import { refuseNonLoopback, sendDelivery } from '../../src/sandbox/event-emission.js';
import type { SandboxContext, SandboxModule } from '../../src/sandbox/sandbox-context.js';
import type { SeededCompany, SeededEmployee } from '../../src/sandbox/seed-company.js';
import { compileSchema } from '../../src/schemas.js';
import { checkPageSize, FIELD_VALIDATION_FAILED, larkError, larkIdTypes, larkOk, larkRateLimit, page, requireTenantToken, type LarkUserIdType } from '../lark-shared/lark-sandbox.js';
import larkPlatform from '../lark-shared/sandbox.js';
import { optionOfId, optionOfLabel, RATING_INDICATOR, SEMESTERS, seededRatingsOf, type Rating, type SeededSemester } from './performance-seed.js';

/**
 * A stateful fake of Lark Performance: the seeded review cycles, their activities, the rating
 * indicator, and every seeded employee's final (leader_review) rating in each cycle, served by the
 * employee's Feishu user ids (open_id by default; user_id, union_id) as the CoreHR and Contact
 * fakes know them. Lark's list limits and its 20 calls a minute per API are enforced; a control
 * route changes a rating and pushes performance.review_data.changed_v2 as Lark would.
 */

/** Per API, app and tenant: documented for review_datas/query, assumed for the others. */
export const PERFORMANCE_LIMIT_PER_MINUTE = 20;
export const REVIEW_DATAS_PAGE_MAX = 100;
/** Lark's documented list limits. */
export const LIST_LIMITS = { semester_ids: 10, reviewee_user_ids: 10, stage_ids: 50, activity_ids: 50, indicator_ids: 50 } as const;

const STAGE_TYPES = ['summarize_key_outputs', 'review', 'communication_and_open_result', 'view_result', 'reconsideration', 'leader_review'];
const SEMESTER_TYPES = new Set(['Annual', 'H1', 'H2', 'Q1', 'Q2', 'Q3', 'Q4', 'January-February', 'March-April', 'May-June', 'July-August', 'September-October', 'November-December', 'January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December', 'Custom']);
/** The one review template, unit and field the fake's final rating lives in. */
const REVIEW_TEMPLATE_ID = 'sandbox-review-template-leader';
const RATING_UNIT_ID = 'sandbox-unit-overall-rating';
const RATING_FIELD_ID = 'sandbox-field-overall-rating';

export const RATINGS_CONTROL_PATH = '/_sandbox/lark-performance/ratings';

interface PerformanceState {
  /** Ratings changed through the control route, by semester id and employment id; the rest are the seed's. */
  changedRatings: Record<string, Record<string, Rating>>;
}

function performanceState(context: SandboxContext): PerformanceState {
  return context.state<PerformanceState>('lark-performance', () => ({ changedRatings: Object.fromEntries(SEMESTERS.map((s) => [s.id, {}])) }));
}

function ratingOf(context: SandboxContext, semester: SeededSemester, index: number): Rating {
  const employee = context.company.employees[index]!;
  return performanceState(context).changedRatings[semester.id]?.[employee.employmentId] ?? seededRatingsOf(context.company, semester)[index]!;
}

const USER_ID_KEYS = { open_id: 'openId', user_id: 'userId', union_id: 'unionId' } as const satisfies Record<LarkUserIdType, keyof SeededEmployee>;
const employeeIndexes = new WeakMap<SeededCompany, Map<string, number>>();

/** The company's index of an employee by a user id of the given type. */
function employeeIndex(company: SeededCompany, id: string, type: LarkUserIdType): number | undefined {
  let byId = employeeIndexes.get(company);
  if (!byId) {
    byId = new Map();
    for (const [index, employee] of company.employees.entries()) {
      for (const [idType, key] of Object.entries(USER_ID_KEYS)) byId.set(`${idType}:${employee[key]}`, index);
    }
    employeeIndexes.set(company, byId);
  }
  return byId.get(`${type}:${id}`);
}

function semesterBody(semester: SeededSemester): Record<string, unknown> {
  return {
    id: semester.id,
    year: semester.year,
    type_group: semester.typeGroup,
    type: semester.type,
    name: semester.name,
    progress: 'enabled',
    start_time: String(semester.startTime),
    end_time: String(semester.endTime),
    create_time: String(semester.startTime),
    modify_time: String(semester.startTime),
  };
}

function activityBody(semester: SeededSemester): Record<string, unknown> {
  return {
    id: semester.activityId,
    name: semester.activityName,
    semester_id: semester.id,
    mode: 'performance_review',
    progress: 'finished',
    create_time: String(semester.startTime),
    modify_time: String(semester.endTime),
  };
}

function reviewDataBody(employee: SeededEmployee, semester: SeededSemester, rating: Rating, withFinalStage: boolean): Record<string, unknown> {
  return {
    user_id: { open_id: employee.openId, user_id: employee.userId },
    semester_id: semester.id,
    activity_id: semester.activityId,
    review_template_id: REVIEW_TEMPLATE_ID,
    // Lark gives stage data only for the stages asked for.
    stages: withFinalStage
      ? [
          {
            stage_id: semester.leaderReviewStageId,
            stage_type: 'leader_review',
            records: [
              {
                units: [
                  {
                    unit_id: RATING_UNIT_ID,
                    data: [{ field_id: RATING_FIELD_ID, indicator_id: RATING_INDICATOR.id, option_id: rating.optionId, submit_time: String(rating.updatedAt) }],
                  },
                ],
              },
            ],
          },
        ]
      : [],
  };
}

/** Token, then the per-minute limit, in the order Lark's gateway applies them. */
function admitted(context: SandboxContext, request: FastifyRequest, reply: FastifyReply, api: string): boolean {
  return requireTenantToken(context, request, reply) && larkRateLimit(context, reply, `performance.${api}.per-minute`, PERFORMANCE_LIMIT_PER_MINUTE, 60_000);
}

type Body = Record<string, unknown>;

/**
 * The id list `field` of the body: undefined when absent, false after answering Lark's field
 * validation error (not a list of strings, or longer than Lark allows).
 */
function idList(reply: FastifyReply, body: Body, field: keyof typeof LIST_LIMITS): string[] | undefined | false {
  const value = body[field];
  if (value === undefined) return undefined;
  const max = LIST_LIMITS[field];
  if (!Array.isArray(value) || !value.every((id) => typeof id === 'string')) {
    void larkError(reply, 400, FIELD_VALIDATION_FAILED, `field validation failed: ${field} must be a list of strings`);
    return false;
  }
  if (value.length > max) {
    void larkError(reply, 400, FIELD_VALIDATION_FAILED, `field validation failed: ${field} has ${value.length} items, at most ${max} are allowed`);
    return false;
  }
  return value as string[];
}

interface RatingChange {
  semester_id: string;
  user_id: string;
  user_id_type?: LarkUserIdType;
  label?: string;
  option_id?: string;
  target?: string;
}

const ratingChangeSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['semester_id', 'user_id'],
  oneOf: [{ required: ['label'] }, { required: ['option_id'] }],
  properties: {
    semester_id: { type: 'string', minLength: 1 },
    user_id: { type: 'string', minLength: 1, description: 'The employee, in user_id_type.' },
    user_id_type: { enum: ['open_id', 'union_id', 'user_id'] },
    label: { enum: RATING_INDICATOR.options.map((option) => option.label) },
    option_id: { enum: RATING_INDICATOR.options.map((option) => option.id) },
    target: { type: 'string', minLength: 1, description: 'Webhook URL on this machine to push performance.review_data.changed_v2 to; without it no event is pushed.' },
  },
};
const validRatingChange = compileSchema(ratingChangeSchema);

const sandbox: SandboxModule = {
  state: performanceState,

  seed(context) {
    const employees = context.company.employees;
    return [
      {
        name: 'performance_semesters',
        title: 'Lark Performance review cycles, each with its activity and final (leader_review) stage (semesters.list, activities.query, review_datas.query)',
        columns: ['semester_id', 'year', 'type', 'activity_id', 'leader_review_stage_id'],
        size: SEMESTERS.length,
        item(index) {
          const semester = SEMESTERS[index]!;
          return {
            semester_id: semester.id,
            year: semester.year,
            type: semester.type,
            name: semester.name['en-US'],
            activity_id: semester.activityId,
            leader_review_stage_id: semester.leaderReviewStageId,
            indicator_id: RATING_INDICATOR.id,
            start_time: String(semester.startTime),
            end_time: String(semester.endTime),
          };
        },
        note: `One rating indicator, ${RATING_INDICATOR.id}, graded ${RATING_INDICATOR.options.map((o) => `${o.label} (${o.id})`).join(', ')}. Change a rating with POST ${RATINGS_CONTROL_PATH}.`,
      },
      {
        name: 'performance_ratings',
        title: 'Final (leader_review) rating of every employee in every review cycle, by open_id (review_datas.query; change one with POST /_sandbox/lark-performance/ratings)',
        columns: ['semester_id', 'open_id', 'user_id', 'name', 'label', 'updated_at'],
        size: employees.length * SEMESTERS.length,
        item(index) {
          const semester = SEMESTERS[Math.floor(index / employees.length)]!;
          const employeeIndexInCompany = index % employees.length;
          const employee = employees[employeeIndexInCompany]!;
          const rating = ratingOf(context, semester, employeeIndexInCompany);
          return {
            semester_id: semester.id,
            employment_id: employee.employmentId,
            open_id: employee.openId,
            user_id: employee.userId,
            name: employee.name,
            option_id: rating.optionId,
            label: optionOfId(rating.optionId)?.label,
            updated_at: new Date(rating.updatedAt).toISOString(),
            updated_at_ms: rating.updatedAt,
          };
        },
      },
    ];
  },

  register(app, context) {
    app.get('/open-apis/performance/v1/semesters', async (request, reply) => {
      if (!admitted(context, request, reply, 'semesters.list')) return reply;
      if (!larkIdTypes(request, reply)) return reply;
      const { year, type } = request.query as { year?: string; type?: string };
      if (year !== undefined && !/^\d{4}$/.test(year)) return larkError(reply, 400, FIELD_VALIDATION_FAILED, `field validation failed: year must be a year, not ${year}`);
      if (type !== undefined && !SEMESTER_TYPES.has(type)) return larkError(reply, 400, FIELD_VALIDATION_FAILED, `field validation failed: type ${type} is not a semester type`);
      const items = SEMESTERS.filter((s) => (year === undefined || s.year === Number(year)) && (type === undefined || s.type === type));
      return larkOk(reply, { items: items.map(semesterBody) });
    });

    app.post('/open-apis/performance/v2/activity/query', async (request, reply) => {
      if (!admitted(context, request, reply, 'activities.query')) return reply;
      const body = (request.body ?? {}) as Body;
      const semesterIds = idList(reply, body, 'semester_ids');
      if (semesterIds === false) return reply;
      const activityIds = idList(reply, body, 'activity_ids');
      if (activityIds === false) return reply;
      const semesters = SEMESTERS.filter((s) => (!semesterIds || semesterIds.includes(s.id)) && (!activityIds || activityIds.includes(s.activityId)));
      return larkOk(reply, { activities: semesters.map(activityBody) });
    });

    app.post('/open-apis/performance/v2/review_datas/query', async (request, reply) => {
      if (!admitted(context, request, reply, 'review_datas.query')) return reply;
      const types = larkIdTypes(request, reply);
      if (!types) return reply;
      const query = request.query as { page_size?: string; page_token?: string };
      const pageSize = checkPageSize(reply, query.page_size, REVIEW_DATAS_PAGE_MAX);
      if (pageSize === undefined) return reply;
      const body = (request.body ?? {}) as Body;
      const semesterIds = idList(reply, body, 'semester_ids');
      if (semesterIds === false) return reply;
      if (!semesterIds?.length) return larkError(reply, 400, FIELD_VALIDATION_FAILED, 'field validation failed: semester_ids is required');
      const revieweeIds = idList(reply, body, 'reviewee_user_ids');
      if (revieweeIds === false) return reply;
      const stageIds = idList(reply, body, 'stage_ids');
      if (stageIds === false) return reply;
      const stageTypes = body.stage_types;
      if (stageTypes !== undefined && !(Array.isArray(stageTypes) && stageTypes.every((t) => STAGE_TYPES.includes(t as string)))) {
        return larkError(reply, 400, FIELD_VALIDATION_FAILED, `field validation failed: stage_types must be a list of ${STAGE_TYPES.join(', ')}`);
      }
      const updatedLaterThan = body.updated_later_than;
      if (updatedLaterThan !== undefined && !/^\d+$/.test(String(updatedLaterThan))) {
        return larkError(reply, 400, FIELD_VALIDATION_FAILED, 'field validation failed: updated_later_than must be ms since the epoch');
      }
      if (!revieweeIds?.length && updatedLaterThan === undefined) {
        return larkError(reply, 400, FIELD_VALIDATION_FAILED, 'field validation failed: reviewee_user_ids is required unless updated_later_than is given');
      }
      const after = updatedLaterThan === undefined ? undefined : Number(updatedLaterThan);
      const semesters = SEMESTERS.filter((s) => semesterIds.includes(s.id));
      const employees = context.company.employees;
      const found: { semester: SeededSemester; order: number; index: number; rating: Rating }[] = [];
      for (const [order, semester] of semesters.entries()) {
        const indexes = revieweeIds?.length
          ? revieweeIds.map((id) => employeeIndex(context.company, id, types.user)).filter((index) => index !== undefined)
          : employees.keys();
        for (const index of indexes) {
          const rating = ratingOf(context, semester, index);
          if (after === undefined || rating.updatedAt > after) found.push({ semester, order, index, rating });
        }
      }
      // Named reviewees (≤ 10 × ≤ 10 cycles) come in one answer, as Lark's SDK pages nothing here; the
      // changed-since answer is paged, oldest change first, so a page boundary stays put while paging.
      if (!revieweeIds?.length) found.sort((a, b) => a.rating.updatedAt - b.rating.updatedAt || a.order - b.order || a.index - b.index);
      const { items, has_more, page_token } = revieweeIds?.length ? { items: found, has_more: false, page_token: undefined } : page(found, pageSize, query.page_token);
      const datas = items.map(({ semester, index, rating }) =>
        reviewDataBody(employees[index]!, semester, rating, (stageTypes as string[] | undefined)?.includes('leader_review') === true || stageIds?.includes(semester.leaderReviewStageId) === true),
      );
      return larkOk(reply, { datas, has_more, ...(page_token ? { page_token } : {}) });
    });

    app.post('/open-apis/performance/v2/indicators/query', async (request, reply) => {
      if (!admitted(context, request, reply, 'indicators.query')) return reply;
      const query = request.query as { page_size?: string; page_token?: string };
      const pageSize = checkPageSize(reply, query.page_size, REVIEW_DATAS_PAGE_MAX);
      if (pageSize === undefined) return reply;
      const indicatorIds = idList(reply, (request.body ?? {}) as Body, 'indicator_ids');
      if (indicatorIds === false) return reply;
      const indicators = [RATING_INDICATOR].filter((indicator) => !indicatorIds || indicatorIds.includes(indicator.id));
      const { items, has_more, page_token } = page(indicators, pageSize, query.page_token);
      return larkOk(reply, { indicators: items, has_more, ...(page_token ? { page_token } : {}) });
    });

    /**
     * Gives an employee a new final rating in a cycle, as a leader or calibration would: the
     * rating's update time becomes now, and with a target Lark's review_data.changed_v2 push goes
     * there, encrypted and signed.
     */
    app.post(RATINGS_CONTROL_PATH, async (request, reply) => {
      const change = request.body as RatingChange;
      if (!validRatingChange(change)) {
        const problems = (validRatingChange.errors ?? []).map((e) => `body${e.instancePath.replaceAll('/', '.')} ${e.message ?? 'is invalid'}`);
        return reply.code(400).send({ error: `${[...new Set(problems)].join('; ')} (give semester_id, user_id, and label or option_id)` });
      }
      const semester = SEMESTERS.find((s) => s.id === change.semester_id);
      if (!semester) return reply.code(404).send({ error: `no semester ${change.semester_id}; semesters: ${SEMESTERS.map((s) => s.id).join(', ')}` });
      const userIdType = change.user_id_type ?? 'open_id';
      const index = employeeIndex(context.company, change.user_id, userIdType);
      if (index === undefined) return reply.code(404).send({ error: `no seeded employee with ${userIdType} ${change.user_id}` });
      if (change.target !== undefined) {
        const refusal = await refuseNonLoopback(change.target);
        if (refusal) return reply.code(400).send({ error: refusal });
      }
      const option = change.label !== undefined ? optionOfLabel(change.label)! : optionOfId(change.option_id!)!;
      const employee = context.company.employees[index]!;
      const rating: Rating = { optionId: option.id, updatedAt: context.now() };
      performanceState(context).changedRatings[semester.id]![employee.employmentId] = rating;
      const event = {
        type: 'performance.review_data.changed_v2',
        payload: {
          items: [
            {
              user_id: { open_id: employee.openId, union_id: employee.unionId, user_id: employee.userId },
              semester_id: semester.id,
              activity_id: semester.activityId,
              stage_changes: [{ stage_id: semester.leaderReviewStageId, stage_type: 'leader_review', review_stage_role: 'solid_line_leader' }],
            },
          ],
        },
      };
      const changed = {
        rating: { semester_id: semester.id, employment_id: employee.employmentId, open_id: employee.openId, user_id: employee.userId, option_id: option.id, label: option.label, updated_at: rating.updatedAt },
        event,
      };
      if (change.target === undefined) return changed;
      const delivery = larkPlatform.delivery!(context, event);
      try {
        const answer = await sendDelivery(change.target, delivery);
        return { ...changed, delivery: { status: answer.status, body: answer.body } };
      } catch (err) {
        const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
        return reply.code(502).send({ ...changed, error: `the rating changed, but delivering the event to ${change.target} failed: ${reason}` });
      }
    });
  },
};

export default sandbox;
