// The one logger. pino's redaction is a second line of defence: shadowdiff never passes headers or
// bodies to the logger, but if a future log call does, these fields are censored.
import pino, { type Logger } from 'pino';

export type { Logger };

const REDACTED_HEADERS = ['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key'];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const paths = REDACTED_HEADERS.flatMap((h) => [`headers["${h}"]`, `*.headers["${h}"]`]);
  return pino({ level, base: { name: 'shadowdiff' }, redact: { paths, censor: '[redacted]' } }, destination);
}
