import { InputError, StaffwireError } from '../../errors/index.js';
import { findTooDeepPointerInValue, MAX_JSON_DEPTH } from '../../json/json-depth.js';
import { resolveConnection } from '../../connector-kit/connection.js';
import { compileSchema } from '../../schemas.js';
import type { CompiledCall } from '../compiled-flow.js';
import { idempotencyKey } from '../idempotency-key.js';
import type { StepExecutor } from './step-context.js';

export const executeCall: StepExecutor<CompiledCall> = async (step, frame, context) => {
  const { execution } = context;
  const connector = execution.services.connectors.get(step.connector);
  const handler = connector?.actions[step.action];
  if (!connector || !handler) {
    throw new InputError(`connector action ${step.connector}.${step.action} is not installed`, 'call.unknown_action');
  }
  const input = await execution.evaluate(step.input, frame.scope);
  const validate = compileSchema(connector.manifest.actions[step.action]!.input);
  if (!validate(input)) {
    const problems = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`).join('; ');
    throw new InputError(`input of ${step.connector}.${step.action} is invalid: ${problems}`, 'call.invalid_input');
  }
  let connection;
  if (step.connection !== undefined) {
    const config = execution.services.connections[step.connection];
    if (!config) throw new InputError(`connection "${step.connection}" is not configured`, 'call.unknown_connection');
    connection = resolveConnection(step.connection, config);
  }
  const output = await (handler as (input: unknown, ctx: unknown) => Promise<unknown>)(input, {
    connection,
    idempotencyKey: idempotencyKey(execution.run.id, context.path),
    attempt: context.attempt,
    signal: execution.signal,
    log: execution.log.child({ stepId: step.id, path: context.path, connection: step.connection }),
  });
  // Checked before anything serialises the answer: past this depth, JSON tools overflow the stack.
  const tooDeep = findTooDeepPointerInValue(output, MAX_JSON_DEPTH);
  if (tooDeep !== undefined) {
    throw new StaffwireError(
      `the answer of ${step.connector}.${step.action} is nested deeper than ${MAX_JSON_DEPTH} levels (at ${tooDeep}), the limit for any JSON Staffwire keeps; the call was sent and may have taken effect`,
      { code: 'json.too_deep', category: 'validation' },
    );
  }
  return output;
};
