// --since / --until: an ISO 8601 timestamp, or a duration back from now (90s, 15m, 2h, 7d).

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

export class UsageError extends Error {}

export function parseInstant(text: string, now = Date.now()): number {
  const duration = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/.exec(text.trim());
  if (duration) return now - Number(duration[1]) * UNITS[duration[2]!]!;
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
    const ms = Date.parse(text);
    if (!Number.isNaN(ms)) return ms;
  }
  throw new UsageError(`"${text}" is neither a timestamp (2026-11-21T10:00:00Z) nor a duration (90s, 15m, 2h, 7d)`);
}
