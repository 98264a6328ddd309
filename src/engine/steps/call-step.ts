import { InputError, StaffwireError } from '../../errors/index.js';
import { findTooDeepPointerInValue, MAX_JSON_DEPTH } from '../../json/json-depth.js';
import type { ActionContext } from '../../connector-kit/connector.js';
import { DEFAULT_INLINE_ATTEMPTS } from '../../connector-kit/retry-transient.js';
import { compileSchema } from '../../schemas.js';
import { holdsExpression, type CompiledValue } from '../expressions/template.js';
import { idempotencyKey } from '../idempotency-key.js';
import { closest } from '../validate/did-you-mean.js';
import { schemaDiagnostics } from '../validate/schema-errors.js';
import { unknownConnection } from '../validate/unknown-connection.js';
import type { RunExecution } from '../run-execution.js';
import type { StepExecutor } from './step-context.js';
import type { CompiledStepBase, RetryableStepBase, StepCompileContext, StepKind } from './step-kind.js';

export interface CallStep extends RetryableStepBase {
  kind: 'call';
  action: string;
  connection?: string;
  with?: unknown;
}

export interface CompiledCall extends CompiledStepBase<'call'> {
  connector: string;
  action: string;
  connection: string | undefined;
  sideEffect: boolean;
  input: CompiledValue;
}

declare module './step-kind.js' {
  interface StepDefinitions {
    call: CallStep;
  }
  interface CompiledSteps {
    call: CompiledCall;
  }
}

const executeCall: StepExecutor<CompiledCall> = async (step, frame, context) => {
  const input = await context.execution.evaluate(step.input, frame.scope);
  context.recordInput(input);
  return callAction(context.execution, step, input, {
    path: context.path,
    attempt: context.attempt,
    idempotencyKey: idempotencyKey(context.execution.run.id, context.path),
    // One retry budget: a step with a policy makes each attempt through the engine, so the
    // vendor client sends once per attempt instead of retrying inline on top of it.
    inlineAttempts: step.retry ? 1 : DEFAULT_INLINE_ATTEMPTS,
  });
};

/** A connector action as a step names it: which connector, action and connection. */
export interface ActionTarget {
  id: string;
  connector: string;
  action: string;
  connection: string | undefined;
}

/** What one invocation of an action carries beside its input. */
export interface Invocation {
  path: string;
  attempt: number;
  idempotencyKey: string;
  inlineAttempts: number;
}

/**
 * Calls a connector action with `input`, checked against the action's input schema first; the
 * answer is checked for depth before anything serialises it. Steps that call actions (call,
 * sync) all go through here.
 */
export async function callAction(execution: RunExecution, target: ActionTarget, input: unknown, invocation: Invocation): Promise<unknown> {
  const connector = execution.services.connectors.get(target.connector);
  const handler = connector?.actions[target.action];
  if (!connector || !handler) {
    throw new InputError(`connector action ${target.connector}.${target.action} is not installed`, 'call.unknown_action');
  }
  const validate = compileSchema(connector.manifest.actions[target.action]!.input);
  if (!validate(input)) {
    const problems = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`).join('; ');
    throw new InputError(`input of ${target.connector}.${target.action} is invalid: ${problems}`, 'call.invalid_input');
  }
  const output = await (handler as (input: unknown, ctx: ActionContext) => Promise<unknown>)(input, actionContext(execution, target, invocation));
  // Checked before anything serialises the answer: past this depth, JSON tools overflow the stack.
  const tooDeep = findTooDeepPointerInValue(output, MAX_JSON_DEPTH);
  if (tooDeep !== undefined) {
    throw new StaffwireError(
      `the answer of ${target.connector}.${target.action} is nested deeper than ${MAX_JSON_DEPTH} levels (at ${tooDeep}), the limit for any JSON Staffwire keeps; the call was sent and may have taken effect`,
      { code: 'json.too_deep', category: 'validation' },
    );
  }
  return output;
}

/** The context an action (or a sync destination) of `target` gets for one invocation. */
export function actionContext(execution: RunExecution, target: Omit<ActionTarget, 'action'>, invocation: Invocation): ActionContext {
  const { connection, resources } = execution.services.connection(target.connection);
  return {
    connection,
    idempotencyKey: invocation.idempotencyKey,
    attempt: invocation.attempt,
    signal: execution.signal,
    log: execution.log.child({ stepId: target.id, path: invocation.path, connection: target.connection }),
    resources,
    inlineAttempts: invocation.inlineAttempts,
  };
}

/** A connector action on a named connection, with inputs `with`; output the action's result. */
export const callStep: StepKind<CallStep, CompiledCall> = {
  kind: 'call',
  nature: (step) => (step.sideEffect ? 'effect' : 'tracked'),
  usesFlowRetry: true,
  outputSchema(step, env) {
    const dot = step.action.indexOf('.');
    return env.connectors.get(step.action.slice(0, dot))?.manifest.actions[step.action.slice(dot + 1)]?.output;
  },
  compile: (step, pointer, c) => ({ ...resolveAction(step, pointer, c), input: c.value(step.with ?? {}, `${pointer}/with`) }),
  execute: executeCall,
};

/** The connector, action and connection a call names, with every problem in them reported. */
export function resolveAction(step: Pick<CallStep, 'action' | 'connection' | 'with'>, pointer: string, c: StepCompileContext) {
  const { connectors, connections } = c.env;
  const dot = step.action.indexOf('.');
  const connectorId = step.action.slice(0, dot);
  const actionName = step.action.slice(dot + 1);
  const resolved = { connector: connectorId, action: actionName, connection: step.connection, sideEffect: true };
  const connector = connectors.get(connectorId);
  if (!connector) {
    const suggestion = closest(connectorId, connectors.list().map((m) => m.id));
    c.problem(
      `${pointer}/action`,
      `unknown connector "${connectorId}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}: \`staffwire connectors list\` shows the installed ones`,
    );
    return resolved;
  }
  const action = connector.manifest.actions[actionName];
  if (!action) {
    c.problem(`${pointer}/action`, `connector "${connectorId}" has no action "${actionName}" (actions: ${Object.keys(connector.manifest.actions).join(', ')})`);
    return resolved;
  }
  resolved.sideEffect = action.sideEffect;
  if (step.connection !== undefined) {
    const connection = connections[step.connection];
    if (!connection) {
      c.problem(`${pointer}/connection`, unknownConnection(step.connection, connections));
    } else if (!connectors.shareConnections(connection.connector, connectorId)) {
      c.problem(
        `${pointer}/connection`,
        `connection "${step.connection}" is for connector "${connection.connector}"; ${step.action} needs a connection for connector "${connectorId}"`,
      );
    }
  } else if (connector.manifest.connection.required) {
    c.problem(pointer, `${step.action} needs a connection: set "connection" to a ${connectorId} connection`);
  }
  if (step.with !== undefined) {
    checkLiteralInput(step.with, action.input, `${pointer}/with`, c);
  } else if (Array.isArray(action.input.required) && action.input.required.length > 0) {
    const required = (action.input.required as string[]).map((name) => `"${name}"`).join(', ');
    c.problem(pointer, `missing "with": ${step.action} needs input ${required}`);
  }
  return resolved;
}

/** Validates the literal parts of an action input; values computed by expressions are checked at run time. */
function checkLiteralInput(input: unknown, schema: Record<string, unknown>, pointer: string, c: StepCompileContext): void {
  if (holdsExpression(input)) return;
  const validate = compileSchema(schema);
  if (validate(input)) return;
  const literalErrors = (validate.errors ?? []).filter((error) => !dependsOnExpression(input, error.instancePath));
  for (const d of schemaDiagnostics(literalErrors, input)) c.problem(pointer + d.pointer, d.message);
}

/** True when the value at `pointer`, or any value it contains or is contained in, is an expression. */
function dependsOnExpression(root: unknown, pointer: string): boolean {
  let value = root;
  if (holdsExpression(value)) return true;
  for (const segment of pointer.split('/').slice(1)) {
    const key = segment.replaceAll('~1', '/').replaceAll('~0', '~');
    value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
    if (holdsExpression(value)) return true;
  }
  return false;
}
