import { timingSafeEqual } from 'node:crypto';
import { StaffwireError } from '../../errors/index.js';

/** A delivery as it reached the intake: headers as Node gives them and the body's raw bytes. */
export interface WebhookRequest {
  headers: Record<string, string | string[] | undefined>;
  /** Exactly the bytes received: signatures are computed over these, never over re-serialised JSON. */
  rawBody: Buffer;
}

/** Any vendor's event in one shape, so flows and de-duplication never read vendor envelopes. */
export interface WebhookEvent {
  /** The vendor's event id, stable across the vendor's retries: the de-duplication key. */
  id: string;
  type: string;
  /** When the vendor says the event happened, ISO 8601. */
  occurredAt: string;
  /** The vendor's tenant (Lark tenant_key), when the vendor names one. */
  tenant: string | undefined;
  payload: Record<string, unknown>;
}

export interface WebhookEventResult {
  kind: 'event';
  event: WebhookEvent;
}

/** The vendor is checking the URL (Lark url_verification): answer 200 with this body, start nothing. */
export interface WebhookChallengeResult {
  kind: 'challenge';
  body: Record<string, unknown>;
}

export type WebhookResult = WebhookEventResult | WebhookChallengeResult;

export type WebhookRejectionReason =
  | 'bad_signature'
  | 'stale'
  | 'malformed'
  | 'bad_token'
  | 'missing_header'
  | 'truncated'
  | 'not_json';

/** A delivery that must get a 4xx and start nothing: forged, stale, malformed or undecryptable. */
export class WebhookRejectedError extends StaffwireError {
  readonly reason: WebhookRejectionReason;

  constructor(reason: WebhookRejectionReason, message: string) {
    super(message, { code: `webhook.${reason}`, category: 'validation' });
    this.reason = reason;
  }
}

/** A header by case-insensitive name; the first value when it was sent several times. */
export function headerValue(headers: WebhookRequest['headers'], name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted || value === undefined) continue;
    return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}

/** String equality whose duration does not depend on where the strings differ. */
export function equalInConstantTime(received: string, expected: string): boolean {
  const a = Buffer.from(received);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
