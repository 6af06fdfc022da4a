// A real HTTP server on 127.0.0.1 that records what it receives and answers as each test says.
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Arrivals } from './arrivals';

export interface Recorded {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export type Responder = (req: Recorded, res: ServerResponse) => void;

export const json =
  (value: unknown, status = 200): Responder =>
  (_req, res) => {
    const body = JSON.stringify(value);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };

export class TestUpstream {
  private readonly arrivals = new Arrivals<Recorded>();
  private held: ServerResponse[] = [];

  private constructor(
    private readonly server: Server,
    public respond: Responder,
  ) {}

  static async start(respond: Responder = json({ ok: true })): Promise<TestUpstream> {
    let upstream!: TestUpstream;
    const server = createServer((req, res) => upstream.onRequest(req, res));
    upstream = new TestUpstream(server, respond);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return upstream;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  get requests(): Recorded[] {
    return this.arrivals.items;
  }

  /** Resolves once `count` requests in all have arrived. */
  received(count = 1): Promise<Recorded[]> {
    return this.arrivals.received(count);
  }

  /** A responder that never answers until `release()` is called. */
  readonly hold: Responder = (_req, res) => {
    this.held.push(res);
  };

  release(respond: Responder = json({ released: true })): void {
    for (const res of this.held.splice(0)) respond(this.requests[0]!, res);
  }

  async close(): Promise<void> {
    for (const res of this.held.splice(0)) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const recorded: Recorded = { method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks) };
      this.respond(recorded, res);
      this.arrivals.push(recorded);
    });
  }
}
