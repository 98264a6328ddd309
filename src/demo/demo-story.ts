import { DateTime } from 'luxon';
import type { RunRecord } from '../store/records.js';
import type { DemoEnvironment } from './demo-environment.js';

/** What a chapter may use: the environment, and a way to say what it shows. */
export interface StoryContext {
  env: DemoEnvironment;
  say(line: string): void;
  /** Waits for the live lines printed so far, so what a chapter says comes after them. */
  settle(): Promise<void>;
}

/** How long the demo waits for one thing to happen before it says it did not. */
const PATIENCE_MS = 60_000;

/** Polls `probe` until it gives a value; fails naming `what` after PATIENCE_MS. */
export async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + PATIENCE_MS;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`the demo waited ${PATIENCE_MS / 1000} s for ${what}, in vain`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The newest run of `flowId` in one of `statuses`, created after `since`. */
export function runOf(env: DemoEnvironment, flowId: string, statuses: RunRecord['status'][], since: string): Promise<RunRecord | undefined> {
  return env.app.store.listRuns({ flowId }).then((runs) => runs.find((run) => run.createdAt >= since && statuses.includes(run.status)));
}

/** A call to the sandbox's vendor or control API, as JSON. */
export async function sandboxCall<T>(env: DemoEnvironment, method: 'GET' | 'POST', path: string, body?: unknown, token?: string): Promise<T> {
  const response = await fetch(`${env.sandboxUrl}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const answer = (await response.json()) as T & { code?: number; msg?: string; error?: string };
  if (!response.ok || (typeof answer.code === 'number' && answer.code !== 0)) {
    throw new Error(`the sandbox refused ${method} ${path}: ${answer.error ?? answer.msg ?? response.status}`);
  }
  return answer;
}

/** A call to the embedded serve's API with the demo's token. */
export async function apiCall<T>(env: DemoEnvironment, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${env.server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${env.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const answer = (await response.json()) as T & { message?: string };
  if (!response.ok) throw new Error(`the API refused ${method} ${path}: ${answer.message ?? response.status}`);
  return answer;
}

/** A vendor webhook, signed (and for Lark encrypted) by the sandbox, delivered to serve's intake for `connection`. */
export function deliver(env: DemoEnvironment, connector: string, connection: string, type: string, payload: Record<string, unknown>): Promise<unknown> {
  return sandboxCall(env, 'POST', '/_sandbox/events', { connector, type, payload, target: `${env.server.url}/webhooks/${connection}` });
}

/** `14:03:05 Asia/Shanghai = 06:03:05 UTC` */
export function bothClocks(iso: string, zone: string): string {
  const moment = DateTime.fromISO(iso, { zone: 'utc' });
  return `${moment.setZone(zone).toFormat('HH:mm:ss')} ${zone} = ${moment.toFormat('HH:mm:ss')} UTC`;
}
