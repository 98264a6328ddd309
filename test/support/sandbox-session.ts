import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';
import { createSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox/sandbox-server.js';
import type { SeededCompany, SeededEmployee } from '../../src/sandbox/seed-company.js';

/**
 * A sandbox whose clock only the test moves, so rate-limit windows, token lifetimes and dates in
 * answers are exact.
 */
export interface SandboxSession extends Sandbox {
  now(): number;
  tick(ms: number): void;
  setTime(ms: number): void;
  /** Listens on a loopback port and resolves to the base URL to point a connector at. */
  listen(): Promise<string>;
}

/**
 * A function that starts a sandbox serving `company` with its clock at `startAt` (and, when
 * given, `sleep` for the waits its fakes make). Call it where
 * hooks may be declared (a file or a describe): every sandbox it starts is closed after the test
 * that started it, so a failing test leaves no server behind.
 */
export function sandboxStarter(company: SeededCompany, startAt: number, options: Pick<SandboxOptions, 'sleep'> = {}): () => Promise<SandboxSession> {
  const started = new Set<Sandbox>();
  afterEach(async () => {
    await Promise.all([...started].map((sandbox) => sandbox.app.close()));
    started.clear();
  });
  return async () => {
    let clock = startAt;
    const sandbox = await createSandbox({ company, now: () => clock, ...options });
    started.add(sandbox);
    return {
      ...sandbox,
      now: () => clock,
      tick: (ms) => void (clock += ms),
      setTime: (ms) => void (clock = ms),
      listen: () => listenOnLoopback(sandbox),
    };
  };
}

/** Starts `sandbox` listening on a free loopback port; resolves to the base URL to point connectors at. */
export async function listenOnLoopback(sandbox: Sandbox): Promise<string> {
  await sandbox.app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(sandbox.app.server.address() as AddressInfo).port}`;
}

/** A company with no one in it, for fakes that keep their own records. */
export function emptyCompany(name: string): SeededCompany {
  return { name, workLocations: [], departments: [], employees: [], offers: [] };
}

/**
 * An employee whose ids, email and employee number follow from `key` (E-key, u-key, ou_key, on_key,
 * key@acme.test, A-key); where they work is the company's, so the caller names it.
 */
export function seededEmployee(key: string, fields: Pick<SeededEmployee, 'departmentId' | 'workLocationId'> & Partial<SeededEmployee>): SeededEmployee {
  return {
    employmentId: `E-${key}`,
    userId: `u-${key}`,
    openId: `ou_${key}`,
    unionId: `on_${key}`,
    name: `Person ${key}`,
    email: `${key}@acme.test`,
    mobile: '+15550100',
    employeeNo: `A-${key}`,
    managerEmploymentId: undefined,
    hireDate: '2021-04-01',
    status: 'hired',
    ...fields,
  };
}
