import { createContext } from '../context.js';

/**
 * The long-running embedded process: resumes interrupted runs and fires waits and retries when
 * due. Stops cleanly on SIGINT/SIGTERM, letting runs in flight park or finish.
 */
export async function serveCommand(options: { config?: string }): Promise<number> {
  const context = await createContext(options.config ? { configFile: options.config } : {});
  await context.runtime.start();
  console.error(`staffwire serving (embedded runtime, data in ${context.config.dataDir}); Ctrl-C stops`);
  // Signal listeners alone do not keep Node's event loop alive.
  const keepAlive = setInterval(() => undefined, 1 << 30);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  clearInterval(keepAlive);
  await context.close();
  return 0;
}
