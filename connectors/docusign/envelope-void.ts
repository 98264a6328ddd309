import type { ActionContext } from '../../src/connector-kit/connector.js';
import { VendorError } from '../../src/errors/index.js';
import { docusignClient } from './docusign-connection.js';

export interface VoidEnvelopeInput {
  envelopeId: string;
  voidedReason: string;
}

export interface VoidedEnvelope {
  envelopeId: string;
  status: 'voided';
  alreadyVoided: boolean;
}

/**
 * Voids a sent or delivered envelope. Voiding is naturally idempotent in effect, but DocuSign
 * answers a second void with an error (ENVELOPE_CANNOT_VOID_INVALID_STATE): when a void is
 * refused, the envelope is read, and one that is already voided counts as done — so a retry
 * after a timed-out first void succeeds instead of failing the run.
 */
export async function voidEnvelope(input: VoidEnvelopeInput, context: ActionContext): Promise<VoidedEnvelope> {
  const client = docusignClient(context);
  const path = `/envelopes/${encodeURIComponent(input.envelopeId)}`;
  try {
    await client.call({ method: 'PUT', path, body: { status: 'voided', voidedReason: input.voidedReason }, signal: context.signal });
    return { envelopeId: input.envelopeId, status: 'voided', alreadyVoided: false };
  } catch (err) {
    if (!(err instanceof VendorError) || err.category !== 'client' || err.httpStatus === 401 || err.httpStatus === 404) throw err;
    const current = await client.call<{ status?: unknown }>({ method: 'GET', path, signal: context.signal });
    if (current.status !== 'voided') throw err;
    return { envelopeId: input.envelopeId, status: 'voided', alreadyVoided: true };
  }
}
