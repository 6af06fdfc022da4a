// A fixed pool of worker threads running `analyze`, so a 1 MB JSON pair never blocks the proxy's
// event loop. Work queues when every worker is busy; the shadow in-flight cap bounds the queue.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Analysis, AnalysisInput } from './analyze';

interface Task {
  readonly id: number;
  readonly input: AnalysisInput;
  readonly resolve: (analysis: Analysis) => void;
  readonly reject: (err: Error) => void;
}

/** The compiled worker next to this file; from TypeScript sources (tests), the built one in dist/. */
export function defaultWorkerScript(): string {
  const sibling = join(__dirname, 'worker.js');
  return existsSync(sibling) ? sibling : join(__dirname, '..', '..', 'dist', 'src', 'events', 'worker.js');
}

export class AnalysisPool {
  private readonly idle: Worker[] = [];
  private readonly busy = new Map<Worker, Task>();
  private readonly queue: Task[] = [];
  private nextId = 0;
  private closed = false;

  constructor(
    private readonly size: number,
    private readonly script = defaultWorkerScript(),
  ) {
    for (let i = 0; i < size; i++) this.idle.push(this.spawn());
  }

  /** Analyses in a worker. Bodies that own their memory move there (see ownedBuffers): read them before, not after. */
  run(input: AnalysisInput): Promise<Analysis> {
    if (this.closed) return Promise.reject(new Error('analysis pool is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, input, resolve, reject });
      this.dispatch();
    });
  }

  get queued(): number {
    return this.queue.length;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const task of this.queue.splice(0)) task.reject(new Error('analysis pool is closed'));
    await Promise.all([...this.idle, ...this.busy.keys()].map((w) => w.terminate()));
  }

  private spawn(): Worker {
    const worker = new Worker(this.script);
    worker.unref();
    worker.on('message', (message: { id: number; analysis?: Analysis; error?: string }) => {
      const task = this.busy.get(worker);
      this.busy.delete(worker);
      this.idle.push(worker);
      if (task) {
        if (message.analysis) task.resolve(message.analysis);
        else task.reject(new Error(message.error ?? 'analysis failed'));
      }
      this.dispatch();
    });
    worker.on('error', (err) => {
      // A crashed worker fails its task and is replaced, so the pool keeps its size.
      const task = this.busy.get(worker);
      this.busy.delete(worker);
      task?.reject(err);
      if (!this.closed) this.idle.push(this.spawn());
      this.dispatch();
    });
    return worker;
  }

  private dispatch(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const worker = this.idle.pop()!;
      const task = this.queue.shift()!;
      this.busy.set(worker, task);
      worker.postMessage({ id: task.id, input: task.input }, ownedBuffers(task.input));
    }
  }
}

/**
 * Body buffers that can move to the worker instead of being copied: each spans a whole
 * ArrayBuffer of its own (bodies of several chunks are concatenated into fresh ones). Moving
 * them spares the proxy a copy and hands the worker their memory, which keeps the event loop's
 * garbage collector from being driven by megabytes of bodies. The caller must not read them again.
 */
export function ownedBuffers(input: AnalysisInput): ArrayBuffer[] {
  const owned = new Set<ArrayBuffer>();
  for (const body of [input.request.body, input.reference?.body, input.candidate?.body, input.secondary?.body]) {
    if (!body || body.byteLength === 0 || body.byteOffset !== 0) continue;
    const buffer = body.buffer;
    if (buffer instanceof ArrayBuffer && buffer.byteLength === body.byteLength) owned.add(buffer);
  }
  return [...owned];
}
