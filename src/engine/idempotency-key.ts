import { createHash } from 'node:crypto';

/**
 * The key a side-effecting call carries, derived from (run id, step path with iteration): the
 * same on every retry and after any crash, different for every other call. Shaped as a UUID v4
 * because vendors (Lark `client_token`, message `uuid`) expect one.
 */
export function idempotencyKey(runId: string, stepPath: string): string {
  const hex = createHash('sha256').update(`${runId}\u0000${stepPath}`).digest('hex');
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
