import { readFileSync } from 'node:fs';
import { checkFlowBytes, formatProblem } from '../../engine/validate/validate-flow.js';
import type { CompiledFlow } from '../../engine/compiled-flow.js';
import { resolveFlowTarget } from '../../engine/flow-files.js';
import { InvalidFlowFileError } from '../cli-errors.js';
import type { CliContext } from '../context.js';

/** Loads a flow by file or id with the same checks as `staffwire validate`. */
export function loadFlow(context: CliContext, target: string): CompiledFlow {
  const file = resolveFlowTarget(target, context.flows);
  const { flow, problems } = checkFlowBytes(readFileSync(file), file, {
    connectors: context.connectors,
    connections: context.config.connections,
    limits: context.engine.limits.expression,
  });
  if (!flow) throw new InvalidFlowFileError(problems.map(formatProblem).join('\n'));
  return flow;
}
