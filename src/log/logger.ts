import { openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { pino, type DestinationStream, type Logger } from 'pino';
import { makeFolder } from '../fs/make-folder.js';

/** The log destination that means standard error, as STAFFWIRE_LOG_FILE spells it. */
export const STDERR = '-';

/**
 * JSON logs on stderr (stdout belongs to command output), or appended to `destination` when it
 * names a file. Secrets and personal data are redacted wherever these keys appear.
 */
export function createLogger(level: string, destination: string = STDERR): Logger {
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
    destination === STDERR ? pino.destination(2) : new LogFile(destination),
  );
}

/**
 * A log file opened (with its folder) at the first line, so a command that logs nothing creates
 * nothing, and appended to line by line, so several processes can share it and a killed process
 * loses no line it wrote. A file that cannot be written sends the lines to stderr, saying so once.
 */
class LogFile implements DestinationStream {
  private fd: number | undefined;
  private fallback = false;

  constructor(private readonly file: string) {}

  write(line: string): void {
    if (this.fd === undefined && !this.fallback) {
      try {
        makeFolder(dirname(this.file));
        this.fd = openSync(this.file, 'a');
      } catch (err) {
        this.fallback = true;
        process.stderr.write(`staffwire: cannot write the log file ${this.file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); logging to stderr (STAFFWIRE_LOG_FILE sets another)\n`);
      }
    }
    if (this.fd === undefined) process.stderr.write(line);
    else writeSync(this.fd, line);
  }
}
