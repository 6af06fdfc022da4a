// Reading bodies with a size cap, so a large upload or download never becomes a large buffer.
import { Readable } from 'node:stream';

/** The whole body, or undefined (and the stream destroyed) once it exceeds `max` bytes. */
export async function readCapped(stream: AsyncIterable<Buffer> & Partial<Pick<Readable, 'destroy'>>, max: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += chunk.length;
    if (size > max) {
      stream.destroy?.();
      return undefined;
    }
    chunks.push(chunk);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
}

export type RequestBody =
  | { readonly complete: true; readonly body: Buffer }
  /** Too large to keep: the chunks read so far followed by the rest of the stream, for forwarding only. */
  | { readonly complete: false; readonly stream: Readable };

/** Reads a request body into memory if it fits in `max` bytes; otherwise hands back a stream of all of it. */
export async function readUpTo(stream: AsyncIterable<Buffer>, max: number): Promise<RequestBody> {
  const iterator = stream[Symbol.asyncIterator]();
  const chunks: Buffer[] = [];
  let size = 0;
  for (;;) {
    const next = await iterator.next();
    if (next.done) return { complete: true, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size) };
    chunks.push(next.value);
    size += next.value.length;
    if (size > max) return { complete: false, stream: Readable.from(replay(chunks, iterator), { objectMode: false }) };
  }
}

async function* replay(head: Buffer[], rest: AsyncIterator<Buffer>): AsyncIterable<Buffer> {
  yield* head;
  for (;;) {
    const next = await rest.next();
    if (next.done) return;
    yield next.value;
  }
}

export const EMPTY_BODY = Buffer.alloc(0);

/** Collects a copy of a body as it streams past, up to `max` bytes. */
export class BodyTap {
  private chunks: Buffer[] = [];
  private size = 0;
  overflowed = false;

  constructor(private readonly max: number) {}

  readonly push = (chunk: Buffer): void => {
    if (this.overflowed) return;
    this.size += chunk.length;
    if (this.size > this.max) {
      this.overflowed = true;
      this.chunks = [];
      return;
    }
    this.chunks.push(chunk);
  };

  body(): Buffer {
    return this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.size);
  }
}
