import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

/** The Redis tests use: REDIS_URL, else the machine's own on loopback. */
export const TEST_REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A key prefix of its own for one test, so runs sharing the Redis never see each other's keys. */
export function testPrefix(name: string): string {
  return `swtest-${name}-${randomBytes(4).toString('hex')}`;
}

/** Deletes every key under the prefix: what a test leaves in the shared Redis. */
export async function dropPrefix(prefix: string, url = TEST_REDIS_URL): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
