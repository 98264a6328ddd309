import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors/index.js';
import { checkSeededCompany, readSeededCompanyFile } from '../../src/sandbox/seed-company-file.js';
import { seedCompany, type SeededCompany } from '../../src/sandbox/seed-company.js';

const THOUSAND = seedCompany({ employees: 1000, seed: 'spec' });

function copy(company: SeededCompany): SeededCompany {
  return JSON.parse(JSON.stringify(company)) as SeededCompany;
}

function problemsOf(value: unknown): string {
  try {
    checkSeededCompany(value, 'seed.json');
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return (err as Error).message;
  }
  throw new Error('expected the seed to be rejected');
}

describe('seedCompany', () => {
  it('gives an identical company for the same seed, and another company for another seed', () => {
    expect(seedCompany({ employees: 1000, seed: 'spec' })).toEqual(THOUSAND);
    expect(JSON.stringify(seedCompany({ employees: 300, seed: 42 }))).toBe(JSON.stringify(seedCompany({ employees: 300, seed: 42 })));
    const other = seedCompany({ employees: 1000, seed: 'other' });
    expect(other.employees.map((e) => e.openId)).not.toEqual(THOUSAND.employees.map((e) => e.openId));
  });

  it('has exactly the requested number of employees, in a tree of departments under one root', () => {
    expect(THOUSAND.employees).toHaveLength(1000);
    const roots = THOUSAND.departments.filter((d) => d.parentId === undefined);
    expect(roots).toHaveLength(1);
    const byId = new Map(THOUSAND.departments.map((d) => [d.id, d]));
    const depth = (id: string): number => (byId.get(id)!.parentId === undefined ? 0 : 1 + depth(byId.get(id)!.parentId!));
    expect(Math.max(...THOUSAND.departments.map((d) => depth(d.id)))).toBeGreaterThanOrEqual(3);
  });

  it('gives every department a leader from its own members, reporting to the leader of the parent department', () => {
    const employees = new Map(THOUSAND.employees.map((e) => [e.employmentId, e]));
    const departments = new Map(THOUSAND.departments.map((d) => [d.id, d]));
    for (const department of THOUSAND.departments) {
      const leader = employees.get(department.leaderEmploymentId!)!;
      expect(leader.departmentId).toBe(department.id);
      expect(leader.status).toBe('hired');
      const parentLeader = department.parentId === undefined ? undefined : departments.get(department.parentId)!.leaderEmploymentId;
      expect(leader.managerEmploymentId).toBe(parentLeader);
    }
  });

  it("makes each member's manager the leader of their department, so every chain ends at the root's leader", () => {
    const employees = new Map(THOUSAND.employees.map((e) => [e.employmentId, e]));
    const leaders = new Set(THOUSAND.departments.map((d) => d.leaderEmploymentId));
    const rootLeader = THOUSAND.departments.find((d) => d.parentId === undefined)!.leaderEmploymentId;
    for (const employee of THOUSAND.employees) {
      if (!leaders.has(employee.employmentId)) {
        expect(employee.managerEmploymentId).toBe(THOUSAND.departments.find((d) => d.id === employee.departmentId)!.leaderEmploymentId);
      }
      let at = employee;
      for (let hops = 0; at.managerEmploymentId !== undefined; hops++) {
        expect(hops).toBeLessThan(THOUSAND.departments.length);
        at = employees.get(at.managerEmploymentId)!;
      }
      expect(at.employmentId).toBe(rootLeader);
    }
  });

  it('places people in work locations across time zones from UTC−8 to UTC+13', () => {
    const zones = new Set(THOUSAND.workLocations.map((l) => l.timeZone));
    for (const zone of ['Asia/Shanghai', 'America/Los_Angeles', 'America/New_York', 'Europe/London', 'Asia/Singapore', 'Pacific/Auckland']) {
      expect(zones).toContain(zone);
    }
    const used = new Set(THOUSAND.employees.map((e) => THOUSAND.workLocations.find((l) => l.id === e.workLocationId)!.timeZone));
    expect(used.size).toBe(zones.size);
  });

  it("uses Lark's id formats and plausible, fictional contact details", () => {
    for (const employee of THOUSAND.employees) {
      expect(employee.openId).toMatch(/^ou_[0-9a-f]{32}$/);
      expect(employee.unionId).toMatch(/^on_[0-9a-f]{32}$/);
      expect(employee.userId).toMatch(/^[0-9a-z]{8}$/);
      expect(employee.employmentId).toMatch(/^7\d{18}$/);
      expect(employee.employeeNo).toMatch(/^E\d{6}$/);
      expect(employee.email).toMatch(/^[a-z]+\.[a-z]+\d*@[a-z0-9-]+\.example$/);
      expect(employee.mobile).toMatch(/^\+\d{10,13}$/);
      expect(employee.hireDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }
    expect(new Set(THOUSAND.employees.map((e) => e.email)).size).toBe(1000);
    expect(new Set(THOUSAND.employees.map((e) => e.mobile)).size).toBe(1000);
  });

  it('opens offers led by the leader of their department, the first accepted (7) and the second declined (8)', () => {
    const { offers, departments } = THOUSAND;
    expect(offers.length).toBeGreaterThanOrEqual(3);
    expect(offers[0]!.offerStatus).toBe(7);
    expect(offers[1]!.offerStatus).toBe(8);
    expect(offers.filter((o) => o.offerStatus === 7).length).toBeGreaterThan(1);
    for (const offer of offers) {
      expect(offer.leaderEmploymentId).toBe(departments.find((d) => d.id === offer.departmentId)!.leaderEmploymentId);
      expect(offer.offerId).toMatch(/^7\d{18}$/);
      expect(offer.salary.currency).toMatch(/^[A-Z]{3}$/);
      expect(offer.onboardDate > '2027-01-04').toBe(true);
    }
  });

  it('makes a one-person company: the root leader with no manager', () => {
    const solo = seedCompany({ employees: 1 });
    expect(solo.employees).toHaveLength(1);
    expect(solo.departments).toHaveLength(1);
    expect(solo.employees[0]!.managerEmploymentId).toBeUndefined();
    expect(solo.offers.every((o) => o.departmentId === solo.departments[0]!.id)).toBe(true);
  });

  it('refuses a size that is not a whole number of at least one', () => {
    expect(() => seedCompany({ employees: 0 })).toThrow(RangeError);
    expect(() => seedCompany({ employees: 2.5 })).toThrow(/whole number/);
  });

  it('generates 100,000 employees with unique ids', () => {
    const large = seedCompany({ employees: 100_000 });
    expect(large.employees).toHaveLength(100_000);
    for (const key of ['employmentId', 'userId', 'openId', 'unionId', 'employeeNo', 'email', 'mobile'] as const) {
      expect(new Set(large.employees.map((e) => e[key])).size).toBe(100_000);
    }
    const numericIds = [...large.employees.map((e) => e.employmentId), ...large.departments.map((d) => d.id), ...large.offers.map((o) => o.offerId)];
    expect(new Set(numericIds).size).toBe(numericIds.length);
  });
});

describe('seeded offboardings and accounts', () => {
  const zoneOf = (employmentId: string) => {
    const employee = THOUSAND.employees.find((e) => e.employmentId === employmentId)!;
    return THOUSAND.workLocations.find((l) => l.id === employee.workLocationId)!.timeZone;
  };

  it('seeds approved offboardings leaving within days across the date line, and ones a flow must leave alone', () => {
    const offboardings = THOUSAND.offboardings!;
    const approved = offboardings.filter((o) => o.status === 'Approved');
    expect(approved.map((o) => zoneOf(o.employmentId))).toEqual(expect.arrayContaining(['America/Los_Angeles', 'Asia/Shanghai', 'Pacific/Auckland']));
    expect(approved.every((o) => o.leavingInDays >= 1 && o.leavingInDays <= 7)).toBe(true);
    expect(offboardings.map((o) => o.status)).toEqual(expect.arrayContaining(['NoNeedApproval', 'Approving', 'Withdrawn', 'Rejected']));
    expect(new Set(offboardings.map((o) => o.employmentId)).size).toBe(offboardings.length);
  });

  it('offboards only hired people who lead no department', () => {
    const leaders = new Set(THOUSAND.departments.map((d) => d.leaderEmploymentId));
    for (const offboarding of THOUSAND.offboardings!) {
      const employee = THOUSAND.employees.find((e) => e.employmentId === offboarding.employmentId)!;
      expect(employee.status).toBe('hired');
      expect(leaders.has(employee.employmentId)).toBe(false);
    }
  });

  it('seeds Lark accounts frozen already (one of them leaving) and one resigned while still employed, beside terminated people', () => {
    const leaving = new Set(THOUSAND.offboardings!.map((o) => o.employmentId));
    const frozen = THOUSAND.employees.filter((e) => e.accountFrozen);
    expect(frozen.length).toBeGreaterThanOrEqual(3);
    expect(frozen.some((e) => leaving.has(e.employmentId))).toBe(true);
    const resigned = THOUSAND.employees.filter((e) => e.accountResigned);
    expect(resigned).toHaveLength(1);
    expect(leaving.has(resigned[0]!.employmentId)).toBe(true);
    expect(THOUSAND.employees.some((e) => e.status === 'terminated')).toBe(true);
  });

  it('seeds no offboarding in a company with no one to offboard', () => {
    expect(seedCompany({ employees: 1 }).offboardings).toEqual([]);
  });
});

describe('seed files', () => {
  it('accepts a generated company written to JSON and read back', () => {
    const dir = mkdtempSync(join(tmpdir(), 'staffwire-seed-'));
    const file = join(dir, 'company.json');
    writeFileSync(file, JSON.stringify(seedCompany({ employees: 40 })));
    expect(readSeededCompanyFile(file)).toEqual(copy(seedCompany({ employees: 40 })));
  });

  it('reads a null optional id as absent', () => {
    const company = copy(seedCompany({ employees: 5 })) as unknown as { departments: Record<string, unknown>[] };
    company.departments[0]!.parentId = null;
    expect(checkSeededCompany(company, 'seed.json').departments[0]).not.toHaveProperty('parentId');
  });

  it('names the file and the JSON pointer of a missing or mistyped field', () => {
    const company = copy(THOUSAND) as unknown as { employees: Record<string, unknown>[] };
    delete company.employees[3]!.openId;
    company.employees[5]!.status = 'retired';
    const message = problemsOf(company);
    expect(message).toContain('seed file seed.json is not a valid seeded company');
    expect(message).toContain('seed.json /employees/3  missing required property "openId"');
    expect(message).toMatch(/seed\.json \/employees\/5\/status .*retired/);
  });

  it('names every reference that does not resolve, duplicate ids, a second root and unknown time zones', () => {
    const company = copy(THOUSAND);
    company.employees[2]!.departmentId = 'd-missing';
    company.employees[4]!.managerEmploymentId = 'e-missing';
    company.employees[6]!.openId = company.employees[7]!.openId;
    company.offers[0]!.leaderEmploymentId = 'e-gone';
    company.departments[1]!.parentId = undefined;
    company.workLocations[0]!.timeZone = 'Mars/Olympus_Mons';
    const message = problemsOf(company);
    expect(message).toContain('/employees/2/departmentId  "d-missing" is not the id of any department');
    expect(message).toContain('/employees/4/managerEmploymentId  "e-missing" is not the id of any employee');
    expect(message).toContain(`/employees/7/openId  "${company.employees[7]!.openId}" is also employee 6's`);
    expect(message).toContain('/offers/0/leaderEmploymentId  "e-gone" is not the id of any employee');
    expect(message).toContain('/departments  expected exactly one root department (without parentId), found 2');
    expect(message).toContain('/workLocations/0/timeZone  "Mars/Olympus_Mons" is not an IANA time zone');
  });

  it('accepts a seed file written before offboardings were seeded, and names an offboarding of no one or of a terminated person', () => {
    const older = copy(seedCompany({ employees: 40 }));
    delete older.offboardings;
    expect(checkSeededCompany(older, 'seed.json').offboardings).toBeUndefined();
    const company = copy(THOUSAND);
    const terminated = company.employees.find((e) => e.status === 'terminated')!;
    company.offboardings![0]!.employmentId = 'e-nobody';
    company.offboardings![1]!.employmentId = terminated.employmentId;
    const message = problemsOf(company);
    expect(message).toContain('/offboardings/0/employmentId  "e-nobody" is not the id of any employee');
    expect(message).toContain(`/offboardings/1/employmentId  "${terminated.employmentId}" is terminated`);
  });

  it('finds a department whose parent chain loops', () => {
    const company = copy(seedCompany({ employees: 200 }));
    const [, first, second] = company.departments;
    first!.parentId = second!.id;
    second!.parentId = first!.id;
    expect(problemsOf(company)).toMatch(/\/departments\/\d+\/parentId {2}the parent chain loops back/);
  });

  it('reports at most ten problems and counts the rest', () => {
    const company = copy(THOUSAND);
    for (const employee of company.employees.slice(0, 15)) employee.workLocationId = 'nowhere';
    const message = problemsOf(company);
    expect(message.split('\n').filter((line) => line.includes('workLocationId'))).toHaveLength(10);
    expect(message).toContain('… and 5 more');
  });

  it('says so when the file is missing or is not JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'staffwire-seed-'));
    expect(() => readSeededCompanyFile(join(dir, 'absent.json'))).toThrow(/cannot read seed file .*absent\.json: ENOENT/);
    writeFileSync(join(dir, 'broken.json'), '{"name": ');
    expect(() => readSeededCompanyFile(join(dir, 'broken.json'))).toThrow(/seed file .*broken\.json is not JSON/);
  });
});
