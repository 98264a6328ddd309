import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ApiTokenConfig } from '../../config/config.js';
import type { Store } from '../../store/store.js';

/** The store namespace sessions live in: every `serve` behind one load balancer shares them. */
export const SESSION_NAMESPACE = 'console-sessions';
/** The cookie holding the session id. */
export const SESSION_COOKIE = 'staffwire_session';
/** The header a state-changing request made with the cookie repeats the session's CSRF token in. */
export const CSRF_HEADER = 'x-csrf-token';

/** What the store keeps of a session, under the hash of its id. */
interface StoredSession {
  /** The SHA-256 of the token signed in with: the session lasts only while the configuration holds it. */
  tokenSha256: string;
  csrfToken: string;
  expiresAt: string;
}

export interface ConsoleSession {
  token: ApiTokenConfig;
  csrfToken: string;
  expiresAt: string;
}

/**
 * Console sign-ins, kept in the store rather than in this process: a session made through one
 * `serve` is known to every other one sharing the store. The store holds only a hash of the
 * session id, so reading the database does not hand out sessions.
 */
export class ConsoleSessions {
  constructor(
    private readonly store: Store,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** A new session for a configured token: the id for the cookie, and what the console needs. */
  async create(token: ApiTokenConfig): Promise<{ id: string; session: ConsoleSession }> {
    await this.dropExpired();
    const id = randomBytes(32).toString('base64url');
    const stored: StoredSession = { tokenSha256: token.sha256, csrfToken: randomBytes(32).toString('base64url'), expiresAt: new Date(this.now() + this.ttlMs).toISOString() };
    await this.store.setState(SESSION_NAMESPACE, sessionKey(id), stored);
    return { id, session: { token, csrfToken: stored.csrfToken, expiresAt: stored.expiresAt } };
  }

  /**
   * The live session with this id, with the token as configured now; undefined when there is none,
   * it expired, or its token was removed from the configuration (then it is ended).
   */
  async find(id: string, tokens: readonly ApiTokenConfig[]): Promise<ConsoleSession | undefined> {
    const key = sessionKey(id);
    const stored = (await this.store.getState(SESSION_NAMESPACE, key)) as StoredSession | undefined;
    if (!stored) return undefined;
    const token = tokens.find((t) => t.sha256 === stored.tokenSha256);
    if (!token || Date.parse(stored.expiresAt) <= this.now()) {
      await this.store.deleteState(SESSION_NAMESPACE, key);
      return undefined;
    }
    return { token, csrfToken: stored.csrfToken, expiresAt: stored.expiresAt };
  }

  async end(id: string): Promise<void> {
    await this.store.deleteState(SESSION_NAMESPACE, sessionKey(id));
  }

  /**
   * Sessions nobody signed out of would otherwise stay forever: each sign-in looks at a page of
   * them from a random place among the (uniformly spread) hashed keys, so every one is looked at in time.
   */
  private async dropExpired(): Promise<void> {
    const now = this.now();
    const from = randomBytes(32).toString('hex');
    for (const { key, value } of await this.store.listState(SESSION_NAMESPACE, '', { after: from, limit: 100 })) {
      if (Date.parse((value as StoredSession).expiresAt) <= now) await this.store.deleteState(SESSION_NAMESPACE, key);
    }
  }
}

function sessionKey(id: string): string {
  return createHash('sha256').update(id, 'utf8').digest('hex');
}

/** Whether the header repeats the session's CSRF token, compared in constant time. */
export function csrfMatches(session: ConsoleSession, header: unknown): boolean {
  if (typeof header !== 'string') return false;
  const given = Buffer.from(header, 'utf8');
  const expected = Buffer.from(session.csrfToken, 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
