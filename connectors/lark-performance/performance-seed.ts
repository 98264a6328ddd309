import type { SeededCompany, SeededEmployee } from '../../src/sandbox/seed-company.js';
import { SeededRandom } from '../../src/sandbox/seeded-random.js';

/**
 * The review cycles the sandbox's Performance holds, the same for every seeded company: 2025's
 * two halves and its annual review, one activity each, one final (leader_review) stage each, and
 * one rating indicator graded S to D. Every seeded employee has a final rating in every cycle.
 */
export interface SeededSemester {
  id: string;
  year: number;
  type: 'H1' | 'H2' | 'Annual';
  typeGroup: 'Semi-annual' | 'Annual';
  name: { 'zh-CN': string; 'en-US': string };
  startTime: number;
  endTime: number;
  activityId: string;
  activityName: { zh_cn: string; en_us: string };
  leaderReviewStageId: string;
}

const DAY_MS = 86_400_000;

function semester(type: SeededSemester['type'], start: [number, number], end: [number, number], zh: string): SeededSemester {
  const key = `2025-${type.toLowerCase()}`;
  return {
    id: `sandbox-semester-${key}`,
    year: 2025,
    type,
    typeGroup: type === 'Annual' ? 'Annual' : 'Semi-annual',
    name: { 'zh-CN': `2025 ${zh}`, 'en-US': `2025 ${type}` },
    startTime: Date.UTC(2025, start[0], start[1]),
    endTime: Date.UTC(2025, end[0], end[1]) + DAY_MS - 1,
    activityId: `sandbox-activity-${key}`,
    activityName: { zh_cn: `2025 ${zh}绩效评估`, en_us: `2025 ${type} performance review` },
    leaderReviewStageId: `sandbox-stage-${key}-leader-review`,
  };
}

export const SEMESTERS: readonly SeededSemester[] = [
  semester('H1', [0, 1], [5, 30], '上半年'),
  semester('H2', [6, 1], [11, 31], '下半年'),
  semester('Annual', [0, 1], [11, 31], '年度'),
];

export const RATING_INDICATOR = {
  id: 'sandbox-indicator-overall-rating',
  name: { zh_cn: '绩效等级', en_us: 'Overall rating' },
  type: 'general_review_item',
  options: [
    { id: 'sandbox-option-s', name: { zh_cn: '卓越', en_us: 'Outstanding' }, label: 'S' },
    { id: 'sandbox-option-a', name: { zh_cn: '超出预期', en_us: 'Exceeds expectations' }, label: 'A' },
    { id: 'sandbox-option-b', name: { zh_cn: '符合预期', en_us: 'Meets expectations' }, label: 'B' },
    { id: 'sandbox-option-c', name: { zh_cn: '部分符合预期', en_us: 'Partly meets expectations' }, label: 'C' },
    { id: 'sandbox-option-d', name: { zh_cn: '不符合预期', en_us: 'Below expectations' }, label: 'D' },
  ],
} as const;

export type RatingLabel = (typeof RATING_INDICATOR.options)[number]['label'];

/** How often each grade is given, in the order of RATING_INDICATOR.options: a usual bell. */
const GRADE_WEIGHTS = [5, 20, 50, 20, 5];
/** Leaders finish the final review within this many days after a cycle ends. */
const REVIEW_DAYS_AFTER_END = 30;

export interface Rating {
  optionId: string;
  /** When the rating was last given or changed, ms since the epoch. */
  updatedAt: number;
}

/**
 * An employee's seeded final rating in a cycle: its own random sequence per (cycle, employment),
 * so it does not depend on the company's size or order, given some day in the month after the
 * cycle ended.
 */
export function seededRating(semesterOf: SeededSemester, employee: SeededEmployee): Rating {
  const random = new SeededRandom(`${semesterOf.id}:${employee.employmentId}`);
  let roll = random.next() * GRADE_WEIGHTS.reduce((sum, weight) => sum + weight, 0);
  let grade = 0;
  while (grade < GRADE_WEIGHTS.length - 1 && (roll -= GRADE_WEIGHTS[grade]!) >= 0) grade++;
  const updatedAt = semesterOf.endTime + 1 + random.int(0, REVIEW_DAYS_AFTER_END * DAY_MS - 1);
  return { optionId: RATING_INDICATOR.options[grade]!.id, updatedAt };
}

const seededRatings = new WeakMap<SeededCompany, Map<string, Rating[]>>();

/** Every employee's seeded rating in the cycle, in the company's order; computed once per company. */
export function seededRatingsOf(company: SeededCompany, semesterOf: SeededSemester): Rating[] {
  let bySemester = seededRatings.get(company);
  if (!bySemester) {
    bySemester = new Map();
    seededRatings.set(company, bySemester);
  }
  let ratings = bySemester.get(semesterOf.id);
  if (!ratings) {
    ratings = company.employees.map((employee) => seededRating(semesterOf, employee));
    bySemester.set(semesterOf.id, ratings);
  }
  return ratings;
}

export function optionOfLabel(label: string) {
  return RATING_INDICATOR.options.find((option) => option.label === label);
}

export function optionOfId(id: string) {
  return RATING_INDICATOR.options.find((option) => option.id === id);
}
