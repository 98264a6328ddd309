/**
 * The shapes the API answers with, registered once (`$id`) and referenced by every route, so
 * the OpenAPI document lists each once under components and every answer is serialised by it.
 * They describe the store's records (src/store/records.ts); test/server/api-docs-health.test.ts
 * fails when a record field is dropped on the way out.
 */

const timestamp = { type: 'string', format: 'date-time' } as const;
const anyJson = {} as const;

export const errorSchema = {
  $id: 'Error',
  type: 'object',
  description: 'Every answer that is not a success: a stable code, a message saying what to do, and details.',
  required: ['code', 'message', 'details'],
  properties: {
    code: { type: 'string', examples: ['run.not_found'] },
    message: { type: 'string' },
    details: { type: 'object', additionalProperties: true },
  },
} as const;

export const runErrorSchema = {
  $id: 'RunError',
  type: 'object',
  description: "Why a run or step failed: the vendor's or engine's code and message.",
  required: ['code', 'message', 'category'],
  properties: {
    code: { type: 'string' },
    message: { type: 'string' },
    category: { type: 'string' },
    step: { type: 'string' },
    details: { type: 'object', additionalProperties: true },
  },
} as const;

export const suspensionSchema = {
  $id: 'Suspension',
  type: 'object',
  description: 'One thing a waiting run waits for: a moment, a sub-flow run, or an event.',
  required: ['kind', 'step'],
  properties: {
    kind: { enum: ['moment', 'child', 'event'] },
    step: { type: 'string' },
    until: timestamp,
    reason: { type: 'string' },
    runId: { type: 'string' },
    connection: { type: 'string' },
    type: { type: 'string' },
    path: { type: 'string' },
    value: { type: 'string' },
    since: timestamp,
  },
} as const;

export const runSchema = {
  $id: 'Run',
  type: 'object',
  description: 'One execution of one flow version on one input.',
  required: ['id', 'flowId', 'flowVersion', 'flowHash', 'status', 'createdAt', 'updatedAt'],
  properties: {
    id: { type: 'string' },
    flowId: { type: 'string' },
    flowVersion: { type: 'string' },
    flowHash: { type: 'string', description: 'SHA-256 of the flow content the run is pinned to.' },
    status: { enum: ['queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled'] },
    input: anyJson,
    output: anyJson,
    error: { $ref: 'RunError#' },
    parentRunId: { type: 'string' },
    parentStepPath: { type: 'string' },
    subFlows: { type: 'object', additionalProperties: { type: 'string' } },
    createdAt: timestamp,
    startedAt: timestamp,
    finishedAt: timestamp,
    updatedAt: timestamp,
    createdBy: { type: 'string', description: '`cli`, `api:<token name>`, `schedule`, `event:<id>` or `engine`.' },
    businessKey: { type: 'string' },
    exclusiveKey: { type: 'boolean' },
    waitingUntil: timestamp,
    waitingFor: { type: 'array', items: { $ref: 'Suspension#' } },
    owner: { type: 'string', description: 'The process executing the run now.' },
    leaseUntil: timestamp,
  },
} as const;

export const stepSchema = {
  $id: 'Step',
  type: 'object',
  description: 'Where one step (one iteration of it) stands: its checkpoint.',
  required: ['runId', 'path', 'stepId', 'kind', 'status', 'attempts', 'startedAt', 'updatedAt'],
  properties: {
    runId: { type: 'string' },
    path: { type: 'string', examples: ['each_leaver[3].notify'] },
    stepId: { type: 'string' },
    kind: { type: 'string' },
    status: { enum: ['running', 'waiting', 'succeeded', 'failed', 'cancelled'] },
    attempts: { type: 'integer' },
    startedAt: timestamp,
    finishedAt: timestamp,
    updatedAt: timestamp,
    input: { ...anyJson, description: "What the step acted on, as evaluated: a call's `with`, a sub-flow's input, a schedule's key, moment and input" },
    output: anyJson,
    error: { $ref: 'RunError#' },
    state: { type: 'object', additionalProperties: true },
  },
} as const;

export const journalEntrySchema = {
  $id: 'JournalEntry',
  type: 'object',
  description: "One line of a run's append-only history.",
  required: ['seq', 'runId', 'at', 'type', 'actor'],
  properties: {
    seq: { type: 'integer' },
    runId: { type: 'string' },
    at: timestamp,
    type: { type: 'string', examples: ['step.succeeded'] },
    step: { type: 'string' },
    attempt: { type: 'integer' },
    actor: { type: 'string' },
    data: { type: 'object', additionalProperties: true },
  },
} as const;

export const runDetailSchema = {
  $id: 'RunDetail',
  type: 'object',
  description: 'A run with its steps (in the order they started), its journal (in the order written) and the sub-flow runs it started.',
  required: [...runSchema.required, 'steps', 'journal', 'subRuns'],
  properties: {
    ...runSchema.properties,
    steps: { type: 'array', items: { $ref: 'Step#' } },
    journal: { type: 'array', items: { $ref: 'JournalEntry#' } },
    subRuns: { type: 'array', items: { $ref: 'Run#' }, description: 'Runs its `run` steps started, oldest first.' },
  },
} as const;

export const scheduleSchema = {
  $id: 'Schedule',
  type: 'object',
  description: 'A one-off future run under a business key.',
  required: ['key', 'flowId', 'fireAt', 'status', 'generation', 'createdAt', 'updatedAt', 'createdBy'],
  properties: {
    key: { type: 'string', examples: ['deactivate:7146996353763213963'] },
    flowId: { type: 'string' },
    input: anyJson,
    fireAt: timestamp,
    timeZone: { type: 'string' },
    status: { enum: ['pending', 'fired', 'cancelled'] },
    generation: { type: 'integer' },
    createdAt: timestamp,
    updatedAt: timestamp,
    createdBy: { type: 'string' },
    runId: { type: 'string' },
  },
} as const;

export const deliverySchema = {
  $id: 'Delivery',
  type: 'object',
  description: 'One webhook delivery and what became of it.',
  required: ['id', 'source', 'receivedAt', 'outcome'],
  properties: {
    id: { type: 'integer' },
    source: { type: 'string', description: 'The connection, or `hook:<flow id>`.' },
    receivedAt: timestamp,
    outcome: { enum: ['accepted', 'duplicate', 'refused', 'challenge'] },
    reason: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' } } },
    event: {
      type: 'object',
      required: ['id', 'type', 'occurredAt', 'payload'],
      properties: { id: { type: 'string' }, type: { type: 'string' }, occurredAt: { type: 'string' }, tenant: { type: 'string' }, payload: anyJson },
    },
    dispatchedAt: timestamp,
    dispatch: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          flowId: { type: 'string' },
          runId: { type: 'string' },
          started: { type: 'boolean' },
          woken: { type: 'boolean' },
          step: { type: 'string' },
          reason: { type: 'string' },
        },
      },
    },
  },
} as const;

export const problemSchema = {
  $id: 'FlowProblem',
  type: 'object',
  description: 'A problem placed in a flow file, as `staffwire validate` prints it: `file:line:col  pointer  message`.',
  required: ['file', 'line', 'column', 'pointer', 'message'],
  properties: {
    file: { type: 'string' },
    line: { type: 'integer' },
    column: { type: 'integer' },
    pointer: { type: 'string' },
    message: { type: 'string' },
  },
} as const;

export const flowSummarySchema = {
  $id: 'FlowSummary',
  type: 'object',
  description: 'A flow in the flow folders, as its file declares it.',
  required: ['id', 'version', 'triggers'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    description: { type: 'string' },
    version: { type: 'string' },
    triggers: { type: 'array', items: { type: 'object', additionalProperties: true } },
    input: { type: 'object', additionalProperties: true, description: "The flow's input schema (JSON Schema 2020-12)." },
    businessKey: { type: 'string' },
  },
} as const;

export const flowDetailSchema = {
  $id: 'FlowDetail',
  type: 'object',
  description: 'A flow with its whole definition and what `staffwire validate` finds in its file.',
  required: [...flowSummarySchema.required, 'file', 'valid', 'problems', 'definition'],
  properties: {
    ...flowSummarySchema.properties,
    file: { type: 'string', description: 'The flow file, relative to the working directory of the server.' },
    valid: { type: 'boolean' },
    problems: { type: 'array', items: { $ref: 'FlowProblem#' } },
    definition: { type: 'object', additionalProperties: true },
  },
} as const;

export const connectionSchema = {
  $id: 'Connection',
  type: 'object',
  description: 'A configured connection without its secrets: each secret is shown as the variable it is read from and whether that is set.',
  required: ['name', 'connector', 'settings', 'clientRateLimits'],
  properties: {
    name: { type: 'string' },
    connector: { type: 'string' },
    settings: { type: 'object', additionalProperties: true },
    checkable: { type: 'boolean', description: 'Whether POST …/check can test it.' },
    rateLimits: {
      type: 'array',
      description: "The vendor's documented limits the connector keeps its calls under (its manifest's rateLimits): requests per window, per scope the vendor counts.",
      items: {
        type: 'object',
        required: ['scope', 'limit', 'perSeconds'],
        properties: { scope: { type: 'string' }, limit: { type: 'integer' }, perSeconds: { type: 'number' }, description: { type: 'string' } },
      },
    },
    clientRateLimits: {
      type: 'array',
      description:
        "The limiters this connection's calls go through (the connection's `requestsPerSecond`, a connector's own per-API limit), each with its state now: in embedded mode this process's, in queue mode the window every worker shares. A limiter no call has used yet shows all free.",
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['scope', 'key', 'limit', 'perMs'],
        properties: {
          scope: { type: 'string', description: 'What the limiter counts, e.g. `every request of app cli_a1b2`.' },
          key: { type: 'string', description: 'The key requests count under: connections to one vendor app or account share it.' },
          limit: { type: 'integer', minimum: 1, description: 'Requests allowed in any `perMs` milliseconds.' },
          perMs: { type: 'integer', minimum: 1 },
          used: { type: 'integer', minimum: 0, description: 'Of `limit`, how many count against the window now (requests not answered yet included).' },
          available: { type: 'integer', minimum: 0, description: 'How many more may go at once now.' },
          waiting: { type: 'integer', minimum: 0, description: 'Requests waiting for a slot in the process that answered (in queue mode, serve’s own; workers queue their own).' },
          nextFreeInMs: { type: 'integer', minimum: 0, description: 'When the next slot frees: 0 if one is free now; absent when every slot is held by a request still out.' },
          stateError: { type: 'string', description: 'Why the state could not be read (Redis unreachable); `used`, `available` and `waiting` are absent then.' },
        },
      },
    },
  },
} as const;

/** Registered on the server in this order (each refers only to those before it). */
export const COMPONENT_SCHEMAS = [
  errorSchema,
  runErrorSchema,
  suspensionSchema,
  runSchema,
  stepSchema,
  journalEntrySchema,
  runDetailSchema,
  scheduleSchema,
  deliverySchema,
  problemSchema,
  flowSummarySchema,
  flowDetailSchema,
  connectionSchema,
] as const;

export const ref = (id: (typeof COMPONENT_SCHEMAS)[number]['$id']) => ({ $ref: `${id}#` }) as const;

/** A page of a listing: `next` is the cursor of the following page, null on the last. */
export function pageOf(items: object) {
  return {
    type: 'object',
    required: ['items', 'next'],
    properties: { items: { type: 'array', items }, next: { type: ['string', 'null'], description: 'Pass as `cursor` for the next page; null on the last page.' } },
  } as const;
}
