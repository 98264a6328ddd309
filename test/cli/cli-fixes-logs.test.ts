import { existsSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSandbox, DEFAULT_SANDBOX_CREDENTIALS } from '../../src/sandbox/sandbox-server.js';
import { seedCompany } from '../../src/sandbox/seed-company.js';
import { useCliWorkspace } from '../support/cli-workspace.js';
import { countedCall } from '../support/counting-server.js';

/**
 * Where the CLI's JSON log lines go (a file under the data folder unless STAFFWIRE_LOG_FILE
 * says otherwise), so they never break up the lines a command prints; and what is in them.
 */

const ws = useCliWorkspace('cli-logs');

/** A call answered 503 once, then 200, with a step retry in between: the engine logs a warning between two step lines. */
const flaky = {
  id: 'flaky',
  version: '1',
  steps: [{ ...countedCall('flaky'), retry: { maxAttempts: 2, initialDelay: '10ms', jitter: false } }, { id: 'done', kind: 'return', output: { ok: true } }],
};
const defaultLogFile = () => join(ws.dir, 'data', 'logs', 'staffwire.log');
const logLines = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean);

describe('logs', () => {
  it('go to <dataDir>/logs/staffwire.log, not between the step lines, unless STAFFWIRE_LOG_FILE says where', async () => {
    const flow = ws.file('flows/flaky.json', flaky);
    // Each run's first call is answered 503, its second 200.
    const seen = new Set<string>();
    ws.server.onCall((call, respond) => {
      const { runId } = call.body as { runId: string };
      if (seen.has(runId)) return respond();
      seen.add(runId);
      respond(503, { error: 'busy' });
    });
    const elsewhere = join(ws.dir, 'elsewhere.log');
    const [quiet, toStderr, toFile] = await Promise.all([
      ws.cli(['run', flow]),
      ws.cli(['run', flow], { env: { STAFFWIRE_LOG_FILE: '-' } }),
      ws.cli(['run', flow], { env: { STAFFWIRE_LOG_FILE: elsewhere } }),
    ]);
    for (const result of [quiet, toStderr, toFile]) {
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^run run_\w+ {2}flaky@1\n {2}✓ succeeded flaky .*\(2 attempts\)\n {2}✓ succeeded done /);
      expect(result.stdout).not.toContain('"level"');
    }
    expect(quiet.stderr).toBe('');
    const runIdOf = (stdout: string) => /^run (run_\w+)/.exec(stdout)![1]!;
    const retried = (line: string, runId: string) => {
      const entry = JSON.parse(line) as Record<string, unknown>;
      return entry.msg === 'step failed; retrying' && entry.runId === runId;
    };
    expect(logLines(defaultLogFile()).filter((l) => retried(l, runIdOf(quiet.stdout)))).toHaveLength(1);
    expect(toStderr.stderr.split('\n').filter((l) => l.startsWith('{') && retried(l, runIdOf(toStderr.stdout)))).toHaveLength(1);
    expect(logLines(elsewhere).filter((l) => retried(l, runIdOf(toFile.stdout)))).toHaveLength(1);
    expect(logLines(defaultLogFile()).some((l) => retried(l, runIdOf(toFile.stdout)))).toBe(false);
  });

  it('creates no log file for a command that logged nothing', async () => {
    expect((await ws.cli(['runs', 'list'])).code).toBe(0);
    expect(existsSync(defaultLogFile())).toBe(false);
  });

  it('never repeat a key in a line: a step logs its path, a Lark or DocuSign request its own', async () => {
    const company = seedCompany({ employees: 2 });
    const sandbox = await createSandbox({ company });
    try {
      await sandbox.app.listen({ port: 0, host: '127.0.0.1' });
      const sandboxUrl = `http://127.0.0.1:${(sandbox.app.server.address() as AddressInfo).port}`;
      const { lark, docusign } = DEFAULT_SANDBOX_CREDENTIALS;
      ws.configure({
        connections: {
          lark: { connector: 'lark-contact', baseUrl: sandboxUrl, appId: lark.appId, appSecret: { env: 'FIXES_LARK_SECRET' } },
          esign: { connector: 'docusign', baseUri: sandboxUrl, accountId: docusign.accountId, accessToken: { env: 'FIXES_DOCUSIGN_TOKEN' } },
        },
      });
      const flow = ws.file('flows/lookups.json', {
        id: 'lookups',
        version: '1',
        steps: [
          { id: 'person', kind: 'call', action: 'lark-contact.user.get', connection: 'lark', with: { user_id: company.employees[0]!.openId, user_id_type: 'open_id' } },
          { id: 'envelope', kind: 'call', action: 'docusign.envelope.get', connection: 'esign', with: { envelopeId: 'no-such-envelope' } },
        ],
      });
      const result = await ws.cli(['run', flow], { env: { STAFFWIRE_LOG_LEVEL: 'debug', FIXES_LARK_SECRET: lark.appSecret, FIXES_DOCUSIGN_TOKEN: docusign.accessToken } });
      expect(result.stdout).toMatch(/✓ succeeded person/);
      const lines = logLines(defaultLogFile());
      const messages = lines.map((l) => (JSON.parse(l) as { msg: string }).msg);
      expect(messages).toContain('lark request');
      expect(messages).toContain('docusign request');
      for (const line of lines) expect(repeatedKeys(line), line).toEqual([]);
      const requests = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'lark request');
      expect(requests).toContainEqual(expect.objectContaining({ stepId: 'person', path: 'person', connection: 'lark', requestPath: expect.stringMatching(/^\/open-apis\/contact\//) }));
    } finally {
      await sandbox.app.close();
    }
  });
});

/**
 * Keys that appear twice in one object of a JSON text, at any depth. JSON.parse keeps only the
 * last of them, so the raw text is scanned.
 */
function repeatedKeys(text: string): string[] {
  const repeated: string[] = [];
  const objects: (Set<string> | undefined)[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      const start = i;
      for (i++; text[i] !== '"'; i++) if (text[i] === '\\') i++;
      let next = i + 1;
      while (text[next] === ' ') next++;
      const keys = objects.at(-1);
      if (text[next] === ':' && keys) {
        const key = JSON.parse(text.slice(start, i + 1)) as string;
        if (keys.has(key)) repeated.push(key);
        keys.add(key);
      }
    } else if (c === '{') objects.push(new Set());
    else if (c === '[') objects.push(undefined);
    else if (c === '}' || c === ']') objects.pop();
  }
  return repeated;
}
