import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ApiTokenConfig } from '../../config/config.js';

/** Tokens look like `sw_<43 base64url characters>`: 256 random bits, recognisable in a leak scan. */
export const TOKEN_PREFIX = 'sw_';

export function newApiToken(): string {
  return `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/** What the configuration keeps of a token: its hex SHA-256. */
export function tokenSha256(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * The configured token this one is, compared by hash in constant time against every entry, so
 * neither the answer's timing nor an early exit tells how close a guess came.
 */
export function findApiToken(token: string, tokens: readonly ApiTokenConfig[]): ApiTokenConfig | undefined {
  const presented = Buffer.from(tokenSha256(token), 'hex');
  let found: ApiTokenConfig | undefined;
  for (const candidate of tokens) {
    if (timingSafeEqual(presented, Buffer.from(candidate.sha256, 'hex')) && !found) found = candidate;
  }
  return found;
}
