import { StaffwireError } from './staffwire-error.js';

/** Data handed to a flow, a step or an action does not match what it declares. */
export class InputError extends StaffwireError {
  constructor(message: string, code = 'invalid_input') {
    super(message, { code, category: 'validation' });
  }
}
