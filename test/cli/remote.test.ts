import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../src/store/records.js';
import { runCli } from '../support/cli.js';
import { countedCall } from '../support/counting-server.js';
import { useServedWorkspace } from '../support/serve-process.js';
import { readStoreFile } from '../support/store-file.js';

/**
 * The `runs` commands against a running `staffwire serve` (`--server URL --token T`, or
 * STAFFWIRE_SERVER and STAFFWIRE_TOKEN): the same lines as on the local store, the server doing
 * the work, and clear errors for a wrong token or no server.
 */

// /charge fails while `failCharges` holds. After it, `charge` waits briefly (a retry stays for
// that), `charge-later` for half a minute (a retry with --wait-up-to 0 leaves that to the server).
let failCharges = true;
const chargeThenWait = (id: string, wait: string) => ({
  id,
  version: '1',
  steps: [countedCall('charge'), { id: 'pause', kind: 'wait', for: wait }, { id: 'done', kind: 'return', output: { charged: true } }],
});
const ws = useServedWorkspace('remote', [
  { id: 'greeting', version: '1', steps: [countedCall('greet'), { id: 'done', kind: 'return', output: { greeted: true } }] },
  { id: 'long-wait', version: '1', steps: [{ id: 'pause', kind: 'wait', for: '1h' }] },
  chargeThenWait('charge', '1s'),
  chargeThenWait('charge-later', '30s'),
]);

const runOf = (id: string): RunRecord | undefined => readStoreFile(ws.database).runs.find((r) => r.id === id);

describe('runs through --server', () => {
  it('lists and shows runs with the same lines as on the local store, by flags or by environment', async () => {
    const { result, runId } = await ws.runLocally('greeting');
    expect(result.code).toBe(0);
    const [listedHere, listedThere, shownHere, shownThere, shownByEnv, json] = await Promise.all([
      ws.local(['runs', 'list', '--flow', 'greeting']),
      ws.remote(['runs', 'list', '--flow', 'greeting']),
      ws.local(['runs', 'show', runId]),
      ws.remote(['runs', 'show', runId]),
      ws.remoteByEnv(['runs', 'show', runId]),
      ws.remote(['runs', 'show', runId, '--json']),
    ]);
    expect(listedThere.stderr).toBe('');
    expect(listedThere.code).toBe(0);
    expect(listedThere.stdout).toContain(`${runId}  succeeded greeting@1`);
    expect(listedThere.stdout).toBe(listedHere.stdout);
    expect(shownThere.code).toBe(0);
    expect(shownThere.stdout).toBe(shownHere.stdout);
    expect(shownByEnv.stdout).toBe(shownHere.stdout);
    expect(JSON.parse(json.stdout)).toMatchObject({ id: runId, status: 'succeeded', output: { greeted: true }, steps: [{ path: 'greet' }, { path: 'done' }] });
  });

  it('cancels a waiting run, and retries failed runs on the server while following them as long as --wait-up-to says', async () => {
    ws.vendor.onCall((call, respond) => (call.path === '/charge' && failCharges ? respond(400, { error: 'declined' }) : respond()));
    const [waiting, stays, leaves] = await Promise.all([ws.runLocally('long-wait'), ws.runLocally('charge'), ws.runLocally('charge-later')]);
    expect(waiting.result.stdout).toContain('waits until');
    for (const failed of [stays, leaves]) expect(failed.result.code).toBe(1);

    const cancelled = await ws.remote(['runs', 'cancel', waiting.runId]);
    expect(cancelled.code).toBe(0);
    expect(cancelled.stdout).toMatch(new RegExp(`^${waiting.runId} {2}cancelled `));
    expect(runOf(waiting.runId)?.status).toBe('cancelled');

    failCharges = false;
    const [stayed, left] = await Promise.all([ws.remote(['runs', 'retry', stays.runId]), ws.remote(['runs', 'retry', leaves.runId, '--wait-up-to', '0'])]);
    expect(stayed.stderr).toBe('');
    expect(stayed.code).toBe(0);
    expect(stayed.stdout).toMatch(/ {2}✓ succeeded charge [\s\S]* {2}✓ succeeded pause [\s\S]*succeeded charge@1[\s\S]*"charged": true/);
    expect(left.code).toBe(0);
    expect(left.stdout).toMatch(new RegExp(`${leaves.runId} {2}waiting +charge-later@1`));
    expect(left.stdout).toContain('waits until');
    expect(runOf(leaves.runId)?.status).toBe('waiting');
  });
});

describe('errors through --server', () => {
  it('says so, exiting non-zero, for a wrong token, a missing one, a role too low, a run that is not there and a server that is not', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
    const nowhere = `http://127.0.0.1:${closedPort}`;
    const url = ws.serve.url;
    const [wrongToken, noToken, tooLow, missing, unreachable, tokenAlone, resume] = await Promise.all([
      ws.remote(['runs', 'list'], 'sw_not-a-token-this-server-knows'),
      ws.remoteByEnv(['runs', 'list'], {}),
      ws.remote(['runs', 'cancel', 'run_anything'], ws.viewer.token),
      ws.remote(['runs', 'show', 'run_missing']),
      runCli(['runs', 'list', '--server', nowhere, '--token', ws.operator.token]),
      runCli(['runs', 'list', '--token', ws.operator.token]),
      runCli(['runs', 'resume', '--server', url]),
    ]);
    expect(wrongToken.code).toBe(2);
    expect(wrongToken.stderr).toMatch(new RegExp(`^staffwire: the server at ${url} refused the token: .+\\n$`));
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toContain(`the server at ${url} needs a token: pass --token or set STAFFWIRE_TOKEN`);
    expect(tooLow.code).toBe(2);
    expect(tooLow.stderr).toMatch(new RegExp(`^staffwire: the server at ${url} refused: .+\\n$`));
    expect([missing.code, missing.stderr]).toEqual([2, 'staffwire: no run with id run_missing\n']);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toBe(`staffwire: cannot reach the Staffwire server at ${nowhere} (ECONNREFUSED): is \`staffwire serve\` running there? (--server, or STAFFWIRE_SERVER)\n`);
    expect(tokenAlone.code).toBe(2);
    expect(tokenAlone.stderr).toContain('--token needs --server (or STAFFWIRE_SERVER)');
    expect(resume.code).toBe(2);
    expect(resume.stderr).toContain('a running `staffwire serve` resumes interrupted runs and continues due waits by itself');
  });
});
