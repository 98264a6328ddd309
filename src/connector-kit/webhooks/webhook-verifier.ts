import type { ResolvedConnection } from '../connector.js';
import type { WebhookRequest, WebhookResult } from './webhook.js';

/**
 * How a vendor delivers webhooks, as data the intake plans by. A field the vendor does not
 * state is absent: the intake then uses its own default.
 */
export interface WebhookDeliveryTerms {
  /** A delivery not answered 2xx within this long counts as failed at the vendor, which sends it again. */
  answerWithinMs?: number;
  /** How many times the vendor sends a failed delivery again. */
  redeliveries?: number;
  /** How long after the first delivery a redelivery of the same event may still arrive: keep event ids for de-duplication longer than this. */
  redeliveryWindowMs?: number;
}

/**
 * Checks and decodes one delivery: signature over the raw body (timing-safe), freshness against
 * `now`, decryption, the vendor's handshake, and the vendor's envelope turned into a WebhookEvent.
 * A pure function of its arguments: the intake owns I/O, persistence and the answer.
 */
export interface WebhookVerifier<Credentials = ResolvedConnection> {
  readonly delivery: WebhookDeliveryTerms;
  /** The event or the handshake answer; throws WebhookRejectedError for anything that must get a 4xx. */
  verify(request: WebhookRequest, credentials: Credentials, now: Date): WebhookResult;
}

/** A connector's verifier: the secrets come from the connection the delivery is addressed to. */
export type ConnectionWebhookVerifier = WebhookVerifier<ResolvedConnection>;
