/**
 * An answer other than success, as every route gives it: `{ code, message, details }` with the
 * status that says whose the problem is. Routes throw it; the error handler sends it.
 */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const notFound = (code: string, message: string, details: Record<string, unknown> = {}) => new ApiError(404, code, message, details);
export const conflict = (code: string, message: string, details: Record<string, unknown> = {}) => new ApiError(409, code, message, details);
export const unprocessable = (code: string, message: string, details: Record<string, unknown> = {}) => new ApiError(422, code, message, details);
export const badRequest = (code: string, message: string, details: Record<string, unknown> = {}) => new ApiError(400, code, message, details);
