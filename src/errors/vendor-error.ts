import type { ErrorCategory } from './error-category.js';
import { StaffwireError } from './staffwire-error.js';

export interface VendorErrorOptions {
  /** The vendor's own error code (Lark `code`, DocuSign `errorCode`), or the HTTP status. */
  vendorCode: string | number;
  httpStatus?: number;
  /** The vendor's request id for support tickets (Lark `X-Tt-Logid`). */
  logId?: string;
  category: ErrorCategory;
  retryAfterMs?: number;
  cause?: unknown;
}

/** A vendor API answered with an error. Retry policy decides by `category`. */
export class VendorError extends StaffwireError {
  readonly vendorCode: string | number;
  readonly httpStatus: number | undefined;
  readonly logId: string | undefined;

  constructor(message: string, options: VendorErrorOptions) {
    super(message, {
      code: `vendor.${options.vendorCode}`,
      category: options.category,
      retryAfterMs: options.retryAfterMs,
      cause: options.cause,
      details: {
        vendorCode: options.vendorCode,
        ...(options.httpStatus === undefined ? {} : { httpStatus: options.httpStatus }),
        ...(options.logId === undefined ? {} : { logId: options.logId }),
      },
    });
    this.vendorCode = options.vendorCode;
    this.httpStatus = options.httpStatus;
    this.logId = options.logId;
  }
}
