// Where diff events go. Every sink takes events without blocking the caller and counts what it
// could not keep; the proxy never awaits a publish.
import type { DiffEvent } from '../events/types';

export interface SinkStatus {
  /** Short name for logs and readiness: "file", "stdout", "kafka". */
  readonly kind: string;
  /** Undefined when ready, else why not. */
  readonly problem?: string;
}

export interface EventSink {
  /** Begins background work (connecting, replaying); called once the proxy is listening. */
  start?(): void;
  publish(event: DiffEvent): void;
  status(): SinkStatus;
  /** Extra facts for /readyz (queue depth, connectivity, ...). */
  details?(): Record<string, unknown>;
  /** Flushes what it can within the deadline. */
  close(deadlineMs: number): Promise<void>;
}
