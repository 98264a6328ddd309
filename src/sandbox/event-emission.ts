import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { got } from 'got';
import type { SandboxDelivery } from './sandbox-context.js';

/** Why a delivery target was refused, or undefined when it is on this machine. */
export async function refuseNonLoopback(target: string): Promise<string | undefined> {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return `target ${JSON.stringify(target)} is not an absolute URL`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `target must be http or https, got ${url.protocol}`;
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const addresses = isIP(host) ? [host] : host === 'localhost' ? (await lookup(host, { all: true }).catch(() => [])).map((a) => a.address) : [];
  if (addresses.length === 0 || !addresses.every(isLoopback)) {
    return `target ${url.host} is not a loopback address (127.0.0.0/8, ::1, localhost): the sandbox never sends events off this machine`;
  }
  return undefined;
}

function isLoopback(address: string): boolean {
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return v4.startsWith('127.') || address === '::1';
}

export interface DeliveryResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

const RESPONSE_SHOWN_CHARS = 64 * 1024;

/**
 * POSTs the delivery's exact bytes (signatures cover the raw body) to the target, without
 * following redirects, since a redirect could lead off this machine.
 */
export async function sendDelivery(target: string, delivery: SandboxDelivery, timeoutMs = 10_000): Promise<DeliveryResult> {
  const hasContentType = Object.keys(delivery.headers).some((name) => name.toLowerCase() === 'content-type');
  const response = await got.post(target, {
    body: delivery.body,
    headers: { 'user-agent': 'staffwire-sandbox', ...(hasContentType ? {} : { 'content-type': 'application/json; charset=utf-8' }), ...delivery.headers },
    followRedirect: false,
    throwHttpErrors: false,
    retry: { limit: 0 },
    timeout: { request: timeoutMs },
    responseType: 'text',
  });
  const text = response.body.slice(0, RESPONSE_SHOWN_CHARS);
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // A target may answer with plain text; it is shown as it came.
  }
  return { status: response.statusCode, headers: response.headers, body };
}
