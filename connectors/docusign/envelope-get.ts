import type { ActionContext } from '../../src/connector-kit/connector.js';
import { StaffwireError } from '../../src/errors/index.js';
import { docusignClient } from './docusign-connection.js';

export interface EnvelopeStatus {
  envelopeId: string;
  status: string;
  emailSubject?: string;
  createdDateTime?: string;
  sentDateTime?: string;
  deliveredDateTime?: string;
  completedDateTime?: string;
  declinedDateTime?: string;
  voidedDateTime?: string;
  voidedReason?: string;
  statusChangedDateTime?: string;
}

/** The fields `envelope.get` returns; the rest of DocuSign's envelope (URIs, flags) stays out of checkpoints. */
const FIELDS = [
  'emailSubject',
  'createdDateTime',
  'sentDateTime',
  'deliveredDateTime',
  'completedDateTime',
  'declinedDateTime',
  'voidedDateTime',
  'voidedReason',
  'statusChangedDateTime',
] as const;

export async function getEnvelope(input: { envelopeId: string }, context: ActionContext): Promise<EnvelopeStatus> {
  const envelope = await docusignClient(context).call<Record<string, unknown>>({
    method: 'GET',
    path: `/envelopes/${encodeURIComponent(input.envelopeId)}`,
    signal: context.signal,
  });
  return pickEnvelopeStatus(envelope, input.envelopeId);
}

function pickEnvelopeStatus(envelope: Record<string, unknown>, envelopeId: string): EnvelopeStatus {
  if (typeof envelope.status !== 'string') {
    throw new StaffwireError(`DocuSign answered envelope ${envelopeId} without a status`, { code: 'docusign.no_status', category: 'server' });
  }
  const status: EnvelopeStatus = {
    envelopeId: typeof envelope.envelopeId === 'string' ? envelope.envelopeId : envelopeId,
    status: envelope.status,
  };
  for (const field of FIELDS) {
    const value = envelope[field];
    if (typeof value === 'string' && value !== '') status[field] = value;
  }
  return status;
}
