// NDJSON sinks: one event per line, to a local file (the default without Kafka) or to stdout.
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import type { Writable } from 'node:stream';
import type { Metrics } from '../admin/metrics';
import { eventJson } from '../events/build';
import type { DiffEvent } from '../events/types';
import type { EventSink, SinkStatus } from './sink';

/**
 * Writes lines to a stream, dropping (and counting) when more than `maxPending` are unwritten.
 * Lines published in one turn of the event loop go out in one write.
 */
export class NdjsonSink implements EventSink {
  private pending = 0;
  private failure?: string;
  private batch: string[] = [];

  constructor(
    private readonly kind: string,
    private readonly out: Writable,
    private readonly metrics: Metrics,
    private readonly maxPending: number,
    private readonly ownsStream: boolean,
  ) {
    out.on('error', (err) => {
      this.failure = err.message;
    });
  }

  static toFile(path: string, metrics: Metrics, maxPending: number): NdjsonSink {
    mkdirSync(dirname(path), { recursive: true });
    const stream: WriteStream = createWriteStream(path, { flags: 'a' });
    return new NdjsonSink('file', stream, metrics, maxPending, true);
  }

  static toStdout(metrics: Metrics, maxPending: number): NdjsonSink {
    return new NdjsonSink('stdout', process.stdout, metrics, maxPending, false);
  }

  publish(event: DiffEvent): void {
    if (this.failure || this.pending >= this.maxPending) {
      this.metrics.eventsDropped.inc({ reason: this.failure ? 'sink_failed' : 'sink_full' });
      return;
    }
    this.pending++;
    if (this.batch.push(`${eventJson(event)}\n`) === 1) setImmediate(() => this.flush());
  }

  private flush(): void {
    const lines = this.batch;
    this.batch = [];
    if (lines.length === 0) return;
    this.out.write(lines.join(''), (err) => {
      this.pending -= lines.length;
      if (err) this.metrics.eventsDropped.inc({ reason: 'sink_failed' }, lines.length);
      else this.metrics.eventsPublished.inc({ sink: this.kind }, lines.length);
    });
  }

  status(): SinkStatus {
    return this.failure ? { kind: this.kind, problem: `cannot write: ${this.failure}` } : { kind: this.kind };
  }

  async close(deadlineMs: number): Promise<void> {
    this.flush();
    if (!this.ownsStream) return;
    await Promise.race([
      new Promise<void>((resolve) => this.out.end(() => resolve())),
      new Promise<void>((resolve) => setTimeout(resolve, deadlineMs).unref()),
    ]);
  }
}
