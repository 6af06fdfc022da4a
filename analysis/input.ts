// From raw records (NDJSON lines or Kafka message values) to the events a command sees: parse,
// skip what is not a v1 event (counted, with a warning), drop duplicates by id, apply filters.
import { EVENT_SCHEMA, type DiffEvent } from '../src/events/types';
import type { InputCounts } from './report';

export interface Filters {
  readonly routes?: ReadonlySet<string>;
  readonly outcomes?: ReadonlySet<string>;
  readonly since?: number;
  readonly until?: number;
}

/** Remembers the last `size` ids: duplicates come from retried sends, close to the original. */
export class RecentIds {
  private readonly ring: (string | undefined)[];
  private readonly set = new Set<string>();
  private next = 0;

  constructor(size: number) {
    this.ring = new Array<string | undefined>(Math.max(1, size));
  }

  /** True when `id` was seen within the window; remembers it otherwise. */
  seen(id: string): boolean {
    if (this.set.has(id)) return true;
    const evicted = this.ring[this.next];
    if (evicted !== undefined) this.set.delete(evicted);
    this.ring[this.next] = id;
    this.set.add(id);
    this.next = (this.next + 1) % this.ring.length;
    return false;
  }
}

export function emptyCounts(): InputCounts {
  return { read: 0, duplicates: 0, unknownSchema: 0, corrupt: 0, filteredOut: 0 };
}

export interface ConsumeOptions {
  readonly filters: Filters;
  readonly dedupeWindow: number;
  readonly warn: (message: string) => void;
  readonly onProgress?: (counts: InputCounts) => void;
}

export async function consume(records: AsyncIterable<string>, options: ConsumeOptions, onEvent: (event: DiffEvent) => void): Promise<InputCounts> {
  const counts = emptyCounts();
  const ids = new RecentIds(options.dedupeWindow);
  const warnedSchemas = new Set<string>();
  const { filters } = options;
  for await (const record of records) {
    counts.read++;
    if (options.onProgress && counts.read % 5000 === 0) options.onProgress(counts);
    let event: DiffEvent;
    try {
      event = JSON.parse(record) as DiffEvent;
    } catch {
      counts.corrupt++;
      if (counts.corrupt <= 3) options.warn(`skipping a record that is not JSON: ${record.slice(0, 80)}`);
      continue;
    }
    if (event?.schema !== EVENT_SCHEMA) {
      counts.unknownSchema++;
      const schema = String(event?.schema ?? '(none)');
      if (!warnedSchemas.has(schema)) {
        warnedSchemas.add(schema);
        options.warn(`skipping events of unknown schema ${JSON.stringify(schema)} (this reader knows ${EVENT_SCHEMA})`);
      }
      continue;
    }
    if (typeof event.id !== 'string' || !event.route || !event.summary) {
      counts.corrupt++;
      continue;
    }
    if (ids.seen(event.id)) {
      counts.duplicates++;
      continue;
    }
    if (!matches(event, filters)) {
      counts.filteredOut++;
      continue;
    }
    onEvent(event);
  }
  options.onProgress?.(counts);
  return counts;
}

function matches(event: DiffEvent, filters: Filters): boolean {
  if (filters.routes && !filters.routes.has(event.route.name)) return false;
  if (filters.outcomes && !filters.outcomes.has(event.outcome)) return false;
  if (filters.since !== undefined || filters.until !== undefined) {
    const t = Date.parse(event.timestamp);
    if (filters.since !== undefined && t < filters.since) return false;
    if (filters.until !== undefined && t >= filters.until) return false;
  }
  return true;
}
