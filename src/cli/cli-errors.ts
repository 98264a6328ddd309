/**
 * Failures `main` reports in its own words. They live apart from the commands that throw them,
 * so that `main` can recognise them without loading those commands (and what they import).
 */

/** The server could not be reached, or refused who is asking: the command cannot go on. */
export class ServerRequestError extends Error {
  constructor(
    message: string,
    /** 2 when the token or role is the problem (fix the command line), 1 otherwise. */
    readonly exitCode: 1 | 2,
  ) {
    super(message);
    this.name = 'ServerRequestError';
  }
}

/** A flow file that does not validate; the message lists every problem with its location. */
export class InvalidFlowFileError extends Error {}
