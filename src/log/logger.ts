import { pino, type Logger } from 'pino';

/**
 * JSON logs on stderr (stdout belongs to command output). Secrets and personal data are
 * redacted wherever these keys appear.
 */
export function createLogger(level: string): Logger {
  return pino(
    {
      level,
      base: { service: 'staffwire' },
      redact: {
        paths: [
          '*.authorization', '*.Authorization', '*.password', '*.token', '*.secret', '*.app_secret',
          '*.tenant_access_token', '*.name', '*.phone_number', '*.mobile', '*.email', '*.id_number', '*.salary',
          '*.*.authorization', '*.*.password', '*.*.token', '*.*.phone_number', '*.*.mobile', '*.*.email',
        ],
        censor: '[redacted]',
      },
    },
    pino.destination(2),
  );
}
