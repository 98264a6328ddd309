import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { coreHrState } from '../../connectors/lark-corehr/sandbox.js';
import { createSandbox, DEFAULT_SANDBOX_CREDENTIALS, type Sandbox } from '../../src/sandbox/sandbox-server.js';
import { seedCompany } from '../../src/sandbox/seed-company.js';
import { useCliWorkspace } from '../support/cli-workspace.js';
import { ServeProcesses } from '../support/serve-process.js';
import { readStoreFile } from '../support/store-file.js';
import { waitFor } from '../support/wait-for.js';

/**
 * The shipped talent-review-sync flow against the sandbox: manual runs by `staffwire run` and a
 * rating change pushed by the Performance fake through the real intake of `staffwire serve`.
 */

const FLOW = 'talent-review-sync';
const SEMESTER = 'sandbox-semester-2025-annual';
const lark = DEFAULT_SANDBOX_CREDENTIALS.lark;
const env = { SERVE_LARK_SECRET: lark.appSecret, SERVE_LARK_TOKEN: lark.verificationToken, SERVE_LARK_KEY: lark.encryptKey };
const company = seedCompany({ employees: 40, seed: 'talent-review' });
const flowFile = readFileSync(fileURLToPath(new URL(`../../flows/${FLOW}.json`, import.meta.url)), 'utf8');

const ws = useCliWorkspace('talent-review');
const serves = new ServeProcesses();
let sandbox: Sandbox;
let sandboxUrl: string;

type Cells = Record<string, unknown>;

beforeEach(async () => {
  sandbox = await createSandbox({ company });
  await sandbox.app.listen({ port: 0, host: '127.0.0.1' });
  sandboxUrl = `http://127.0.0.1:${(sandbox.app.server.address() as AddressInfo).port}`;
  ws.configure({
    connections: {
      lark: {
        connector: 'lark-corehr',
        baseUrl: sandboxUrl,
        appId: lark.appId,
        appSecret: { env: 'SERVE_LARK_SECRET' },
        webhook: { verificationToken: { env: 'SERVE_LARK_TOKEN' }, encryptKey: { env: 'SERVE_LARK_KEY' } },
      },
    },
  });
  ws.file(`flows/${FLOW}.json`, flowFile);
});

afterEach(async () => {
  await serves.killAll();
  await sandbox.app.close();
});

/** The talent-review table's rows as the Bitable fake holds them, by record id. */
function talentRows(): Record<string, Cells> {
  const state = sandbox.context.state<{ apps: Record<string, { tables: Record<string, { records: Record<string, Cells> }> }> }>('lark-bitable', () => {
    throw new Error('the bitable fake has no state yet');
  });
  return structuredClone(state.apps.bascnStaffwireSandbox!.tables.tblTalentReview!.records);
}

function rowOf(openId: string): Cells {
  const rows = Object.values(talentRows()).filter((cells) => cells['Open ID'] === openId);
  expect(rows).toHaveLength(1);
  return rows[0]!;
}

async function runManually(): Promise<{ employees: Record<string, unknown>; ratings: Record<string, unknown> }> {
  const result = await ws.cli(['run', FLOW, '--json'], { env });
  expect(result.code, result.stderr).toBe(0);
  return (JSON.parse(result.stdout) as { output: { employees: Record<string, unknown>; ratings: Record<string, unknown> } }).output;
}

describe('talent-review-sync against the sandbox', () => {
  it('fills one row per employee, rewrites only changed rows, marks leavers, and takes a rating change from its event', async () => {
    const serve = await serves.start(['--config', ws.config], { env });

    const first = await runManually();
    expect(first.employees).toMatchObject({ read: 40, created: 40, failed: 0 });
    expect(first.ratings).toMatchObject({ read: 40, failed: 0 });
    const rows = talentRows();
    expect(Object.keys(rows)).toHaveLength(40);
    const someone = company.employees[7]!;
    expect(rowOf(someone.openId)).toMatchObject({ Name: someone.name, Email: someone.email, 'Employee number': someone.employeeNo, Status: 'Active', 'Rating cycle': SEMESTER });
    expect(rowOf(someone.openId).Rating).toMatch(/^[SABCD]$/);
    expect(Object.values(rows).every((cells) => typeof cells.Rating === 'string' && typeof cells.Name === 'string')).toBe(true);

    // One leaver and one changed email: the second run writes those two rows and nothing else.
    const leaver = coreHrState(sandbox.context).employees.find((e) => e.status === 'hired' && e.openId !== someone.openId)!;
    leaver.status = 'terminated';
    const mover = coreHrState(sandbox.context).employees.find((e) => e.status === 'hired' && e.openId !== someone.openId)!;
    mover.email = `moved.${mover.email}`;
    const before = talentRows();
    const second = await runManually();
    expect(second.employees).toMatchObject({ read: 40, created: 0, updated: 2, unchanged: 38, failed: 0 });
    expect(second.ratings).toMatchObject({ created: 0, updated: 0, failed: 0 });
    const after = talentRows();
    const changed = Object.keys(after).filter((id) => JSON.stringify(after[id]) !== JSON.stringify(before[id]));
    expect(changed.map((id) => after[id]!['Open ID']).sort()).toEqual([leaver.openId, mover.openId].sort());
    expect(rowOf(leaver.openId)).toMatchObject({ Status: 'Terminated', Name: leaver.name });
    expect(rowOf(mover.openId).Email).toBe(mover.email);

    // A leader changes someone's rating; Performance pushes review_data.changed_v2 to serve.
    const oldLabel = rowOf(someone.openId).Rating;
    const newLabel = oldLabel === 'S' ? 'C' : 'S';
    const change = await fetch(`${sandboxUrl}/_sandbox/lark-performance/ratings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ semester_id: SEMESTER, user_id: someone.openId, label: newLabel, target: `${serve.url}/webhooks/lark` }),
    });
    expect(change.status).toBe(200);
    expect(await change.json()).toMatchObject({ delivery: { status: 200, body: { outcome: 'accepted' } } });
    const eventRun = () => readStoreFile(ws.database).runs.find((r) => r.flowId === FLOW && r.createdBy?.startsWith('event:') === true);
    await waitFor(() => eventRun()?.status === 'succeeded' || eventRun()?.status === 'failed', 'the event run of talent-review-sync to end');
    expect(eventRun()).toMatchObject({ status: 'succeeded', output: { reviewees: 1 } });
    expect(rowOf(someone.openId)).toMatchObject({ Rating: newLabel, Name: someone.name, Status: 'Active' });
    expect(Object.keys(talentRows())).toHaveLength(40);

    // The nightly pass that follows reads the change again and finds the row already up to date.
    const third = await runManually();
    expect(third.employees).toMatchObject({ updated: 0, unchanged: 40 });
    expect(third.ratings).toMatchObject({ created: 0, updated: 0, failed: 0 });
  });
});
