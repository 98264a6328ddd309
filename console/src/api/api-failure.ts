/** The API answered with an error: its `{ code, message, details }` and status. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'ApiFailure';
  }
}

/** No answer at all, or one not from Staffwire (a proxy's error page): the API is unreachable. */
export class ApiUnreachable extends Error {
  constructor(readonly cause: unknown) {
    super('the Staffwire API did not answer');
    this.name = 'ApiUnreachable';
  }
}

export function isUnauthorized(error: unknown): boolean {
  return error instanceof ApiFailure && error.status === 401;
}
