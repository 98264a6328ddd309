import type { ErrorCategory } from './error-category.js';

export interface StaffwireErrorOptions {
  code: string;
  category: ErrorCategory;
  /** Server-advised delay before a retry (Retry-After, x-ogw-ratelimit-reset), in ms. */
  retryAfterMs?: number;
  details?: Record<string, unknown>;
  cause?: unknown;
}

/** Base of every failure that a run records: a stable code, a category and a plain message. */
export class StaffwireError extends Error {
  readonly code: string;
  readonly category: ErrorCategory;
  readonly retryAfterMs: number | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(message: string, options: StaffwireErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code;
    this.category = options.category;
    this.retryAfterMs = options.retryAfterMs;
    this.details = options.details;
  }
}
