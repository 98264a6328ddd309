import type { Redis } from 'ioredis';
import type { StaffwireConfig } from '../../config/config.js';
import { queueStoreProblem } from '../../config/queue-store-problem.js';
import { redactedUrl } from '../../config/redacted-url.js';
import { messageOf, type DoctorCheck } from './doctor-check.js';

/** How long connecting to Redis, and each command, may take: doctor reports an unreachable Redis instead of waiting for it. */
const REDIS_TIMEOUT_MS = 3000;

/**
 * Queue mode's Redis, when one is configured: reachable, configured never to evict (BullMQ's
 * requirement), and persistent. Only reads settings (CONFIG GET), never sets any.
 */
export async function checkRedis(config: StaffwireConfig): Promise<DoctorCheck[]> {
  const url = config.queue.redisUrl;
  if (url === undefined) {
    return [{ group: 'redis', name: 'redis', status: 'skip', finding: 'embedded mode (no REDIS_URL or queue.redisUrl): runs execute in the serve process, no Redis is used' }];
  }
  const storeProblem = queueStoreProblem(config);
  const queueStore: DoctorCheck = storeProblem
    ? { group: 'redis', name: 'queue mode store', status: 'fail', finding: 'queue mode with the SQLite store: serve and worker refuse to start', fix: storeProblem }
    : { group: 'redis', name: 'queue mode store', status: 'ok', finding: 'a PostgreSQL store, which serve and every worker share' };
  const location = redactedUrl(url);
  // Loaded only in queue mode, as the app does: embedded installations never pay for it.
  const { Redis } = await import('ioredis');
  const redis = new Redis(url, {
    lazyConnect: true,
    connectionName: 'staffwire:doctor',
    connectTimeout: REDIS_TIMEOUT_MS,
    commandTimeout: REDIS_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  // connect() rejects with a bare "Connection is closed."; the cause comes as an error event.
  let lastError: Error | undefined;
  redis.on('error', (err: Error) => (lastError = err));
  try {
    let problem: string | undefined;
    try {
      await redis.connect();
    } catch (err) {
      problem = `cannot be reached: ${describeRedisError(lastError ?? (err as Error))}`;
    }
    if (problem === undefined) {
      // A Redis that wants a password accepts the connection and refuses the first command.
      problem = await redis.ping().then(
        () => undefined,
        (err: unknown) => `answers PING with an error: ${messageOf(err)}`,
      );
    }
    if (problem !== undefined) {
      const notChecked = (name: string): DoctorCheck => ({ group: 'redis', name, status: 'skip', finding: 'not checked: Redis cannot be used' });
      return [
        queueStore,
        { group: 'redis', name: 'redis', status: 'fail', finding: `Redis ${location} ${problem}`, fix: 'start Redis there, or correct REDIS_URL or queue.redisUrl (host, port, password; rediss:// for TLS)' },
        notChecked('redis eviction policy'),
        notChecked('redis persistence'),
      ];
    }
    return [queueStore, { group: 'redis', name: 'redis', status: 'ok', finding: `Redis ${location} answers` }, await evictionCheck(redis), await persistenceCheck(redis)];
  } finally {
    // On a connection that already ended, disconnect() would arm a 2 s timer that nothing clears, keeping the process alive.
    if (redis.status !== 'end') redis.disconnect();
  }
}

async function evictionCheck(redis: Redis): Promise<DoctorCheck> {
  let policy: string;
  try {
    policy = await configValue(redis, 'maxmemory-policy');
  } catch (err) {
    return unverifiable('redis eviction policy', err, 'make sure maxmemory-policy is noeviction (on a managed Redis, in the provider\'s parameter settings)');
  }
  if (policy === 'noeviction') return { group: 'redis', name: 'redis eviction policy', status: 'ok', finding: 'maxmemory-policy noeviction' };
  return {
    group: 'redis',
    name: 'redis eviction policy',
    status: 'fail',
    finding: `maxmemory-policy is ${policy}: under memory pressure Redis may delete BullMQ's keys, which BullMQ does not survive (it requires noeviction); a run whose wake-up job was evicted waits until the sweeper finds it in the store`,
    fix: '`CONFIG SET maxmemory-policy noeviction` now, and `maxmemory-policy noeviction` in redis.conf so a restart keeps it',
  };
}

async function persistenceCheck(redis: Redis): Promise<DoctorCheck> {
  let appendonly: string;
  let save: string;
  try {
    appendonly = await configValue(redis, 'appendonly');
    save = await configValue(redis, 'save');
  } catch (err) {
    return unverifiable('redis persistence', err, 'make sure AOF persistence (appendonly yes) is on, or RDB snapshots');
  }
  if (appendonly === 'yes') return { group: 'redis', name: 'redis persistence', status: 'ok', finding: 'AOF on (appendonly yes)' };
  if (save.trim() !== '') return { group: 'redis', name: 'redis persistence', status: 'ok', finding: `RDB snapshots (save ${save}); AOF off` };
  return {
    group: 'redis',
    name: 'redis persistence',
    status: 'warn',
    finding: 'neither AOF nor RDB snapshots: a Redis restart empties the queue. No run is lost (the store is the truth), but every due run waits to be found again by the sweeper',
    fix: '`CONFIG SET appendonly yes` now, and `appendonly yes` in redis.conf',
  };
}

/** A CONFIG GET answer is [name, value], or nothing for a setting this Redis does not have. */
async function configValue(redis: Redis, name: string): Promise<string> {
  const answer = (await redis.config('GET', name)) as string[];
  return answer[1] ?? '';
}

/** Managed Redis services often disable or rename CONFIG: the setting is then the provider's to show. */
function unverifiable(name: string, err: unknown, fix: string): DoctorCheck {
  return { group: 'redis', name, status: 'warn', finding: `could not be verified: CONFIG GET was refused (${messageOf(err)})`, fix };
}

function describeRedisError(err: Error): string {
  const code = (err as NodeJS.ErrnoException).code;
  return code && !err.message.includes(code) ? `${err.message} (${code})` : err.message;
}
