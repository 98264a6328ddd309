import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHAPTERS } from '../../demo/demo-chapters.js';
import { DEMO_EMPLOYEES, startDemoEnvironment } from '../../demo/demo-environment.js';
import { LiveRuns } from '../../demo/live-runs.js';
import { createLogger } from '../../log/logger.js';
import { stopSignal } from '../../server/server.js';
import { logDestination } from '../log-destination.js';

export interface DemoOptions {
  /** Stop after the story instead of serving until Ctrl-C (for scripts and CI). */
  serve: boolean;
}

/**
 * The three HR jobs, end to end, on a fresh machine: the sandbox (a seeded company) and an
 * embedded `staffwire serve` pointed at it, then a story told through the real webhook intake —
 * an offer accepted and its contract signed, an offboarding approved and the account frozen, the
 * talent review synced, a bonus batch paid — each run shown live. Then it keeps serving (the API,
 * the docs, the runs) until Ctrl-C.
 */
export async function demoCommand(options: DemoOptions): Promise<number> {
  const dataDir = process.env.STAFFWIRE_DATA_DIR ?? mkdtempSync(join(tmpdir(), 'staffwire-demo-'));
  const stop = options.serve ? stopSignal(createLogger('silent')) : undefined;
  const live = new LiveRuns();
  const log = createLogger(process.env.STAFFWIRE_LOG_LEVEL || 'warn', logDestination(dataDir, 'command'));
  console.log(`Staffwire demo: starting the sandbox (${DEMO_EMPLOYEES} employees) and an embedded staffwire serve…`);
  const env = await startDemoEnvironment(dataDir, { log, onCheckpoint: live.onCheckpoint });
  live.attach(env.app.store);
  try {
    console.log(`  sandbox  ${env.sandboxUrl}`);
    console.log(`  serve    ${env.server.url}  (data in ${dataDir})`);
    await fetch(`${env.sandboxUrl}/_sandbox/emission`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ target: `${env.server.url}/webhooks/lark` }),
    });
    const story = { env, say: (line: string) => console.log(line), settle: () => live.flushed() };
    for (const [i, chapter] of CHAPTERS.entries()) {
      console.log(`\n${i + 1}. ${chapter.title}`);
      await chapter.play(story);
    }
    await live.flushed();
    const config = `--config ${env.configFile}`;
    console.log(
      [
        '',
        'Where to look next:',
        `  console    ${env.server.url}/  (sign in with the API token below)`,
        `  API docs   ${env.server.url}/docs`,
        `  runs       npx staffwire runs list ${config}`,
        `  a run      npx staffwire runs show <run id> ${config}`,
        `  API token  ${env.token}  (operator; e.g. curl -H "Authorization: Bearer ${env.token}" ${env.server.url}/api/v1/runs)`,
        `  sandbox    ${env.sandboxUrl}/_sandbox/state`,
      ].join('\n'),
    );
    if (!stop) return 0;
    console.log('Serving until Ctrl-C.');
    await stop;
    return 0;
  } finally {
    await env.close();
  }
}
