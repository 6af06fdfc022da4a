import { Readable } from 'node:stream';
import { BodyTap, readCapped, readUpTo } from '../../src/util/body';

const chunks = (...parts: string[]) => Readable.from(parts.map((p) => Buffer.from(p)));

describe('body reading', () => {
  it('readUpTo keeps a body that fits', async () => {
    const read = await readUpTo(chunks('ab', 'cd'), 4);
    expect(read).toEqual({ complete: true, body: Buffer.from('abcd') });
  });

  it('readUpTo hands back every byte as a stream when the body is too large', async () => {
    const read = await readUpTo(chunks('ab', 'cd', 'ef', 'gh'), 3);
    expect(read.complete).toBe(false);
    if (read.complete) return;
    const all: Buffer[] = [];
    for await (const c of read.stream) all.push(c as Buffer);
    expect(Buffer.concat(all).toString()).toBe('abcdefgh');
  });

  it('readCapped returns undefined past the cap', async () => {
    expect(await readCapped(chunks('abc', 'def'), 5)).toBeUndefined();
    expect((await readCapped(chunks('abc', 'de'), 5))?.toString()).toBe('abcde');
  });

  it('BodyTap copies up to its cap and then gives up', () => {
    const tap = new BodyTap(4);
    tap.push(Buffer.from('ab'));
    tap.push(Buffer.from('cd'));
    expect(tap.body().toString()).toBe('abcd');
    tap.push(Buffer.from('e'));
    expect(tap.overflowed).toBe(true);
  });
});
