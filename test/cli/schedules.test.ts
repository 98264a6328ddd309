import { describe, expect, it } from 'vitest';
import type { ScheduleRecord } from '../../src/store/records.js';
import { useCliWorkspace } from '../support/cli-workspace.js';
import { withStoreFile } from '../support/store-file.js';

/** `staffwire schedules list|show|move|cancel` on the local store, after a flow's schedule step made them. */

const ws = useCliWorkspace('schedules');

/** Schedules `deactivate:<employeeId>` at `at`, read in Shanghai time. */
function offboardingFlows(): string {
  ws.file('flows/deactivate.json', { id: 'deactivate', version: '1', steps: [{ id: 'off', kind: 'set', values: { off: '${ $input.employeeId }' } }] });
  return ws.file('flows/offboarding.json', {
    id: 'offboarding',
    version: '1',
    input: { type: 'object', required: ['employeeId', 'at'], properties: { employeeId: { type: 'string' }, at: { type: 'string' } } },
    steps: [{ id: 'plan', kind: 'schedule', key: 'deactivate:${ $input.employeeId }', flow: 'deactivate', at: '${ $input.at }', input: { employeeId: '${ $input.employeeId }' }, timeZone: 'Asia/Shanghai' }],
  });
}

/** Runs the offboarding flow for each employee; resolves to their run ids. */
async function schedule(flow: string, plans: Record<string, string>): Promise<Record<string, string>> {
  const ran = await Promise.all(Object.entries(plans).map(([employeeId, at]) => ws.cli(['run', flow, '--input', '-'], { input: JSON.stringify({ employeeId, at }) })));
  for (const result of ran) expect(result.code, result.stderr).toBe(0);
  return Object.fromEntries(Object.keys(plans).map((employeeId, i) => [employeeId, /^run (run_\w+)/.exec(ran[i]!.stdout)![1]!]));
}

const lines = (stdout: string) => stdout.trimEnd().split('\n');

describe('staffwire schedules', () => {
  it('lists pending schedules in fire order with the moment in their zone, shows one, moves one and cancels another', async () => {
    const flow = offboardingFlows();
    const runs = await schedule(flow, { 'E-2': '2030-03-02T10:00:00Z', 'E-1': '2030-03-01T10:00:00Z' });

    const listed = await ws.cli(['schedules', 'list']);
    expect(listed.code).toBe(0);
    expect(lines(listed.stdout)).toEqual([
      `${'deactivate:E-1'.padEnd(32)} pending   2030-03-01T10:00:00.000Z (2030-03-01 18:00 Asia/Shanghai)  deactivate`,
      `${'deactivate:E-2'.padEnd(32)} pending   2030-03-02T10:00:00.000Z (2030-03-02 18:00 Asia/Shanghai)  deactivate`,
    ]);

    const [shown, cancelled] = await Promise.all([ws.cli(['schedules', 'show', 'deactivate:E-1']), ws.cli(['schedules', 'cancel', 'deactivate:E-2'])]);
    const moved = await ws.cli(['schedules', 'move', 'deactivate:E-1', '--at', '2030-03-05T18:00:00+08:00']);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('key         deactivate:E-1\n');
    expect(shown.stdout).toMatch(/status {6}pending \(generation \d+\)\n/);
    expect(shown.stdout).toContain('fires at    2030-03-01T10:00:00.000Z  (2030-03-01 18:00 Asia/Shanghai)\n');
    expect(shown.stdout).toContain('flow        deactivate\n');
    expect(shown.stdout).toMatch(new RegExp(`scheduled   \\S+ by run:${runs['E-1']}/plan\\n`));
    expect(shown.stdout).toContain('input:\n{\n  "employeeId": "E-1"\n}\n');
    expect(moved.code).toBe(0);
    expect(moved.stdout).toContain('pending   2030-03-05T10:00:00.000Z (2030-03-05 18:00 Asia/Shanghai)  deactivate');
    expect(cancelled.code).toBe(0);
    expect(cancelled.stdout).toMatch(/^deactivate:E-2 +cancelled /);

    const [pending, gone, json, byPrefix, window] = await Promise.all([
      ws.cli(['schedules', 'list']),
      ws.cli(['schedules', 'list', '--status', 'cancelled']),
      ws.cli(['schedules', 'list', '--status', 'pending,cancelled', '--json']),
      ws.cli(['schedules', 'list', '--key-prefix', 'deactivate:E-2', '--status', 'cancelled,fired']),
      ws.cli(['schedules', 'list', '--from', '2030-03-06', '--to', '2030-04-01T00:00:00+08:00']),
    ]);
    expect(lines(pending.stdout)).toEqual([expect.stringMatching(/^deactivate:E-1 +pending +2030-03-05T10:00:00\.000Z/)]);
    expect(lines(gone.stdout)).toEqual([expect.stringMatching(/^deactivate:E-2 +cancelled +2030-03-02T10:00:00\.000Z/)]);
    expect((JSON.parse(json.stdout) as ScheduleRecord[]).map((s) => [s.key, s.status, s.fireAt])).toEqual([
      ['deactivate:E-2', 'cancelled', '2030-03-02T10:00:00.000Z'],
      ['deactivate:E-1', 'pending', '2030-03-05T10:00:00.000Z'],
    ]);
    expect(lines(byPrefix.stdout)).toEqual([expect.stringMatching(/^deactivate:E-2 +cancelled/)]);
    expect(window.stdout).toBe('no pending schedules\n');
  });

  it('says what is wrong with a key, a moment or a status, and exits non-zero', async () => {
    await withStoreFile(ws.database, async (store) => {
      const at = new Date().toISOString();
      await store.putSchedule({ key: 'deactivate:E-1', flowId: 'deactivate', input: {}, fireAt: '2030-03-01T10:00:00.000Z', createdBy: 'test', at });
      await store.cancelSchedule('deactivate:E-1', at);
    });

    const [unknown, again, noZone, past, moveCancelled, badStatus, badFrom, cancelUnknown] = await Promise.all([
      ws.cli(['schedules', 'show', 'deactivate:nobody']),
      ws.cli(['schedules', 'cancel', 'deactivate:E-1']),
      ws.cli(['schedules', 'move', 'deactivate:E-1', '--at', '2030-03-01 18:00']),
      ws.cli(['schedules', 'move', 'deactivate:E-1', '--at', '2001-01-01T00:00:00Z']),
      ws.cli(['schedules', 'move', 'deactivate:E-1', '--at', '2031-01-01T00:00:00Z']),
      ws.cli(['schedules', 'list', '--status', 'done']),
      ws.cli(['schedules', 'list', '--from', 'yesterday']),
      ws.cli(['schedules', 'cancel', 'deactivate:nobody']),
    ]);
    expect([unknown.code, unknown.stderr]).toEqual([2, 'staffwire: nothing is scheduled under key deactivate:nobody\n']);
    expect([again.code, again.stderr]).toEqual([1, 'staffwire: the schedule deactivate:E-1 is cancelled: only a pending schedule can be cancelled\n']);
    expect(noZone.code).toBe(2);
    expect(noZone.stderr).toContain('--at must be a moment with its zone, e.g. 2030-03-01T18:00:00+08:00, got "2030-03-01 18:00"');
    expect([past.code, past.stderr]).toEqual([1, 'staffwire: 2001-01-01T00:00:00Z has passed: move the schedule to a moment to come\n']);
    expect([moveCancelled.code, moveCancelled.stderr]).toEqual([1, 'staffwire: the schedule deactivate:E-1 is cancelled: only a pending schedule can be moved\n']);
    expect([badStatus.code, badStatus.stderr]).toEqual([2, 'staffwire: unknown status done (statuses: pending, fired, cancelled)\n']);
    expect(badFrom.code).toBe(2);
    expect(badFrom.stderr).toContain('--from must be a date (2030-03-01) or a moment with its zone');
    expect(cancelUnknown.code).not.toBe(0);
    expect(cancelUnknown.stderr).toBe('staffwire: nothing is scheduled under key deactivate:nobody\n');
  });
});
