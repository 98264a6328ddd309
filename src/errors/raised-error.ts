import { StaffwireError } from './staffwire-error.js';

/** Thrown by a `raise` step: a failure the flow author named. */
export class RaisedError extends StaffwireError {
  constructor(code: string, message: string) {
    super(message, { code, category: 'raised' });
  }
}
