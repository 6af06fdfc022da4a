// Real Kafka brokers for tests, through scripts/kafka.sh (jars from Maven Central, cached).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const SCRIPT = join(__dirname, '..', '..', 'scripts', 'kafka.sh');
const run = promisify(execFile);

/** A port p such that p and p+1 are free (the broker and its controller). */
export async function freePortPair(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const { port } = s.address() as { port: number };
        s.close(() => resolve(port));
      });
    });
    if (port >= 65535) continue;
    const nextFree = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen(port + 1, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (nextFree) return port;
  }
}

export class Broker {
  private constructor(
    readonly port: number,
    private readonly stateDir: string,
  ) {}

  static async create(): Promise<Broker> {
    return new Broker(await freePortPair(), mkdtempSync(join(tmpdir(), 'shadowdiff-kafka-')));
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  private env() {
    return { ...process.env, KAFKA_PORT: String(this.port), KAFKA_STATE_DIR: this.stateDir, KAFKA_HEAP: process.env.KAFKA_HEAP ?? '384m' };
  }

  async start(): Promise<void> {
    await run(SCRIPT, ['start'], { env: this.env(), timeout: 300_000 });
  }

  async stop(): Promise<void> {
    await run(SCRIPT, ['stop'], { env: this.env(), timeout: 60_000 });
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.stateDir, { recursive: true, force: true });
  }
}
