import type { ActionContext } from '../../src/connector-kit/connector.js';
import { StaffwireError } from '../../src/errors/index.js';
import type { DocusignClient } from './docusign-client.js';
import { docusignClient } from './docusign-connection.js';

/** Input of `envelope.create_from_template` (manifest.json is the definition). */
export interface CreateFromTemplateInput {
  templateId: string;
  templateRoles: { roleName: string; name: string; email: string; routingOrder?: string }[];
  emailSubject: string;
  emailBlurb?: string;
}

export interface CreatedEnvelope {
  envelopeId: string;
  status: string;
  statusDateTime?: string;
  uri?: string;
  reused: boolean;
}

/** The envelope custom field holding Staffwire's idempotency key; hidden from recipients. */
export const IDEMPOTENCY_FIELD = 'staffwireKey';

/**
 * How far back the look-up searches. A failed run can be retried by hand days after its first
 * attempt, under the same key; a month covers that without searching the account's whole history.
 */
export const LOOKUP_WINDOW_DAYS = 30;

interface EnvelopeSummary {
  envelopeId?: string;
  status?: string;
  statusDateTime?: string;
  statusChangedDateTime?: string;
  uri?: string;
}

/**
 * Sends an envelope from a server template, at most once per step iteration.
 *
 * DocuSign has no idempotency key, so the key travels in a hidden envelope custom field and
 * every attempt first searches for an envelope carrying it. The search runs on every attempt,
 * the first included, rather than only when `context.attempt > 1`:
 * - A crash is covered either way: the engine durably checkpoints a side-effecting step as
 *   running, with its attempt count, before calling the action (run-execution.ts), so the call
 *   after a crash sees attempt ≥ 2 even if the crash came during attempt 1.
 * - A manual retry of a failed run is not: `retryRun` deletes the failed step's record, so the
 *   step starts again at attempt 1 with the same key — and the failure may well have been a
 *   timeout after DocuSign had accepted the envelope.
 * - Inline retries inside one attempt (a POST that timed out or got a 5xx) need the search too.
 * One GET per envelope is cheap next to sending a contract twice.
 */
export async function createEnvelopeFromTemplate(input: CreateFromTemplateInput, context: ActionContext): Promise<CreatedEnvelope> {
  const client = docusignClient(context);
  return client.retrying(async () => {
    const existing = await findEnvelopeByKey(client, context.idempotencyKey, context.signal);
    if (existing) {
      context.log.info({ envelopeId: existing.envelopeId }, 'docusign envelope for this step already exists; not sending another');
      return existing;
    }
    const created = await client.send<EnvelopeSummary>({
      method: 'POST',
      path: '/envelopes',
      body: {
        templateId: input.templateId,
        templateRoles: input.templateRoles,
        status: 'sent',
        emailSubject: input.emailSubject,
        ...(input.emailBlurb !== undefined ? { emailBlurb: input.emailBlurb } : {}),
        customFields: { textCustomFields: [{ name: IDEMPOTENCY_FIELD, value: context.idempotencyKey, show: 'false', required: 'false' }] },
      },
      signal: context.signal,
    });
    if (typeof created.envelopeId !== 'string') {
      // Probably created all the same: a retry's look-up finds it by its key.
      throw new StaffwireError('DocuSign accepted the envelope but answered without an envelopeId', { code: 'docusign.no_envelope_id', category: 'server' });
    }
    return envelopeOutput({ ...created, envelopeId: created.envelopeId }, false);
  }, context.signal);
}

/** GET /envelopes (listStatusChanges) filtered by the key's custom field; from_date is required there. */
async function findEnvelopeByKey(client: DocusignClient, key: string, signal: AbortSignal): Promise<CreatedEnvelope | undefined> {
  const fromDate = new Date(Date.now() - LOOKUP_WINDOW_DAYS * 86_400_000).toISOString().slice(0, 10);
  const found = await client.send<{ envelopes?: EnvelopeSummary[] }>({
    method: 'GET',
    path: '/envelopes',
    query: { from_date: fromDate, custom_field: `${IDEMPOTENCY_FIELD}=${key}` },
    signal,
  });
  const envelope = (found.envelopes ?? []).find((e): e is EnvelopeSummary & { envelopeId: string } => typeof e.envelopeId === 'string');
  return envelope ? envelopeOutput(envelope, true) : undefined;
}

function envelopeOutput(envelope: EnvelopeSummary & { envelopeId: string }, reused: boolean): CreatedEnvelope {
  const statusDateTime = envelope.statusDateTime ?? envelope.statusChangedDateTime;
  return {
    envelopeId: envelope.envelopeId,
    status: envelope.status ?? 'sent',
    ...(statusDateTime !== undefined ? { statusDateTime } : {}),
    ...(envelope.uri !== undefined ? { uri: envelope.uri } : {}),
    reused,
  };
}
