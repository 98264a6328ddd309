import { createHash, randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { InputError } from '../../src/errors/index.js';
import type { SandboxContext, SandboxDelivery, SandboxModule } from '../../src/sandbox/sandbox-context.js';
import { signDocusignConnect } from './connect-webhook.js';

/**
 * A stateful fake of the eSignature REST API v2.1 subset Staffwire uses — envelopes from
 * templates, the custom-field search, status reads, voiding — under DocuSign's own paths, with
 * its `{errorCode, message}` error body, its hourly and 30-second burst limits and their
 * headers, and Connect deliveries signed as DocuSign signs them.
 */

const API = '/restapi/v2.1/accounts/:accountId';
/** DocuSign's default hourly quota per account. */
export const HOURLY_LIMIT = 3000;
/** The developer environment's burst limit (production allows 500). */
export const BURST_LIMIT = 200;
const BURST_WINDOW_MS = 30_000;
const HOUR_MS = 3_600_000;
/** The sender's user id and the Connect configuration named in sandbox deliveries. */
const SANDBOX_USER_ID = '00000000-0000-4000-8000-0000000005e2';
const SANDBOX_CONFIGURATION_ID = 10000001;

/** Connect events that move an envelope to a status when the sandbox emits them. */
const EVENT_STATUS: Record<string, { status: EnvelopeStatus; stamp: keyof SandboxEnvelope }> = {
  'envelope-sent': { status: 'sent', stamp: 'sentDateTime' },
  'envelope-delivered': { status: 'delivered', stamp: 'deliveredDateTime' },
  'envelope-completed': { status: 'completed', stamp: 'completedDateTime' },
  'envelope-declined': { status: 'declined', stamp: 'declinedDateTime' },
  'envelope-voided': { status: 'voided', stamp: 'voidedDateTime' },
};

type EnvelopeStatus = 'created' | 'sent' | 'delivered' | 'completed' | 'declined' | 'voided';

export interface SandboxEnvelope {
  envelopeId: string;
  status: EnvelopeStatus;
  templateId: string;
  emailSubject: string;
  emailBlurb?: string;
  templateRoles: { roleName: string; name: string; email: string; routingOrder?: string }[];
  textCustomFields: { name: string; value: string }[];
  createdDateTime: string;
  statusChangedDateTime: string;
  sentDateTime?: string;
  deliveredDateTime?: string;
  completedDateTime?: string;
  declinedDateTime?: string;
  voidedDateTime?: string;
  voidedReason?: string;
}

export interface DocusignSandboxState {
  /** By envelope id, in creation order. */
  envelopes: Record<string, SandboxEnvelope>;
  /** Calls counted in the current clock hour, as DocuSign counts its hourly quota. */
  usage: { hourStartedAt: string; calls: number };
  /** Connect deliveries emitted with an id: emitting the same id again is DocuSign's redelivery. */
  deliveries: Record<string, { generatedDateTime: string; retryCount: number }>;
  /** Envelopes created so far: the next envelope id derives from it. */
  created: number;
}

function docusignState(context: SandboxContext): DocusignSandboxState {
  return context.state<DocusignSandboxState>('docusign', () => ({
    envelopes: {},
    usage: { hourStartedAt: new Date(0).toISOString(), calls: 0 },
    deliveries: {},
    created: 0,
  }));
}

function docusignError(reply: FastifyReply, httpStatus: number, errorCode: string, message: string): FastifyReply {
  return reply.code(httpStatus).send({ errorCode, message });
}

/**
 * Answers and returns false unless the request passes auth, the account check and the limits.
 * Injected faults (latency, 429 bursts, error rate) are applied ahead of this by the sandbox server.
 */
function admit(context: SandboxContext, request: FastifyRequest, reply: FastifyReply): boolean {
  const { accessToken, accountId } = context.credentials.docusign;
  void reply.header('x-docusign-tracetoken', randomUUID());
  if (request.headers.authorization !== `Bearer ${accessToken}`) {
    void docusignError(reply, 401, 'USER_AUTHENTICATION_FAILED', 'One or both of Username and Password are invalid. Invalid access token');
    return false;
  }
  if ((request.params as { accountId: string }).accountId !== accountId) {
    void docusignError(reply, 400, 'USER_LACKS_MEMBERSHIP', 'The UserID does not have a valid membership in this Account.');
    return false;
  }

  const state = docusignState(context);
  const now = context.now();
  const hourStart = now - (now % HOUR_MS);
  if (Date.parse(state.usage.hourStartedAt) !== hourStart) state.usage = { hourStartedAt: new Date(hourStart).toISOString(), calls: 0 };
  state.usage.calls++;
  const remaining = Math.max(0, HOURLY_LIMIT - state.usage.calls);
  void reply
    .header('x-ratelimit-limit', String(HOURLY_LIMIT))
    .header('x-ratelimit-remaining', String(remaining))
    .header('x-ratelimit-reset', String((hourStart + HOUR_MS) / 1000));

  if (state.usage.calls > HOURLY_LIMIT) {
    void docusignError(reply, 429, 'HOURLY_APIINVOCATION_LIMIT_EXCEEDED', `The maximum number of hourly API invocations has been exceeded. The hourly limit is ${HOURLY_LIMIT}.`);
    return false;
  }
  if (!context.allow('docusign:burst', BURST_LIMIT, BURST_WINDOW_MS)) {
    void reply.header('x-burstlimit-limit', String(BURST_LIMIT)).header('x-burstlimit-remaining', '0');
    void docusignError(reply, 429, 'BURST_APIINVOCATION_LIMIT_EXCEEDED', `The maximum number of API invocations in ${BURST_WINDOW_MS / 1000} seconds has been exceeded. The burst limit is ${BURST_LIMIT}.`);
    return false;
  }
  return true;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A GUID derived from a counter: envelope ids are the same in every sandbox run. */
function envelopeIdFor(sequence: number): string {
  const hex = createHash('sha256').update(`docusign-envelope-${sequence}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function createEnvelope(context: SandboxContext, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const body = request.body;
  if (!isObject(body)) return docusignError(reply, 400, 'INVALID_REQUEST_BODY', 'The request body is missing or improperly formatted.');
  const { templateId, templateRoles, emailSubject } = body;
  if (typeof templateId !== 'string' || templateId === '' || !Array.isArray(templateRoles) || templateRoles.length === 0 || typeof emailSubject !== 'string' || emailSubject === '') {
    return docusignError(reply, 400, 'ENVELOPE_IS_INCOMPLETE', 'The Envelope is not Complete. A Complete Envelope Requires Documents, Recipients, Tabs, and a Subject Line.');
  }
  const roles: SandboxEnvelope['templateRoles'] = [];
  for (const [index, role] of templateRoles.entries()) {
    if (!isObject(role) || typeof role.roleName !== 'string' || typeof role.name !== 'string' || role.name === '') {
      return docusignError(reply, 400, 'INVALID_USERNAME_FOR_RECIPIENT', `The user name for the recipient is invalid. Template role ${index + 1} needs roleName and name.`);
    }
    if (typeof role.email !== 'string' || !EMAIL.test(role.email)) {
      return docusignError(reply, 400, 'INVALID_EMAIL_ADDRESS_FOR_RECIPIENT', `The email address for the recipient is invalid. Template role ${index + 1}.`);
    }
    roles.push({ roleName: role.roleName, name: role.name, email: role.email, ...(typeof role.routingOrder === 'string' ? { routingOrder: role.routingOrder } : {}) });
  }
  const status = body.status ?? 'created';
  if (status !== 'sent' && status !== 'created') {
    return docusignError(reply, 400, 'INVALID_REQUEST_PARAMETER', `The request contained at least one invalid parameter. A new envelope's status is "sent" or "created", not ${JSON.stringify(status)}.`);
  }
  const customFields = isObject(body.customFields) && Array.isArray(body.customFields.textCustomFields) ? body.customFields.textCustomFields : [];
  const state = docusignState(context);
  state.created++;
  const now = new Date(context.now()).toISOString();
  const envelope: SandboxEnvelope = {
    envelopeId: envelopeIdFor(state.created),
    status,
    templateId,
    emailSubject,
    ...(typeof body.emailBlurb === 'string' ? { emailBlurb: body.emailBlurb } : {}),
    templateRoles: roles,
    textCustomFields: customFields.filter(isObject).map((f) => ({ name: String(f.name), value: String(f.value ?? '') })),
    createdDateTime: now,
    statusChangedDateTime: now,
    ...(status === 'sent' ? { sentDateTime: now } : {}),
  };
  state.envelopes[envelope.envelopeId] = envelope;
  return reply.code(201).send({ envelopeId: envelope.envelopeId, uri: `/envelopes/${envelope.envelopeId}`, statusDateTime: now, status });
}

/** DocuSign's `custom_field=name=value`: case-insensitive, `%` as a wildcard in the value. */
function customFieldMatcher(query: string): ((envelope: SandboxEnvelope) => boolean) | undefined {
  const split = query.indexOf('=');
  if (split <= 0) return undefined;
  const name = query.slice(0, split).toLowerCase();
  const pattern = query.slice(split + 1).toLowerCase().split('%').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*');
  const value = new RegExp(`^${pattern}$`, 's');
  return (envelope) => envelope.textCustomFields.some((f) => f.name.toLowerCase() === name && value.test(f.value.toLowerCase()));
}

function listStatusChanges(context: SandboxContext, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const query = request.query as Record<string, string | undefined>;
  const envelopeIds = query.envelope_ids?.split(',').map((id) => id.trim()).filter(Boolean);
  if (query.from_date === undefined && !envelopeIds?.length) {
    return docusignError(reply, 400, 'INVALID_REQUEST_PARAMETER', 'The request contained at least one invalid parameter. from_date, envelope_ids or transaction_ids must be set.');
  }
  const fromDate = query.from_date === undefined ? undefined : Date.parse(query.from_date);
  if (fromDate !== undefined && Number.isNaN(fromDate)) {
    return docusignError(reply, 400, 'INVALID_REQUEST_PARAMETER', `The request contained at least one invalid parameter. Invalid value for from_date: ${query.from_date}.`);
  }
  const customField = query.custom_field === undefined ? undefined : customFieldMatcher(query.custom_field);
  if (query.custom_field !== undefined && !customField) {
    return docusignError(reply, 400, 'INVALID_REQUEST_PARAMETER', 'The request contained at least one invalid parameter. custom_field must be name=value.');
  }
  const statuses = query.status?.toLowerCase().split(',').map((s) => s.trim());
  const found = Object.values(docusignState(context).envelopes).filter(
    (e) =>
      (fromDate === undefined || Date.parse(e.statusChangedDateTime) >= fromDate) &&
      (!envelopeIds?.length || envelopeIds.includes(e.envelopeId)) &&
      (!statuses || statuses.includes(e.status)) &&
      (!customField || customField(e)),
  );
  const size = String(found.length);
  return reply.code(200).send({
    resultSetSize: size,
    totalSetSize: size,
    startPosition: '0',
    endPosition: String(found.length - 1),
    ...(found.length > 0 ? { envelopes: found.map((e) => envelopeView(e, false)) } : {}),
  });
}

function envelopeView(envelope: SandboxEnvelope, withCustomFields: boolean): Record<string, unknown> {
  const { templateId: _template, templateRoles: _roles, textCustomFields, emailBlurb: _blurb, ...summary } = envelope;
  return {
    ...summary,
    uri: `/envelopes/${envelope.envelopeId}`,
    ...(withCustomFields ? { customFields: { textCustomFields: textCustomFields.map((f) => ({ ...f, show: 'false', required: 'false' })), listCustomFields: [] } } : {}),
  };
}

function findEnvelope(context: SandboxContext, request: FastifyRequest, reply: FastifyReply): SandboxEnvelope | undefined {
  const envelope = docusignState(context).envelopes[(request.params as { envelopeId: string }).envelopeId];
  if (!envelope) void docusignError(reply, 404, 'ENVELOPE_DOES_NOT_EXIST', 'The envelope specified either does not exist or you have no rights to it.');
  return envelope;
}

function updateEnvelope(context: SandboxContext, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const envelope = findEnvelope(context, request, reply);
  if (!envelope) return reply;
  const body = request.body;
  if (!isObject(body) || body.status !== 'voided') {
    return docusignError(reply, 400, 'INVALID_REQUEST_BODY', 'The sandbox updates an envelope only to void it: send {"status": "voided", "voidedReason": "…"}.');
  }
  if (typeof body.voidedReason !== 'string' || body.voidedReason.trim() === '') {
    return docusignError(reply, 400, 'INVALID_REQUEST_BODY', 'A voidedReason is required to void an envelope.');
  }
  if (envelope.status !== 'sent' && envelope.status !== 'delivered') {
    return docusignError(reply, 400, 'ENVELOPE_CANNOT_VOID_INVALID_STATE', "Only envelopes in the 'Sent' or 'Delivered' states may be voided.");
  }
  const now = new Date(context.now()).toISOString();
  Object.assign(envelope, { status: 'voided', voidedReason: body.voidedReason, voidedDateTime: now, statusChangedDateTime: now });
  return reply.code(200).send({ envelopeId: envelope.envelopeId });
}

/** A Connect JSON SIM delivery of one event, signed with the sandbox's Connect key. */
function connectDelivery(context: SandboxContext, event: { type: string; payload: Record<string, unknown>; id?: string }): SandboxDelivery {
  const { envelopeId } = event.payload;
  if (typeof envelopeId !== 'string' || envelopeId === '') {
    throw new InputError(`a DocuSign ${event.type} event needs payload.envelopeId`, 'sandbox.docusign_event');
  }
  const { accountId, connectSecret } = context.credentials.docusign;
  const state = docusignState(context);
  const now = new Date(context.now()).toISOString();

  const envelope = state.envelopes[envelopeId];
  const transition = EVENT_STATUS[event.type];
  if (envelope && transition) Object.assign(envelope, { status: transition.status, [transition.stamp]: now, statusChangedDateTime: now });
  const envelopeSummary = envelope
    ? envelopeView(envelope, true)
    : isObject(event.payload.envelopeSummary)
      ? event.payload.envelopeSummary
      : { envelopeId, ...(transition ? { status: transition.status } : {}) };

  let delivery = event.id === undefined ? undefined : state.deliveries[event.id];
  if (delivery) delivery.retryCount++;
  else {
    delivery = { generatedDateTime: now, retryCount: 0 };
    if (event.id !== undefined) state.deliveries[event.id] = delivery;
  }

  const body = JSON.stringify({
    event: event.type,
    apiVersion: 'v2.1',
    uri: `/restapi/v2.1/accounts/${accountId}/envelopes/${envelopeId}`,
    retryCount: delivery.retryCount,
    configurationId: SANDBOX_CONFIGURATION_ID,
    generatedDateTime: delivery.generatedDateTime,
    data: { accountId, userId: SANDBOX_USER_ID, ...event.payload, envelopeId, envelopeSummary },
  });
  return {
    headers: {
      'content-type': 'application/json',
      'x-authorization-digest': 'HMACSHA256',
      'x-docusign-signature-1': signDocusignConnect(connectSecret, body),
    },
    body,
  };
}

const sandbox: SandboxModule = {
  state: docusignState,

  seed(context) {
    const { accountId } = context.credentials.docusign;
    const envelopes = Object.keys(docusignState(context).envelopes).length;
    return [
      {
        name: 'docusign_accounts',
        title: "The DocuSign account envelopes are sent from (a docusign connection's accountId)",
        columns: ['account_id', 'user_id', 'envelopes'],
        size: 1,
        item: () => ({ account_id: accountId, user_id: SANDBOX_USER_ID, connect_configuration_id: SANDBOX_CONFIGURATION_ID, envelopes }),
        note: 'The fake holds no templates: envelope.create_from_template takes any templateId and fills the template roles it is given.',
      },
    ];
  },

  // DocuSign answers `{errorCode, message}`; an injected burst is its 30-second burst limit.
  faults: {
    pathPrefix: '/restapi/',
    exemptPaths: [],
    serverError: (reply) => reply.code(500).send({ errorCode: 'UNSPECIFIED_ERROR', message: 'An unexpected error occurred.' }),
    rateLimited: (reply) =>
      reply
        .code(429)
        .header('retry-after', '1')
        .header('x-burstlimit-limit', '200')
        .header('x-burstlimit-remaining', '0')
        .send({ errorCode: 'BURST_APIINVOCATION_LIMIT_EXCEEDED', message: 'The maximum number of API invocations in 30 seconds has been exceeded.' }),
  },
  async register(app: FastifyInstance, context: SandboxContext) {
    await app.register(async (scope) => {
      // Unparseable bodies and other framework errors still answer in DocuSign's error body.
      scope.setErrorHandler((error: { statusCode?: number; message: string }, _request, reply) => {
        const status = error.statusCode ?? 500;
        return docusignError(reply, status, status < 500 ? 'INVALID_REQUEST_BODY' : 'UNSPECIFIED_ERROR', error.message);
      });
      scope.addHook('preHandler', async (request, reply) => {
        if (!admit(context, request, reply)) return reply;
      });
      scope.post(`${API}/envelopes`, async (request, reply) => createEnvelope(context, request, reply));
      scope.get(`${API}/envelopes`, async (request, reply) => listStatusChanges(context, request, reply));
      scope.get(`${API}/envelopes/:envelopeId`, async (request, reply) => {
        const envelope = findEnvelope(context, request, reply);
        if (!envelope) return reply;
        const include = String((request.query as { include?: string }).include ?? '').split(',');
        return reply.code(200).send(envelopeView(envelope, include.includes('custom_fields')));
      });
      scope.put(`${API}/envelopes/:envelopeId`, async (request, reply) => updateEnvelope(context, request, reply));
    });
  },
  delivery: connectDelivery,
};

export default sandbox;
