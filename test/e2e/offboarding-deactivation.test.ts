import { readdirSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { basename, join } from 'node:path';
import { DateTime } from 'luxon';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSandbox, DEFAULT_SANDBOX_CREDENTIALS, type Sandbox } from '../../src/sandbox/sandbox-server.js';
import { seedCompany, type SeededEmployee } from '../../src/sandbox/seed-company.js';
import type { ScheduleRecord } from '../../src/store/records.js';
import { useCliWorkspace } from '../support/cli-workspace.js';
import { apiToken, ServeProcesses, type ServeProcess } from '../support/serve-process.js';
import { readStoreFile } from '../support/store-file.js';
import { waitFor } from '../support/wait-for.js';

/**
 * The shipped offboarding-deactivation flows, end to end: a real `staffwire serve` on the flows as
 * shipped (with HR's chat filled in, as a user adapts them), the sandbox's CoreHR and Contact fakes
 * over loopback, and CoreHR's webhooks pushed by the sandbox, encrypted and signed, through the
 * real intake. The sandbox runs on the real clock, as serve does: moments are days ahead, and a
 * schedule is made to fire by moving it to now, never by waiting for it.
 */

const lark = DEFAULT_SANDBOX_CREDENTIALS.lark;
const env = { OB_LARK_SECRET: lark.appSecret, OB_LARK_TOKEN: lark.verificationToken, OB_LARK_KEY: lark.encryptKey };
const HR_CHAT = 'oc_people_ops_offboarding';
const REASON = 'reason_for_offboarding_option1';
const shippedFlows = join(import.meta.dirname, '../../flows');
const company = seedCompany({ employees: 60 });
const zoneOfLocation = new Map(company.workLocations.map((l) => [l.id, l.timeZone]));
const zoneOf = (e: SeededEmployee) => zoneOfLocation.get(e.workLocationId)!;

const ws = useCliWorkspace('offboarding-deactivation');
const serves = new ServeProcesses();
const operator = apiToken('ops', 'operator');
let sandbox: Sandbox;
let sandboxUrl: string;
let tenantToken: string | undefined;

beforeEach(async () => {
  sandbox = await createSandbox({ company });
  await sandbox.app.listen({ port: 0, host: '127.0.0.1' });
  sandboxUrl = `http://127.0.0.1:${(sandbox.app.server.address() as AddressInfo).port}`;
  tenantToken = undefined;
  ws.configure({
    connections: {
      lark: {
        connector: 'lark-corehr',
        baseUrl: sandboxUrl,
        appId: lark.appId,
        appSecret: { env: 'OB_LARK_SECRET' },
        webhook: { verificationToken: { env: 'OB_LARK_TOKEN' }, encryptKey: { env: 'OB_LARK_KEY' } },
      },
    },
    server: { tokens: [operator.entry] },
  });
  adaptFlows({});
});

/**
 * Copies the shipped flows into the workspace with their `settings` steps adapted as a user
 * would: HR's chat filled in, and any other setting given.
 */
function adaptFlows(settings: Record<string, unknown>): void {
  for (const name of readdirSync(shippedFlows).filter((n) => n.startsWith('offboarding-deactivation'))) {
    const flow = JSON.parse(readFileSync(join(shippedFlows, name), 'utf8')) as { steps: { id: string; values?: Record<string, unknown> }[] };
    const step = flow.steps.find((s) => s.id === 'settings');
    if (step?.values?.hr) Object.assign(step.values, { hr: { receive_id_type: 'chat_id', receive_id: HR_CHAT } }, settings);
    ws.file(`flows/${name}`, flow);
  }
}

afterEach(async () => {
  await serves.killAll();
  await sandbox.app.close();
});

const serve = () => serves.start(['--config', ws.config], { env });

/** Points the sandbox's webhooks at the serve process (or, without one, nowhere: changes push nothing). */
async function emitTo(target: ServeProcess | undefined): Promise<void> {
  const answer = await fetch(`${sandboxUrl}/_sandbox/emission`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ target: target ? `${target.url}/webhooks/lark` : null }),
  });
  expect(answer.status).toBe(200);
}

/** A call to the vendor API, as HR's tools would make it. */
async function larkCall(path: string, body: unknown): Promise<Record<string, unknown>> {
  if (!tenantToken) {
    const auth = await fetch(`${sandboxUrl}/open-apis/auth/v3/tenant_access_token/internal`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ app_id: lark.appId, app_secret: lark.appSecret }),
    });
    tenantToken = ((await auth.json()) as { tenant_access_token: string }).tenant_access_token;
  }
  const answer = await fetch(`${sandboxUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${tenantToken}` },
    body: JSON.stringify(body),
  });
  const envelope = (await answer.json()) as { code: number; msg: string; data?: Record<string, unknown> };
  expect(envelope, `${path}: ${envelope.msg}`).toMatchObject({ code: 0 });
  return envelope.data ?? {};
}

async function sandboxControl(path: string): Promise<void> {
  const answer = await fetch(`${sandboxUrl}/_sandbox${path}`, { method: 'POST' });
  expect(answer.status, await answer.text()).toBe(200);
}

/** Someone in the zone with a manager and nothing seeded against them (no offboarding, account as normal). */
function colleagueIn(zone: string, skip: SeededEmployee[] = []): SeededEmployee {
  const seeded = new Set((company.offboardings ?? []).map((o) => o.employmentId));
  const found = company.employees.find(
    (e) => zoneOf(e) === zone && e.status === 'hired' && e.managerEmploymentId !== undefined && !seeded.has(e.employmentId) && !e.accountFrozen && !e.accountResigned && !skip.includes(e),
  );
  if (!found) throw new Error(`the seeded company has no one free in ${zone}`);
  return found;
}

const employee = (employmentId: string) => company.employees.find((e) => e.employmentId === employmentId)!;
const localDate = (zone: string, daysAhead: number) => DateTime.now().setZone(zone).plus({ days: daysAhead }).toISODate()!;
/** 24:00 of the leaving date in the zone, worked out here independently of the flows' $zonedInstant. */
const midnightAfter = (date: string, zone: string) => DateTime.fromISO(date, { zone }).plus({ days: 1 }).startOf('day').toUTC().toISO()!;
const hoursBefore = (instant: string, hours: number) => DateTime.fromISO(instant).minus({ hours }).toUTC().toISO()!;

/** Submits an offboarding (with approval, then approves it; or direct, which needs none) and returns its id. */
async function offboard(leaver: SeededEmployee, date: string, mode: 'approval' | 'direct'): Promise<string> {
  const data = await larkCall('/open-apis/corehr/v2/offboardings/submit_v2', {
    offboarding_mode: mode === 'approval' ? 2 : 1,
    employment_id: leaver.employmentId,
    offboarding_date: date,
    offboarding_reason_unique_identifier: REASON,
  });
  const id = data.offboarding_id as string;
  if (mode === 'approval') await sandboxControl(`/lark-corehr/offboardings/${id}/approve`);
  return id;
}

async function api(target: ServeProcess, method: 'GET' | 'POST', path: string, body?: unknown): Promise<Response> {
  return fetch(`${target.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${operator.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

async function scheduleOf(target: ServeProcess, key: string): Promise<ScheduleRecord | undefined> {
  const answer = await api(target, 'GET', `/schedules/${encodeURIComponent(key)}`);
  return answer.status === 200 ? ((await answer.json()) as ScheduleRecord) : undefined;
}

async function scheduledAt(target: ServeProcess, key: string, fireAt: string): Promise<ScheduleRecord> {
  let last: ScheduleRecord | undefined;
  await waitFor(async () => {
    last = await scheduleOf(target, key);
    return last?.status === 'pending' && last.fireAt === fireAt;
  }, `${key} to be pending at ${fireAt}`).catch((err: Error) => {
    throw new Error(`${err.message}; it is ${JSON.stringify(last)}`);
  });
  return last!;
}

async function statusOf(target: ServeProcess, key: string, status: ScheduleRecord['status']): Promise<ScheduleRecord> {
  let last: ScheduleRecord | undefined;
  await waitFor(async () => (last = await scheduleOf(target, key))?.status === status, `${key} to be ${status}`);
  return last!;
}

const runOf = (id: string) => readStoreFile(ws.database).runs.find((r) => r.id === id);

async function succeededRun(id: string) {
  await waitFor(() => ['succeeded', 'failed'].includes(runOf(id)?.status ?? ''), `run ${id} to end`);
  const run = runOf(id)!;
  expect(run.error).toBeUndefined();
  expect(run.status).toBe('succeeded');
  return run;
}

/** Moves a schedule to a second from now (a move must be to a moment to come), as an operator would, and returns the run it fired once that run ended well. */
async function fireNow(target: ServeProcess, key: string) {
  const moved = await api(target, 'POST', `/schedules/${encodeURIComponent(key)}/move`, { at: new Date(Date.now() + 1000).toISOString() });
  expect(moved.status).toBe(200);
  const fired = await statusOf(target, key, 'fired');
  return succeededRun(fired.runId!);
}

interface ContactState {
  accounts: Record<string, { isFrozen: boolean; isResigned: boolean }>;
  messages: { receive_id_type: string; receive_id: string; content: string }[];
}

async function contact(): Promise<ContactState> {
  const answer = await fetch(`${sandboxUrl}/_sandbox/state?connector=lark-contact`);
  const state = (await answer.json()) as { connectors: { 'lark-contact': ContactState } };
  return state.connectors['lark-contact'];
}

const textsTo = (state: ContactState, receiveId: string) => state.messages.filter((m) => m.receive_id === receiveId).map((m) => (JSON.parse(m.content) as { text: string }).text);

async function startReconciliation(target: ServeProcess): Promise<string> {
  const started = await api(target, 'POST', '/flows/offboarding-deactivation-reconcile/runs', { input: {} });
  expect(started.status).toBe(202);
  return ((await started.json()) as { id: string }).id;
}

describe('offboarding deactivation', () => {
  it('schedules the freeze at 24:00 of the leaving date in the leaver’s zone, moves it on an edit, keeps it across a restart and cancels it on a revoke', async () => {
    const first = await serve();
    await emitTo(first);
    const leavers = [
      { zone: 'America/Los_Angeles', mode: 'approval' as const },
      { zone: 'Asia/Shanghai', mode: 'approval' as const },
      { zone: 'Pacific/Auckland', mode: 'direct' as const },
    ].map(({ zone, mode }) => ({ zone, mode, who: colleagueIn(zone), date: localDate(zone, 10) }));
    const ids: string[] = [];
    for (const leaver of leavers) ids.push(await offboard(leaver.who, leaver.date, leaver.mode));

    for (const leaver of leavers) {
      const freezeAt = midnightAfter(leaver.date, leaver.zone);
      const freeze = await scheduledAt(first, `deactivate:${leaver.who.employmentId}`, freezeAt);
      expect(freeze).toMatchObject({ flowId: 'offboarding-deactivation-freeze', timeZone: leaver.zone, input: { employmentId: leaver.who.employmentId, openId: leaver.who.openId, freezeAt } });
      await scheduledAt(first, `deactivate-reminder:${leaver.who.employmentId}`, hoursBefore(freezeAt, 24));
    }

    const [la, shanghai] = leavers as [(typeof leavers)[0], (typeof leavers)[0]];
    const later = DateTime.fromISO(la.date).plus({ days: 3 }).toISODate()!;
    await larkCall('/open-apis/corehr/v2/offboardings/edit', { offboarding_id: ids[0], update_data: [{ field_name: 'offboarding_date', value: JSON.stringify(later) }] });
    const movedAt = midnightAfter(later, la.zone);
    await scheduledAt(first, `deactivate:${la.who.employmentId}`, movedAt);
    await scheduledAt(first, `deactivate-reminder:${la.who.employmentId}`, hoursBefore(movedAt, 24));

    const keys = leavers.flatMap((l) => [`deactivate:${l.who.employmentId}`, `deactivate-reminder:${l.who.employmentId}`]);
    const before = await Promise.all(keys.map((key) => scheduleOf(first, key)));
    await first.stop();
    const second = await serve();
    await emitTo(second);
    expect(await Promise.all(keys.map((key) => scheduleOf(second, key)))).toEqual(before);

    await larkCall('/open-apis/corehr/v2/offboardings/revoke', { offboarding_id: ids[1] });
    await statusOf(second, `deactivate:${shanghai.who.employmentId}`, 'cancelled');
    await statusOf(second, `deactivate-reminder:${shanghai.who.employmentId}`, 'cancelled');
    const others = keys.filter((key) => !key.endsWith(`:${shanghai.who.employmentId}`));
    expect(await Promise.all(others.map((key) => scheduleOf(second, key)))).toEqual(before.filter((s) => others.includes(s!.key)));
  });

  it('schedules, in the nightly reconciliation, offboardings approved while no webhook came through', async () => {
    const leaver = colleagueIn('Asia/Shanghai');
    const date = localDate('Asia/Shanghai', 6);
    // Emission off: the approval happens in CoreHR, and Staffwire hears nothing of it.
    await emitTo(undefined);
    await offboard(leaver, date, 'approval');
    const served = await serve();
    expect(await scheduleOf(served, `deactivate:${leaver.employmentId}`)).toBeUndefined();

    await succeededRun(await startReconciliation(served));
    await scheduledAt(served, `deactivate:${leaver.employmentId}`, midnightAfter(date, 'Asia/Shanghai'));

    // Every standing offboarding leaving within the window is scheduled; the others are left alone.
    const corehr = (await (await fetch(`${sandboxUrl}/_sandbox/state?connector=lark-corehr`)).json()) as {
      connectors: { 'lark-corehr': { offboardings: { employment_id: string; status: string; offboarding_date: string }[] } };
    };
    const seeded = corehr.connectors['lark-corehr'].offboardings.filter((o) => o.employment_id !== leaver.employmentId);
    for (const o of seeded) {
      const freeze = await scheduleOf(served, `deactivate:${o.employment_id}`);
      if (o.status === 'Approved' || o.status === 'NoNeedApproval') expect(freeze, o.status).toMatchObject({ status: 'pending', fireAt: midnightAfter(o.offboarding_date, zoneOf(employee(o.employment_id))) });
      else expect(freeze, o.status).toBeUndefined();
    }

    const before = await scheduleOf(served, `deactivate:${leaver.employmentId}`);
    await succeededRun(await startReconciliation(served));
    expect(await scheduleOf(served, `deactivate:${leaver.employmentId}`)).toMatchObject({ status: 'pending', fireAt: before!.fireAt });
  });

  it('at the moment, freezes the account and tells HR and the manager; a reminder goes before; a duplicate webhook schedules once; a frozen or resigned account is done', async () => {
    const served = await serve();
    await emitTo(served);
    const leaver = colleagueIn('America/Los_Angeles');
    const manager = employee(leaver.managerEmploymentId!);
    const date = localDate('America/Los_Angeles', 9);
    const offboardingId = await offboard(leaver, date, 'approval');
    const freezeAt = midnightAfter(date, 'America/Los_Angeles');
    const dayAfter = DateTime.fromISO(date).plus({ days: 1 }).toISODate()!;
    await scheduledAt(served, `deactivate:${leaver.employmentId}`, freezeAt);

    const reminder = await fireNow(served, `deactivate-reminder:${leaver.employmentId}`);
    expect(reminder.output).toMatchObject({ reminded: true, freezeAt });
    let state = await contact();
    for (const receiver of [HR_CHAT, manager.openId]) {
      expect(textsTo(state, receiver)).toEqual([
        `Reminder: ${leaver.name}'s Lark account will be frozen at ${dayAfter} 00:00 America/Los_Angeles (${freezeAt}), for offboarding ${offboardingId} with leaving date ${date}.`,
      ]);
    }
    expect(state.accounts[leaver.openId]!.isFrozen).toBe(false);

    const freeze = await fireNow(served, `deactivate:${leaver.employmentId}`);
    expect(freeze.output).toMatchObject({ frozen: true, already: false });
    state = await contact();
    expect(state.accounts[leaver.openId]!.isFrozen).toBe(true);
    for (const receiver of [HR_CHAT, manager.openId]) {
      expect(textsTo(state, receiver)).toHaveLength(2);
      expect(textsTo(state, receiver)[1]).toBe(`${leaver.name}'s Lark account has been frozen (offboarding ${offboardingId}, leaving date ${date}, effective 24:00 America/Los_Angeles).`);
    }

    // The seeded London leaver's account was frozen by hand, the Singapore one's resigned: a
    // webhook announcing their approval, sent twice as Lark re-delivers it, schedules each once.
    const seeded = (company.offboardings ?? []).filter((o) => employee(o.employmentId).accountFrozen || employee(o.employmentId).accountResigned);
    expect(seeded).toHaveLength(2);
    for (const o of seeded) {
      const who = employee(o.employmentId);
      const event = {
        connector: 'lark-corehr',
        type: 'corehr.offboarding.status_updated_v2',
        id: `ev_approved_${o.offboardingId}`,
        payload: { employment_id: who.employmentId, target_user_id: { open_id: who.openId, union_id: who.unionId, user_id: who.userId }, offboarding_id: o.offboardingId, status: 2 },
        target: `${served.url}/webhooks/lark`,
      };
      for (const outcome of ['accepted', 'duplicate']) {
        const sent = await fetch(`${sandboxUrl}/_sandbox/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(event) });
        expect(await sent.json()).toMatchObject({ status: 200, body: { outcome } });
      }
      const scheduled = await statusOf(served, `deactivate:${who.employmentId}`, 'pending');
      expect(scheduled.generation).toBe(1);
      expect(readStoreFile(ws.database).runs.filter((r) => r.flowId === 'offboarding-deactivation' && r.businessKey === who.employmentId)).toHaveLength(1);

      const sentBefore = (await contact()).messages.length;
      const done = await fireNow(served, `deactivate:${who.employmentId}`);
      expect(done.output).toMatchObject({ frozen: true, already: true, resigned: who.accountResigned === true });
      state = await contact();
      expect(state.accounts[who.openId]).toEqual({ isFrozen: who.accountFrozen === true, isResigned: who.accountResigned === true });
      expect(state.messages).toHaveLength(sentBefore);
    }
  });

  it('freezes at once when the lead time puts the moment in the past, and sends no late reminder', async () => {
    adaptFlows({ leadTime: '3d', reminderBefore: '12h' });
    const served = await serve();
    await emitTo(served);
    const leaver = colleagueIn('Pacific/Auckland');
    const manager = employee(leaver.managerEmploymentId!);
    const date = localDate('Pacific/Auckland', 1);
    const offboardingId = await offboard(leaver, date, 'approval');

    const freezeAt = DateTime.fromISO(midnightAfter(date, 'Pacific/Auckland')).minus({ days: 3 }).toUTC().toISO()!;
    const fired = await statusOf(served, `deactivate:${leaver.employmentId}`, 'fired');
    expect(fired.fireAt).toBe(freezeAt);
    expect((await succeededRun(fired.runId!)).output).toMatchObject({ frozen: true, already: false });
    expect(await scheduleOf(served, `deactivate-reminder:${leaver.employmentId}`)).toBeUndefined();
    const state = await contact();
    expect(state.accounts[leaver.openId]!.isFrozen).toBe(true);
    for (const receiver of [HR_CHAT, manager.openId]) {
      expect(textsTo(state, receiver)).toEqual([`${leaver.name}'s Lark account has been frozen (offboarding ${offboardingId}, leaving date ${date}, effective 24:00 Pacific/Auckland).`]);
    }
  });

  it('at the moment, re-plans instead of freezing when a date change never came through as a webhook', async () => {
    const served = await serve();
    await emitTo(served);
    const leaver = colleagueIn('Asia/Shanghai');
    const date = localDate('Asia/Shanghai', 5);
    const offboardingId = await offboard(leaver, date, 'approval');
    await scheduledAt(served, `deactivate:${leaver.employmentId}`, midnightAfter(date, 'Asia/Shanghai'));

    await emitTo(undefined);
    const later = DateTime.fromISO(date).plus({ days: 7 }).toISODate()!;
    await larkCall('/open-apis/corehr/v2/offboardings/edit', { offboarding_id: offboardingId, update_data: [{ field_name: 'offboarding_date', value: JSON.stringify(later) }] });
    const run = await fireNow(served, `deactivate:${leaver.employmentId}`);
    expect(run.output).toMatchObject({ frozen: false, status: 'Approved' });
    await scheduledAt(served, `deactivate:${leaver.employmentId}`, midnightAfter(later, 'Asia/Shanghai'));
    expect((await contact()).accounts[leaver.openId]!.isFrozen).toBe(false);
  });

  it('ships flows that validate', async () => {
    const files = readdirSync(shippedFlows).filter((n) => n.startsWith('offboarding-deactivation')).map((name) => join(shippedFlows, name));
    const result = await ws.cli(['validate', ...files]);
    expect(result.stdout.trim().split('\n')).toEqual(files.map((file) => expect.stringMatching(new RegExp(`${basename(file)}  ok$`))));
    expect(result.code).toBe(0);
  });
});
