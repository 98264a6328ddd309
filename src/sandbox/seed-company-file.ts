import type { JSONSchemaType, ValidateFunction } from 'ajv';
import { readFileSync } from 'node:fs';
import { schemaDiagnostics } from '../engine/validate/schema-errors.js';
import { InputError } from '../errors/index.js';
import { compileSchema } from '../schemas.js';
import type { SeededCompany } from './seed-company.js';

const id = { type: 'string', minLength: 1 } as const;
const optionalId = { type: 'string', minLength: 1, nullable: true } as const;
const isoDate = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' } as const;

/** The shape of a seed file; typed against `SeededCompany`, so the two cannot drift apart. */
const seededCompanySchema: JSONSchemaType<SeededCompany> = {
  type: 'object',
  required: ['name', 'workLocations', 'departments', 'employees', 'offers'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1 },
    workLocations: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['id', 'name', 'timeZone'],
        additionalProperties: false,
        properties: { id, name: { type: 'string' }, timeZone: { type: 'string', minLength: 1 } },
      },
    },
    departments: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['id', 'name'],
        additionalProperties: false,
        properties: { id, name: { type: 'string' }, parentId: optionalId, leaderEmploymentId: optionalId },
      },
    },
    employees: {
      type: 'array',
      items: {
        type: 'object',
        required: ['employmentId', 'userId', 'openId', 'unionId', 'name', 'email', 'mobile', 'employeeNo', 'departmentId', 'workLocationId', 'hireDate', 'status'],
        additionalProperties: false,
        properties: {
          employmentId: id,
          userId: id,
          openId: { type: 'string', pattern: '^ou_[0-9a-z]+$' },
          unionId: { type: 'string', pattern: '^on_[0-9a-z]+$' },
          name: { type: 'string', minLength: 1 },
          email: { type: 'string', format: 'email' },
          mobile: { type: 'string', pattern: '^\\+[0-9]{6,15}$' },
          employeeNo: { type: 'string' },
          departmentId: id,
          managerEmploymentId: optionalId,
          workLocationId: id,
          hireDate: isoDate,
          status: { type: 'string', enum: ['hired', 'terminated'] },
          accountFrozen: { type: 'boolean', nullable: true },
          accountResigned: { type: 'boolean', nullable: true },
        },
      },
    },
    offers: {
      type: 'array',
      items: {
        type: 'object',
        required: [
          'offerId', 'applicationId', 'candidateName', 'candidateEmail', 'candidateMobile', 'departmentId', 'leaderEmploymentId', 'jobId', 'jobName',
          'onboardDate', 'offerStatus', 'salary',
        ],
        additionalProperties: false,
        properties: {
          offerId: id,
          applicationId: id,
          candidateName: { type: 'string', minLength: 1 },
          candidateEmail: { type: 'string', format: 'email' },
          candidateMobile: { type: 'string', pattern: '^\\+[0-9]{6,15}$' },
          departmentId: id,
          leaderEmploymentId: id,
          jobId: id,
          jobName: { type: 'string' },
          onboardDate: isoDate,
          offerStatus: { type: 'integer', enum: [1, 2, 3, 4, 5, 6, 7, 8, 9] },
          salary: {
            type: 'object',
            required: ['currency', 'basic'],
            additionalProperties: false,
            properties: { currency: { type: 'string', pattern: '^[A-Z]{3}$' }, basic: { type: 'number', minimum: 0 } },
          },
        },
      },
    },
    offboardings: {
      type: 'array',
      nullable: true,
      items: {
        type: 'object',
        required: ['offboardingId', 'employmentId', 'status', 'leavingInDays', 'reasonId', 'retainAccount'],
        additionalProperties: false,
        properties: {
          offboardingId: id,
          employmentId: id,
          status: { type: 'string', enum: ['Approving', 'Approved', 'Rejected', 'Withdrawn', 'NoNeedApproval'] },
          leavingInDays: { type: 'integer', minimum: -3650, maximum: 3650 },
          reasonId: id,
          retainAccount: { type: 'boolean' },
        },
      },
    },
  },
};

const MAX_REPORTED = 10;

/** Reads a `SeededCompany` from a JSON file: shape first, then that every reference resolves. */
export function readSeededCompanyFile(file: string): SeededCompany {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError(`cannot read seed file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, 'sandbox.seed_unreadable');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new InputError(`seed file ${file} is not JSON: ${(err as Error).message}`, 'sandbox.seed_invalid');
  }
  return checkSeededCompany(value, file);
}

/** Throws an InputError naming each problem by JSON pointer, e.g. `seed.json /employees/3/departmentId …`. */
export function checkSeededCompany(value: unknown, source: string): SeededCompany {
  const validate = compileSchema(seededCompanySchema) as ValidateFunction<SeededCompany>;
  const problems = validate(value)
    ? referenceProblems(withoutNulls(value))
    : schemaDiagnostics(validate.errors ?? [], value).map((diagnostic) => `${diagnostic.pointer || '/'}  ${diagnostic.message}`);
  if (problems.length > 0) {
    const shown = problems.slice(0, MAX_REPORTED).map((problem) => `  ${source} ${problem}`);
    const more = problems.length > MAX_REPORTED ? [`  … and ${problems.length - MAX_REPORTED} more`] : [];
    throw new InputError(`seed file ${source} is not a valid seeded company:\n${[...shown, ...more].join('\n')}`, 'sandbox.seed_invalid');
  }
  return value as SeededCompany;
}

function referenceProblems(company: SeededCompany): string[] {
  const problems: string[] = [];
  const indexIds = <T>(items: T[], idOf: (item: T) => string, pointer: string): Set<string> => {
    const seen = new Set<string>();
    items.forEach((item, i) => {
      const itemId = idOf(item);
      if (seen.has(itemId)) problems.push(`${pointer}/${i}  duplicate id ${JSON.stringify(itemId)}`);
      seen.add(itemId);
    });
    return seen;
  };
  const refer = (ids: Set<string>, target: string | undefined, pointer: string, what: string) => {
    if (target !== undefined && !ids.has(target)) problems.push(`${pointer}  ${JSON.stringify(target)} is not the id of any ${what}`);
  };

  const locationIds = indexIds(company.workLocations, (location) => location.id, '/workLocations');
  company.workLocations.forEach((location, i) => {
    if (!isTimeZone(location.timeZone)) problems.push(`/workLocations/${i}/timeZone  ${JSON.stringify(location.timeZone)} is not an IANA time zone`);
  });
  const departmentIds = indexIds(company.departments, (department) => department.id, '/departments');
  const employmentIds = indexIds(company.employees, (employee) => employee.employmentId, '/employees');
  for (const key of ['userId', 'openId', 'unionId'] as const) {
    const seen = new Map<string, number>();
    company.employees.forEach((employee, i) => {
      if (seen.has(employee[key])) problems.push(`/employees/${i}/${key}  ${JSON.stringify(employee[key])} is also employee ${seen.get(employee[key])}'s`);
      seen.set(employee[key], i);
    });
  }
  indexIds(company.offers, (offer) => offer.offerId, '/offers');

  const roots = company.departments.filter((department) => department.parentId === undefined);
  if (roots.length !== 1) problems.push(`/departments  expected exactly one root department (without parentId), found ${roots.length}`);
  const parentOf = new Map(company.departments.map((department) => [department.id, department.parentId]));
  company.departments.forEach((department, i) => {
    refer(departmentIds, department.parentId, `/departments/${i}/parentId`, 'department');
    refer(employmentIds, department.leaderEmploymentId, `/departments/${i}/leaderEmploymentId`, 'employee');
    const visited = new Set<string>();
    for (let at: string | undefined = department.id; at !== undefined; at = parentOf.get(at)) {
      if (visited.has(at)) {
        problems.push(`/departments/${i}/parentId  the parent chain loops back to ${JSON.stringify(at)}`);
        break;
      }
      visited.add(at);
    }
  });
  company.employees.forEach((employee, i) => {
    refer(departmentIds, employee.departmentId, `/employees/${i}/departmentId`, 'department');
    refer(employmentIds, employee.managerEmploymentId, `/employees/${i}/managerEmploymentId`, 'employee');
    refer(locationIds, employee.workLocationId, `/employees/${i}/workLocationId`, 'work location');
  });
  company.offers.forEach((offer, i) => {
    refer(departmentIds, offer.departmentId, `/offers/${i}/departmentId`, 'department');
    refer(employmentIds, offer.leaderEmploymentId, `/offers/${i}/leaderEmploymentId`, 'employee');
  });
  const offboardings = company.offboardings ?? [];
  indexIds(offboardings, (offboarding) => offboarding.offboardingId, '/offboardings');
  const terminated = new Set(company.employees.filter((e) => e.status === 'terminated').map((e) => e.employmentId));
  offboardings.forEach((offboarding, i) => {
    refer(employmentIds, offboarding.employmentId, `/offboardings/${i}/employmentId`, 'employee');
    if (terminated.has(offboarding.employmentId)) {
      problems.push(`/offboardings/${i}/employmentId  ${JSON.stringify(offboarding.employmentId)} is terminated: an offboarding that took effect is not seeded`);
    }
  });
  return problems;
}

/** The schema lets optional ids be null (JSON has no undefined); the type says absent. */
function withoutNulls(company: SeededCompany): SeededCompany {
  if ((company.offboardings as unknown) === null) delete company.offboardings;
  const optional = [
    [company.departments, ['parentId', 'leaderEmploymentId']],
    [company.employees, ['managerEmploymentId', 'accountFrozen', 'accountResigned']],
  ] as const;
  for (const [items, keys] of optional) {
    for (const item of items) {
      for (const key of keys) if ((item as unknown as Record<string, unknown>)[key] === null) delete (item as unknown as Record<string, unknown>)[key];
    }
  }
  return company;
}

function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone });
    return true;
  } catch {
    return false;
  }
}
