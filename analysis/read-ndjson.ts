// NDJSON input: the local sink file, the outbox, an export, or stdin ("-").
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

export async function* readNdjson(paths: readonly string[]): AsyncIterable<string> {
  for (const path of paths) {
    const input = path === '-' ? process.stdin : createReadStream(path);
    const lines = createInterface({ input, crlfDelay: Infinity });
    for await (const line of lines) {
      if (line.trim() !== '') yield outboxValue(line);
    }
  }
}

/** Outbox lines wrap the event as {k, h, v}; everything else is the event itself. */
function outboxValue(line: string): string {
  if (!line.startsWith('{"k":')) return line;
  try {
    const record = JSON.parse(line) as { v?: unknown };
    return typeof record.v === 'string' ? record.v : line;
  } catch {
    return line;
  }
}
