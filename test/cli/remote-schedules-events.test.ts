import { describe, expect, it } from 'vitest';
import { useServedWorkspace } from '../support/serve-process.js';
import { withStoreFile } from '../support/store-file.js';

/**
 * The `schedules` and `events` commands against a running `staffwire serve`: the same lines and
 * the same errors as on the local store.
 */

const ws = useServedWorkspace('remote-schedules', [{ id: 'greeting', version: '1', steps: [{ id: 'hi', kind: 'set', values: { hi: true } }] }]);

describe('schedules through the server', () => {
  it('lists, shows, moves and cancels schedules by STAFFWIRE_SERVER and STAFFWIRE_TOKEN as the local store does', async () => {
    await withStoreFile(ws.database, async (store) => {
      const at = new Date().toISOString();
      for (const [key, fireAt] of [['remote:E-1', '2030-03-01T10:00:00.000Z'], ['remote:E-2', '2030-03-02T10:00:00.000Z']] as const) {
        await store.putSchedule({ key, flowId: 'greeting', input: { employeeId: key }, fireAt, timeZone: 'Europe/Berlin', createdBy: 'test', at });
      }
    });
    const [listedHere, listedThere, shownHere, shownThere] = await Promise.all([
      ws.local(['schedules', 'list', '--key-prefix', 'remote:']),
      ws.remoteByEnv(['schedules', 'list', '--key-prefix', 'remote:']),
      ws.local(['schedules', 'show', 'remote:E-1']),
      ws.remoteByEnv(['schedules', 'show', 'remote:E-1']),
    ]);
    expect(listedThere.code).toBe(0);
    expect(listedThere.stdout).toContain(`${'remote:E-1'.padEnd(32)} pending   2030-03-01T10:00:00.000Z (2030-03-01 11:00 Europe/Berlin)  greeting`);
    expect(listedThere.stdout).toBe(listedHere.stdout);
    expect(shownThere.stdout).toBe(shownHere.stdout);

    const [moved, cancelled] = await Promise.all([
      ws.remoteByEnv(['schedules', 'move', 'remote:E-1', '--at', '2030-04-01T12:00:00+02:00']),
      ws.remoteByEnv(['schedules', 'cancel', 'remote:E-2']),
    ]);
    expect(moved.code).toBe(0);
    expect(moved.stdout).toContain('pending   2030-04-01T10:00:00.000Z (2030-04-01 12:00 Europe/Berlin)');
    expect(cancelled.code).toBe(0);
    expect(cancelled.stdout).toMatch(/^remote:E-2 +cancelled /);

    const [againHere, againThere, missingHere, missingThere] = await Promise.all([
      ws.local(['schedules', 'cancel', 'remote:E-2']),
      ws.remoteByEnv(['schedules', 'cancel', 'remote:E-2']),
      ws.local(['schedules', 'show', 'remote:nobody']),
      ws.remoteByEnv(['schedules', 'show', 'remote:nobody']),
    ]);
    expect([againThere.code, againThere.stderr]).toEqual([1, 'staffwire: the schedule remote:E-2 is cancelled: only a pending schedule can be cancelled\n']);
    expect([againThere.code, againThere.stderr]).toEqual([againHere.code, againHere.stderr]);
    expect([missingThere.code, missingThere.stderr]).toEqual([2, 'staffwire: nothing is scheduled under key remote:nobody\n']);
    expect([missingThere.code, missingThere.stderr]).toEqual([missingHere.code, missingHere.stderr]);
  });
});

describe('events through the server', () => {
  it('lists and shows webhook deliveries as the local store does', async () => {
    const delivery = await withStoreFile(ws.database, (store) =>
      store.recordDelivery({ source: 'esign', receivedAt: new Date().toISOString(), outcome: 'refused', reason: { code: 'webhook.bad_signature', message: 'signature does not match' } }),
    );
    const [listedHere, listedThere, shownHere, shownThere, wrongToken] = await Promise.all([
      ws.local(['events', 'list', '--source', 'esign']),
      ws.remote(['events', 'list', '--source', 'esign']),
      ws.local(['events', 'show', String(delivery.id)]),
      ws.remote(['events', 'show', String(delivery.id)]),
      ws.remote(['events', 'list'], 'sw_wrong'),
    ]);
    expect(listedThere.code).toBe(0);
    expect(listedThere.stdout).toContain(`${String(delivery.id).padStart(6)}  ${delivery.receivedAt}  esign            refused    webhook.bad_signature: signature does not match`);
    expect(listedThere.stdout).toBe(listedHere.stdout);
    expect(shownThere.stdout).toBe(shownHere.stdout);
    expect(wrongToken.code).toBe(2);
    expect(wrongToken.stderr).toContain(`the server at ${ws.serve.url} refused the token`);
  });
});
