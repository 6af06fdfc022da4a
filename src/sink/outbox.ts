// An append-only file of records waiting for Kafka: what does not fit in memory while Kafka is slow
// or away, and what is left at shutdown. Records are replayed in order; the replay position is kept
// beside the file, so a restart neither loses nor repeats what was already sent.
//
// Crash safety: a record is one JSON line. A torn last line (the process died mid-write) is not
// valid JSON; it is skipped and counted when read, and a newline is added before appending again.
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync, writeFileSync, mkdirSync, ftruncateSync, fstatSync } from 'node:fs';
import { appendFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface OutboxRecord {
  /** Kafka message key. */
  readonly k: string | null;
  /** Kafka message headers. */
  readonly h: Record<string, string>;
  /** The event, as JSON text. */
  readonly v: string;
}

export class Outbox {
  /** Bytes on disk (appends whose write completed). */
  private size: number;
  /** Bytes already sent to Kafka. */
  private offset: number;
  private writes: Promise<void> = Promise.resolve();
  private reserved = 0;

  private constructor(
    readonly path: string,
    private readonly maxBytes: number,
  ) {
    mkdirSync(dirname(path), { recursive: true });
    this.size = existsSync(path) ? statSync(path).size : 0;
    this.offset = Math.min(this.readOffset(), this.size);
    if (this.size > 0 && !this.endsWithNewline()) {
      // Seal a torn last line so the next append starts on a line of its own.
      writeFileSync(path, '\n', { flag: 'a' });
      this.size += 1;
    }
  }

  static open(path: string, maxBytes: number): Outbox {
    return new Outbox(path, maxBytes);
  }

  /** Bytes waiting to be replayed. */
  get pendingBytes(): number {
    return this.size + this.reserved - this.offset;
  }

  get isEmpty(): boolean {
    return this.pendingBytes === 0;
  }

  /**
   * Appends records in order. Returns how many did not fit under the size cap (they are dropped;
   * the caller counts them). Writes are serialised, so order on disk is call order.
   */
  append(records: readonly OutboxRecord[]): number {
    const lines: string[] = [];
    let bytes = 0;
    let dropped = 0;
    for (const record of records) {
      const line = `${JSON.stringify(record)}\n`;
      const length = Buffer.byteLength(line);
      if (this.size + this.reserved + bytes + length > this.maxBytes) {
        dropped++;
        continue;
      }
      lines.push(line);
      bytes += length;
    }
    if (lines.length === 0) return dropped;
    this.reserved += bytes;
    this.writes = this.writes.then(async () => {
      await appendFile(this.path, lines.join(''));
      this.reserved -= bytes;
      this.size += bytes;
    });
    return dropped;
  }

  /** Resolves when every append so far is on disk. */
  flushed(): Promise<void> {
    return this.writes;
  }

  /**
   * Up to `max` records from the replay position, and the position after them. Lines that are not
   * valid records (a torn write) are skipped and counted in `corrupt`.
   */
  read(max: number, maxBytes = 4 * 1024 * 1024): { records: OutboxRecord[]; next: number; corrupt: number } {
    const records: OutboxRecord[] = [];
    let corrupt = 0;
    let position = this.offset;
    const end = this.size;
    if (position >= end) return { records, next: position, corrupt };
    const length = Math.min(end - position, maxBytes);
    const buffer = Buffer.alloc(length);
    const fd = openSync(this.path, 'r');
    try {
      readSync(fd, buffer, 0, length, position);
    } finally {
      closeSync(fd);
    }
    let start = 0;
    while (records.length < max) {
      const nl = buffer.indexOf(10, start);
      if (nl < 0) {
        // A line longer than the read window is read alone next time.
        if (start === 0 && length === maxBytes) return this.read(max, maxBytes * 2);
        break;
      }
      const line = buffer.subarray(start, nl).toString('utf8');
      start = nl + 1;
      if (line.trim() === '') continue;
      const record = parseRecord(line);
      if (record) records.push(record);
      else corrupt++;
    }
    position += start;
    return { records, next: position, corrupt };
  }

  /** Marks everything before `next` as sent; empties the file once all of it is. */
  async commit(next: number): Promise<void> {
    this.offset = next;
    await this.writes;
    if (this.offset >= this.size && this.reserved === 0) {
      const fd = openSync(this.path, 'r+');
      try {
        // Only truncate what we have read: an append may have landed since.
        if (fstatSync(fd).size === this.size) {
          ftruncateSync(fd, 0);
          this.size = 0;
          this.offset = 0;
        }
      } finally {
        closeSync(fd);
      }
    }
    await writeFile(this.offsetPath(), String(this.offset));
  }

  private offsetPath(): string {
    return `${this.path}.offset`;
  }

  private readOffset(): number {
    try {
      const value = Number(readFileSync(this.offsetPath(), 'utf8').trim());
      return Number.isFinite(value) && value >= 0 ? value : 0;
    } catch {
      return 0;
    }
  }

  private endsWithNewline(): boolean {
    const fd = openSync(this.path, 'r');
    try {
      const last = Buffer.alloc(1);
      readSync(fd, last, 0, 1, this.size - 1);
      return last[0] === 10;
    } finally {
      closeSync(fd);
    }
  }
}

function parseRecord(line: string): OutboxRecord | undefined {
  try {
    const record = JSON.parse(line) as OutboxRecord;
    if (typeof record?.v !== 'string' || typeof record.h !== 'object') return undefined;
    return record;
  } catch {
    return undefined;
  }
}
