/**
 * Why a step failed, in the terms a retry policy speaks. Connectors and the engine classify
 * every failure into one of these so that policies never parse messages.
 */
export const ERROR_CATEGORIES = [
  'rate_limit',
  'server',
  'timeout',
  'network',
  'client',
  'expression',
  'validation',
  'raised',
  'internal',
] as const;

export type ErrorCategory = (typeof ERROR_CATEGORIES)[number];

/** Transient failures: the same request may well succeed later. */
export const RETRYABLE_BY_DEFAULT: readonly ErrorCategory[] = ['rate_limit', 'server', 'timeout', 'network'];
