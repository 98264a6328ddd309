import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { startDemoHrApi } from '../../demo/demo-hr-api.js';
import { packageRoot } from '../../package-root.js';
import { createContext } from '../context.js';
import { runLine } from '../format.js';
import { stepPrinter } from '../step-printer.js';
import { loadFlow } from './load-flow.js';

/**
 * Offer to onboard, end to end, on a fresh machine: a stand-in HR API on loopback, the shipped
 * demo flow, the embedded runtime and a throw-away data folder (or STAFFWIRE_DATA_DIR).
 */
export async function demoCommand(options: { offer: string }): Promise<number> {
  const api = await startDemoHrApi();
  process.env.STAFFWIRE_DATA_DIR ??= mkdtempSync(join(tmpdir(), 'staffwire-demo-'));
  const context = await createContext({
    configFile: join(packageRoot, 'staffwire.config.json'),
    connections: { demo_hr: { connector: 'http', baseUrl: api.url, timeoutMs: 5000 } },
    onCheckpoint: stepPrinter(),
  });
  try {
    const flow = loadFlow(context, join(packageRoot, 'flows', 'demo-offer-to-onboard.json'));
    console.log(`Offer to onboard: offer ${options.offer} (stand-in HR API at ${api.url}, data in ${context.config.dataDir})\n`);
    const run = await context.engine.runNow(flow, { offerId: options.offer }, { actor: 'cli' });
    console.log(`\n${runLine(run)}`);
    if (run.status === 'succeeded') console.log(JSON.stringify(run.output, null, 2));
    if (run.error) console.log(`error ${run.error.code} at ${run.error.step}: ${run.error.message}`);
    console.log(`\nSee it again: STAFFWIRE_DATA_DIR=${context.config.dataDir} npx staffwire runs show ${run.id}`);
    return run.status === 'succeeded' ? 0 : 1;
  } finally {
    await context.close();
    await api.close();
  }
}
