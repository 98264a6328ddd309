import { RaisedError } from '../../errors/index.js';
import type { CompiledRaise } from '../compiled-flow.js';
import type { StepExecutor } from './step-context.js';

export const executeRaise: StepExecutor<CompiledRaise> = async (step, frame, { execution }) => {
  const message = await execution.evaluate(step.message, frame.scope);
  throw new RaisedError(step.error, typeof message === 'string' ? message : JSON.stringify(message));
};
