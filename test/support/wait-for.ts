import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Waits until `condition` holds, looking every 20 ms: tests wait for a state, never for a
 * duration. Bounded, so a condition that never comes fails the test with what was awaited
 * (`what` may be a function, to say how far it got).
 */
export async function waitFor(condition: () => boolean | Promise<boolean>, what: string | (() => string | Promise<string>), maxMs = 60_000): Promise<void> {
  for (let waited = 0; waited < maxMs; waited += 20) {
    if (await condition()) return;
    await sleep(20);
  }
  throw new Error(`gave up waiting for ${typeof what === 'string' ? what : await what()}`);
}
