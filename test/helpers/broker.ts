// Real Kafka brokers for tests, through scripts/kafka.sh (jars from Maven Central, cached).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePortPair } from './ports';

const SCRIPT = join(__dirname, '..', '..', 'scripts', 'kafka.sh');
const run = promisify(execFile);

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
