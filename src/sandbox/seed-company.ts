import { SeededRandom } from './seeded-random.js';

/**
 * A deterministic fictional company for the sandbox: departments, employees with managers and
 * work locations in several time zones, open offers and offboardings. Vendor fakes map it to their
 * own shapes.
 */
export interface WorkLocation {
  id: string;
  name: string;
  /** IANA time zone, e.g. America/New_York. */
  timeZone: string;
}

export interface SeededDepartment {
  id: string;
  name: string;
  parentId: string | undefined;
  leaderEmploymentId: string | undefined;
}

export interface SeededEmployee {
  employmentId: string;
  userId: string;
  openId: string;
  unionId: string;
  name: string;
  email: string;
  mobile: string;
  employeeNo: string;
  departmentId: string;
  managerEmploymentId: string | undefined;
  workLocationId: string;
  hireDate: string;
  status: 'hired' | 'terminated';
  /** The Lark account is suspended already (status.is_frozen), e.g. someone froze it by hand before an offboarding's moment. */
  accountFrozen?: boolean;
  /**
   * The Lark account is resigned (deleted) although CoreHR still employs the person: IT removed it
   * early. An account of a terminated employee is resigned anyway.
   */
  accountResigned?: boolean;
}

/** CoreHR offboarding statuses a seeded offboarding can have (offboardings/search names); one that took effect would be a terminated employee. */
export type SeededOffboardingStatus = 'Approving' | 'Approved' | 'Rejected' | 'Withdrawn' | 'NoNeedApproval';

export interface SeededOffboarding {
  offboardingId: string;
  employmentId: string;
  status: SeededOffboardingStatus;
  /**
   * The leaving date as days after "today" in the employee's work-location time zone, by the
   * sandbox clock: the fake dates it when it starts, so "leaves in 2 days" holds on any day.
   */
  leavingInDays: number;
  /** offboarding_reason_unique_identifier, as Lark's reason list names it. */
  reasonId: string;
  /** Keep the Lark account when the offboarding takes effect. */
  retainAccount: boolean;
}

export interface SeededOffer {
  offerId: string;
  applicationId: string;
  candidateName: string;
  candidateEmail: string;
  candidateMobile: string;
  departmentId: string;
  leaderEmploymentId: string;
  jobId: string;
  jobName: string;
  onboardDate: string;
  /** Lark hire offer status: 7 = accepted by the candidate. */
  offerStatus: number;
  salary: { currency: string; basic: number };
}

export interface SeededCompany {
  name: string;
  workLocations: WorkLocation[];
  departments: SeededDepartment[];
  employees: SeededEmployee[];
  offers: SeededOffer[];
  /** Absent in seed files written before offboardings were seeded: none then. */
  offboardings?: SeededOffboarding[];
}

export interface SeedCompanyOptions {
  employees: number;
  /** Same seed, same company. */
  seed?: string | number;
}

export const DEFAULT_COMPANY_SEED = 'staffwire';

/** Dates are laid out around this fixed day rather than today, so a seed gives the same company on any day. */
const AS_OF_MS = Date.UTC(2027, 0, 4);
const DAY_MS = 86_400_000;

interface LocationProfile {
  name: string;
  timeZone: string;
  currency: string;
  monthlyBasic: [number, number];
  names: 'zh' | 'en' | 'mixed';
  mobile(random: SeededRandom): string;
}

/** Lark offboarding takes effect at 24:00 in the work location's zone: these span UTC−8 to UTC+13. */
const LOCATIONS: LocationProfile[] = [
  { name: 'Shanghai', timeZone: 'Asia/Shanghai', currency: 'CNY', monthlyBasic: [12_000, 80_000], names: 'zh', mobile: chinaMobile },
  { name: 'Beijing', timeZone: 'Asia/Shanghai', currency: 'CNY', monthlyBasic: [12_000, 80_000], names: 'zh', mobile: chinaMobile },
  { name: 'Singapore', timeZone: 'Asia/Singapore', currency: 'SGD', monthlyBasic: [5_000, 18_000], names: 'mixed', mobile: (r) => `+65${r.pick(['8', '9'])}${r.digits(7)}` },
  { name: 'London', timeZone: 'Europe/London', currency: 'GBP', monthlyBasic: [3_500, 12_000], names: 'en', mobile: (r) => `+447${r.pick(['4', '5', '7', '8', '9'])}${r.digits(8)}` },
  { name: 'New York', timeZone: 'America/New_York', currency: 'USD', monthlyBasic: [6_000, 20_000], names: 'en', mobile: (r) => usMobile(r, ['212', '646', '917']) },
  { name: 'Washington', timeZone: 'America/New_York', currency: 'USD', monthlyBasic: [6_000, 20_000], names: 'en', mobile: (r) => usMobile(r, ['202']) },
  { name: 'San Francisco', timeZone: 'America/Los_Angeles', currency: 'USD', monthlyBasic: [7_000, 22_000], names: 'en', mobile: (r) => usMobile(r, ['415', '628']) },
  { name: 'Auckland', timeZone: 'Pacific/Auckland', currency: 'NZD', monthlyBasic: [5_000, 15_000], names: 'en', mobile: (r) => `+642${r.pick(['1', '2', '7'])}${r.digits(7)}` },
];

function chinaMobile(random: SeededRandom): string {
  return `+861${random.pick(['3', '5', '7', '8', '9'])}${random.digits(9)}`;
}

function usMobile(random: SeededRandom, areaCodes: string[]): string {
  return `+1${random.pick(areaCodes)}${random.int(2, 9)}${random.digits(6)}`;
}

const DIVISIONS: { name: string; teams: string[]; jobs: string[] }[] = [
  { name: 'Engineering', teams: ['Platform', 'Payments', 'Mobile', 'Data', 'Infrastructure', 'Security', 'Developer Tools', 'Quality'], jobs: ['Software Engineer', 'Senior Software Engineer', 'Staff Engineer', 'Engineering Manager', 'QA Engineer', 'Site Reliability Engineer'] },
  { name: 'Product', teams: ['Core Product', 'Growth', 'Design', 'User Research', 'Analytics'], jobs: ['Product Manager', 'Product Designer', 'UX Researcher', 'Data Analyst'] },
  { name: 'Sales', teams: ['Enterprise', 'Mid-Market', 'APAC', 'EMEA', 'Americas', 'Sales Operations'], jobs: ['Account Executive', 'Sales Development Representative', 'Solutions Engineer', 'Sales Manager'] },
  { name: 'Marketing', teams: ['Brand', 'Content', 'Demand Generation', 'Events', 'Communications'], jobs: ['Marketing Manager', 'Content Strategist', 'Events Coordinator'] },
  { name: 'Customer Success', teams: ['Support', 'Onboarding', 'Account Management', 'Training'], jobs: ['Customer Success Manager', 'Support Specialist', 'Implementation Consultant'] },
  { name: 'Operations', teams: ['Logistics', 'Procurement', 'Facilities', 'IT'], jobs: ['Operations Analyst', 'Procurement Specialist', 'IT Support Engineer'] },
  { name: 'Finance', teams: ['Accounting', 'FP&A', 'Treasury', 'Payroll', 'Tax'], jobs: ['Accountant', 'Financial Analyst', 'Payroll Specialist'] },
  { name: 'People', teams: ['Recruiting', 'HR Business Partners', 'Total Rewards', 'Learning'], jobs: ['Recruiter', 'HR Business Partner', 'Compensation Analyst'] },
  { name: 'Legal', teams: ['Commercial', 'Privacy', 'Employment'], jobs: ['Legal Counsel', 'Paralegal'] },
];
const SQUADS = ['Core', 'North', 'South', 'East', 'West', 'Alpha', 'Bravo', 'Delta', 'Orbit', 'Summit'];

const COMPANY_NAMES = ['Northwind Robotics', 'Bluefin Logistics', 'Juniper Health', 'Kestrel Foods', 'Larch & Vale', 'Meridian Bioworks', 'Pinecrest Labs', 'Tidewater Energy'];

/** [as written, romanised for e-mail addresses] */
const ZH_FAMILY: [string, string][] = [
  ['王', 'wang'], ['李', 'li'], ['张', 'zhang'], ['刘', 'liu'], ['陈', 'chen'], ['杨', 'yang'], ['黄', 'huang'], ['赵', 'zhao'], ['吴', 'wu'], ['周', 'zhou'],
  ['徐', 'xu'], ['孙', 'sun'], ['马', 'ma'], ['朱', 'zhu'], ['胡', 'hu'], ['郭', 'guo'], ['何', 'he'], ['林', 'lin'], ['高', 'gao'], ['罗', 'luo'],
];
const ZH_GIVEN: [string, string][] = [
  ['伟', 'wei'], ['芳', 'fang'], ['娜', 'na'], ['敏', 'min'], ['静', 'jing'], ['磊', 'lei'], ['洋', 'yang'], ['艳', 'yan'], ['勇', 'yong'], ['军', 'jun'],
  ['杰', 'jie'], ['涛', 'tao'], ['明', 'ming'], ['超', 'chao'], ['秀英', 'xiuying'], ['婷', 'ting'], ['浩然', 'haoran'], ['子涵', 'zihan'], ['欣怡', 'xinyi'],
  ['宇航', 'yuhang'], ['思远', 'siyuan'], ['嘉怡', 'jiayi'], ['俊杰', 'junjie'], ['晓东', 'xiaodong'],
];
const EN_GIVEN = [
  'Olivia', 'Liam', 'Emma', 'Noah', 'Amelia', 'Oliver', 'Ava', 'Elijah', 'Sophia', 'James', 'Isabella', 'William', 'Mia', 'Benjamin', 'Charlotte', 'Lucas',
  'Harper', 'Henry', 'Evelyn', 'Theodore', 'Aroha', 'Nikau', 'Priya', 'Arjun', 'Chloe', 'Mateo', 'Zoe', 'Samuel', 'Grace', 'Daniel', 'Hannah', 'Ethan',
  'Leah', 'Jack', 'Ruby', 'Isaac', 'Maya', 'Leo', 'Nora', 'Finn',
];
const EN_FAMILY = [
  'Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez', 'Martinez', 'Taylor', 'Thomas', 'Moore', 'Jackson', 'Martin',
  'Lee', 'Thompson', 'White', 'Harris', 'Clark', 'Lewis', 'Walker', 'Young', 'Allen', 'King', 'Wright', 'Scott', 'Green', 'Baker', 'Adams', 'Nelson',
  'Hill', 'Campbell', 'Mitchell', 'Roberts', 'Carter', 'Phillips', 'Evans', 'Turner', 'Patel', 'Singh', 'Ngata', 'Tan', 'Lim', 'Wong',
];

/**
 * The seeded offboardings, in order: whom (a time zone when the company has someone there), how
 * it stands and when they leave. The approved ones leave within days, across the date line, for
 * the scheduled-deactivation flow and its nightly reconciliation; the others must be left alone.
 */
const OFFBOARDING_PLANS: { timeZone?: string; status: SeededOffboardingStatus; leavingInDays: number; account?: 'frozen' | 'resigned' }[] = [
  { timeZone: 'America/Los_Angeles', status: 'Approved', leavingInDays: 1 },
  { timeZone: 'Asia/Shanghai', status: 'Approved', leavingInDays: 2 },
  { timeZone: 'Pacific/Auckland', status: 'Approved', leavingInDays: 3 },
  { timeZone: 'America/New_York', status: 'NoNeedApproval', leavingInDays: 4 },
  { timeZone: 'Europe/London', status: 'Approved', leavingInDays: 5, account: 'frozen' },
  { timeZone: 'Asia/Singapore', status: 'Approved', leavingInDays: 2, account: 'resigned' },
  { status: 'Approving', leavingInDays: 14 },
  { status: 'Withdrawn', leavingInDays: 3 },
  { status: 'Rejected', leavingInDays: 6 },
];
const OFFBOARDING_REASONS = ['reason_for_offboarding_option1', 'reason_for_offboarding_option4', 'reason_for_offboarding_option8'];
/** Accounts frozen for reasons of their own (leave, an investigation), beside the offboardings'. */
const OTHER_FROZEN_ACCOUNTS = 2;

/** Offer statuses drawn for offers after the first two (7 accepted, 6 sent, 4 approved, 2 in approval, 8 declined). */
const OFFER_STATUS_WEIGHTS: [number, number][] = [[7, 40], [6, 25], [4, 15], [2, 15], [8, 5]];

const LOWER_ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';

/**
 * A fictional company of `employees` people: a department tree (root, divisions, teams, squads)
 * with a leader in every department, each employee's manager being the nearest leader above
 * them; work locations in seven time zones; Lark-format ids (open_id `ou_…`, union_id `on_…`,
 * short user_id, 19-digit CoreHR ids); open offers, the first accepted (status 7) and the
 * second declined (8); and offboardings (OFFBOARDING_PLANS), with a few Lark accounts frozen or
 * resigned already. Names, e-mail addresses (on `.example` domains) and mobiles are made up.
 */
export function seedCompany(options: SeedCompanyOptions): SeededCompany {
  const size = options.employees;
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`a seeded company needs a whole number of employees ≥ 1, got ${size}`);
  const random = new SeededRandom(options.seed ?? DEFAULT_COMPANY_SEED);
  const ids = new IdFactory(random);
  const companyName = random.pick(COMPANY_NAMES);
  const emailDomain = `${companyName.toLowerCase().replace(/[^a-z0-9]+/g, '-')}.example`;
  const people = new PersonFactory(random, ids);

  const workLocations: WorkLocation[] = LOCATIONS.map((location) => ({ id: ids.numeric(), name: location.name, timeZone: location.timeZone }));
  const profileOf = new Map(workLocations.map((location, index) => [location.id, LOCATIONS[index]!]));

  interface DraftDepartment {
    department: SeededDepartment;
    division: (typeof DIVISIONS)[number] | undefined;
    homeLocationId: string;
    level: number;
  }
  const departmentCount = Math.max(1, Math.floor(size / 10));
  const root: DraftDepartment = {
    department: { id: ids.numeric(), name: companyName, parentId: undefined, leaderEmploymentId: undefined },
    division: undefined,
    homeLocationId: workLocations[0]!.id,
    level: 0,
  };
  const drafts: DraftDepartment[] = [root];
  for (let next = 0; drafts.length < departmentCount; next++) {
    const parent = drafts[next]!;
    const children = parent.level === 0 ? DIVISIONS.length : random.int(3, 8);
    for (let i = 0; i < children && drafts.length < departmentCount; i++) {
      const division = parent.division ?? DIVISIONS[i]!;
      const name =
        parent.level === 0 ? division.name : parent.level === 1 ? division.teams[i % division.teams.length]! : `${parent.department.name} · ${SQUADS[i % SQUADS.length]}`;
      drafts.push({
        department: { id: ids.numeric(), name, parentId: parent.department.id, leaderEmploymentId: undefined },
        division,
        homeLocationId: parent.level === 0 ? random.pick(workLocations).id : parent.homeLocationId,
        level: parent.level + 1,
      });
    }
  }

  const employees: SeededEmployee[] = [];
  const leaderOf = new Map<string, string>();
  const addEmployee = (draft: DraftDepartment, isLeader: boolean): SeededEmployee => {
    const workLocationId = isLeader || random.chance(0.75) ? draft.homeLocationId : random.pick(workLocations).id;
    const profile = profileOf.get(workLocationId)!;
    const person = people.make(profile, emailDomain);
    const parentLeader = draft.department.parentId === undefined ? undefined : leaderOf.get(draft.department.parentId);
    const employee: SeededEmployee = {
      employmentId: ids.numeric(),
      userId: ids.unique(() => random.chars(LOWER_ALNUM, 8)),
      openId: ids.unique(() => `ou_${random.hex(32)}`),
      unionId: ids.unique(() => `on_${random.hex(32)}`),
      name: person.name,
      email: person.email,
      mobile: person.mobile,
      employeeNo: `E${String(employees.length + 1).padStart(6, '0')}`,
      departmentId: draft.department.id,
      managerEmploymentId: isLeader ? parentLeader : leaderOf.get(draft.department.id),
      workLocationId,
      hireDate: isoDate(AS_OF_MS - random.int(isLeader ? 400 : 7, draft.level === 0 ? 4300 : 4000) * DAY_MS),
      status: !isLeader && random.chance(0.02) ? 'terminated' : 'hired',
    };
    employees.push(employee);
    return employee;
  };
  for (const draft of drafts) {
    const leader = addEmployee(draft, true);
    draft.department.leaderEmploymentId = leader.employmentId;
    leaderOf.set(draft.department.id, leader.employmentId);
  }
  while (employees.length < size) addEmployee(random.pick(drafts), false);

  const jobIds = new Map<string, string>();
  const offerCount = Math.max(3, Math.min(5000, Math.ceil(size / 50)));
  const offerDepartments = drafts.length > 1 ? drafts.slice(1) : drafts;
  const offers: SeededOffer[] = [];
  for (let i = 0; i < offerCount; i++) {
    const draft = random.pick(offerDepartments);
    const profile = profileOf.get(draft.homeLocationId)!;
    const candidate = people.make(profile, 'mail.example');
    const jobName = random.pick((draft.division ?? DIVISIONS[0]!).jobs);
    if (!jobIds.has(jobName)) jobIds.set(jobName, ids.numeric());
    const [low, high] = profile.monthlyBasic;
    offers.push({
      offerId: ids.numeric(),
      applicationId: ids.numeric(),
      candidateName: candidate.name,
      candidateEmail: candidate.email,
      candidateMobile: candidate.mobile,
      departmentId: draft.department.id,
      leaderEmploymentId: draft.department.leaderEmploymentId!,
      jobId: jobIds.get(jobName)!,
      jobName,
      onboardDate: isoDate(AS_OF_MS + random.int(7, 90) * DAY_MS),
      offerStatus: i === 0 ? 7 : i === 1 ? 8 : weighted(random, OFFER_STATUS_WEIGHTS),
      salary: { currency: profile.currency, basic: Math.round(random.int(low, high) / 100) * 100 },
    });
  }

  // Drawn after everything above, so adding offboardings changed no one's ids, names or offers.
  const offboardings = seedOffboardings(random, ids, employees, drafts.map((draft) => draft.department), workLocations);

  return { name: companyName, workLocations, departments: drafts.map((draft) => draft.department), employees, offers, offboardings };
}

function seedOffboardings(random: SeededRandom, ids: IdFactory, employees: SeededEmployee[], departments: SeededDepartment[], workLocations: WorkLocation[]): SeededOffboarding[] {
  const leaders = new Set(departments.map((d) => d.leaderEmploymentId));
  const zoneOf = new Map(workLocations.map((l) => [l.id, l.timeZone]));
  const free = employees.filter((e) => e.status === 'hired' && !leaders.has(e.employmentId));
  const take = (timeZone: string | undefined): SeededEmployee | undefined => {
    const inZone = timeZone === undefined ? [] : free.filter((e) => zoneOf.get(e.workLocationId) === timeZone);
    const pool = inZone.length > 0 ? inZone : free;
    if (pool.length === 0) return undefined;
    const chosen = random.pick(pool);
    free.splice(free.indexOf(chosen), 1);
    return chosen;
  };
  const offboardings: SeededOffboarding[] = [];
  for (const plan of OFFBOARDING_PLANS) {
    const leaver = take(plan.timeZone);
    if (!leaver) break;
    if (plan.account === 'frozen') leaver.accountFrozen = true;
    if (plan.account === 'resigned') leaver.accountResigned = true;
    offboardings.push({
      offboardingId: ids.numeric(),
      employmentId: leaver.employmentId,
      status: plan.status,
      leavingInDays: plan.leavingInDays,
      reasonId: random.pick(OFFBOARDING_REASONS),
      retainAccount: false,
    });
  }
  for (let i = 0; i < OTHER_FROZEN_ACCOUNTS; i++) {
    const frozen = take(undefined);
    if (frozen) frozen.accountFrozen = true;
  }
  return offboardings;
}

/** Ids unique within one company, in the formats Lark uses. */
class IdFactory {
  private readonly used = new Set<string>();

  constructor(private readonly random: SeededRandom) {}

  /** A 19-digit id, as CoreHR and Hire use for employments, departments, offers and jobs. */
  numeric(): string {
    return this.unique(() => `7${this.random.digits(18)}`);
  }

  unique(make: () => string): string {
    let id = make();
    while (this.used.has(id)) id = make();
    this.used.add(id);
    return id;
  }
}

class PersonFactory {
  private readonly emailCounts = new Map<string, number>();

  constructor(
    private readonly random: SeededRandom,
    private readonly ids: IdFactory,
  ) {}

  make(profile: LocationProfile, emailDomain: string): { name: string; email: string; mobile: string } {
    const chinese = profile.names === 'zh' || (profile.names === 'mixed' && this.random.chance(0.5));
    let name: string;
    let local: string;
    if (chinese) {
      const [family, familyLatin] = this.random.pick(ZH_FAMILY);
      const [given, givenLatin] = this.random.pick(ZH_GIVEN);
      name = `${family}${given}`;
      local = `${givenLatin}.${familyLatin}`;
    } else {
      const given = this.random.pick(EN_GIVEN);
      const family = this.random.pick(EN_FAMILY);
      name = `${given} ${family}`;
      local = `${given}.${family}`.toLowerCase();
    }
    const key = `${local}@${emailDomain}`;
    const seen = (this.emailCounts.get(key) ?? 0) + 1;
    this.emailCounts.set(key, seen);
    const email = seen === 1 ? key : `${local}${seen}@${emailDomain}`;
    return { name, email, mobile: this.ids.unique(() => profile.mobile(this.random)) };
  }
}

function weighted(random: SeededRandom, weights: [number, number][]): number {
  const total = weights.reduce((sum, [, weight]) => sum + weight, 0);
  let roll = random.next() * total;
  for (const [value, weight] of weights) {
    roll -= weight;
    if (roll < 0) return value;
  }
  return weights[weights.length - 1]![0];
}

function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
