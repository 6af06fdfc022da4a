import fc from 'fast-check';
import { gzipSync, deflateSync, brotliCompressSync } from 'node:zlib';
import { compareResponses } from '../../src/diff/compare';
import type { CompareRules, ResponseSnapshot } from '../../src/diff/types';

const rules = (overrides: Partial<CompareRules> = {}): CompareRules => ({
  key: 'test',
  headers: ['content-type', 'location', 'cache-control', 'content-language', 'vary'],
  ignore: [],
  arrayKeys: {},
  unordered: [],
  tolerance: { absolute: 0, relative: 0 },
  ignoreAdded: false,
  noise: [],
  ...overrides,
});

const json = (value: unknown, headers: Record<string, string> = {}, status = 200): ResponseSnapshot => ({
  status,
  headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  body: Buffer.from(JSON.stringify(value)),
});

const diffs = (a: unknown, b: unknown, r: Partial<CompareRules> = {}) =>
  compareResponses(json(a), json(b), rules(r)).differences.map(({ path, normalizedPath, kind, reference, candidate, severity }) => ({ path, normalizedPath, kind, reference, candidate, severity }));

describe('compareResponses: JSON bodies', () => {
  it.each<[string, unknown, unknown, Partial<CompareRules>, unknown[]]>([
    ['a changed value', { a: 1 }, { a: 2 }, {}, [{ path: '/a', normalizedPath: '/a', kind: 'value', reference: 1, candidate: 2, severity: 'medium' }]],
    ['a changed type', { a: 1 }, { a: '1' }, {}, [{ path: '/a', normalizedPath: '/a', kind: 'type', reference: 1, candidate: '1', severity: 'high' }]],
    ['object to array', { a: { b: 1 } }, { a: [1] }, {}, [{ path: '/a', normalizedPath: '/a', kind: 'type', reference: { b: 1 }, candidate: [1], severity: 'high' }]],
    ['null to object', { a: null }, { a: { b: 1 } }, {}, [{ path: '/a', normalizedPath: '/a', kind: 'type', reference: null, candidate: { b: 1 }, severity: 'high' }]],
    ['a missing field', { a: 1, b: 2 }, { a: 1 }, {}, [{ path: '/b', normalizedPath: '/b', kind: 'missing', reference: 2, candidate: undefined, severity: 'high' }]],
    ['an extra field', { a: 1 }, { a: 1, c: 3 }, {}, [{ path: '/c', normalizedPath: '/c', kind: 'extra', reference: undefined, candidate: 3, severity: 'low' }]],
    ['an extra field, ignored', { a: 1 }, { a: 1, c: 3 }, { ignoreAdded: true }, []],
    [
      'nested array element value',
      { items: [{ price: 1 }, { price: 2 }] },
      { items: [{ price: 1 }, { price: 3 }] },
      {},
      [{ path: '/items/1/price', normalizedPath: '/items/*/price', kind: 'value', reference: 2, candidate: 3, severity: 'medium' }],
    ],
    [
      'a shorter array',
      { tags: ['a', 'b', 'c'] },
      { tags: ['a', 'b'] },
      {},
      [
        { path: '/tags', normalizedPath: '/tags', kind: 'array_length', reference: 3, candidate: 2, severity: 'medium' },
        { path: '/tags/2', normalizedPath: '/tags/*', kind: 'missing', reference: 'c', candidate: undefined, severity: 'high' },
      ],
    ],
    [
      'a longer array',
      { tags: ['a'] },
      { tags: ['a', 'b'] },
      {},
      [
        { path: '/tags', normalizedPath: '/tags', kind: 'array_length', reference: 1, candidate: 2, severity: 'medium' },
        { path: '/tags/1', normalizedPath: '/tags/*', kind: 'extra', reference: undefined, candidate: 'b', severity: 'low' },
      ],
    ],
    ['a reordered array', { ids: [1, 2, 3] }, { ids: [3, 1, 2] }, {}, [{ path: '/ids', normalizedPath: '/ids', kind: 'order', reference: [1, 2, 3], candidate: [3, 1, 2], severity: 'low' }]],
    ['a reordered array compared unordered', { ids: [1, 2, 3] }, { ids: [3, 1, 2] }, { unordered: ['/ids'] }, []],
    [
      'an unordered array with one element swapped',
      { ids: [1, 2, 3] },
      { ids: [3, 4, 1] },
      { unordered: ['/ids'] },
      [
        { path: '/ids/1', normalizedPath: '/ids/*', kind: 'missing', reference: 2, candidate: undefined, severity: 'high' },
        { path: '/ids/1', normalizedPath: '/ids/*', kind: 'extra', reference: undefined, candidate: 4, severity: 'low' },
      ],
    ],
    [
      'a keyed array: reordered and one element changed',
      { items: [{ id: 'a', p: 1 }, { id: 'b', p: 2 }] },
      { items: [{ id: 'b', p: 2 }, { id: 'a', p: 5 }] },
      { arrayKeys: { '/items': 'id' } },
      [{ path: '/items/0/p', normalizedPath: '/items/*/p', kind: 'value', reference: 1, candidate: 5, severity: 'medium' }],
    ],
    [
      'a keyed array: an insert at the front is one extra element',
      { items: [{ id: 1 }, { id: 2 }, { id: 3 }] },
      { items: [{ id: 0 }, { id: 1 }, { id: 2 }, { id: 3 }] },
      { arrayKeys: { '/items': 'id' } },
      [
        { path: '/items', normalizedPath: '/items', kind: 'array_length', reference: 3, candidate: 4, severity: 'medium' },
        { path: '/items/0', normalizedPath: '/items/*', kind: 'extra', reference: undefined, candidate: { id: 0 }, severity: 'low' },
      ],
    ],
    [
      'a keyed array nested in another array',
      { orders: [{ lines: [{ sku: 'x', q: 1 }, { sku: 'y', q: 1 }] }] },
      { orders: [{ lines: [{ sku: 'y', q: 1 }, { sku: 'x', q: 2 }] }] },
      { arrayKeys: { '/orders/*/lines': 'sku' } },
      [{ path: '/orders/0/lines/0/q', normalizedPath: '/orders/*/lines/*/q', kind: 'value', reference: 1, candidate: 2, severity: 'medium' }],
    ],
    ['within absolute tolerance', { p: 1.0 }, { p: 1.004 }, { tolerance: { absolute: 0.01, relative: 0 } }, []],
    ['within relative tolerance', { p: 1000 }, { p: 1009 }, { tolerance: { absolute: 0, relative: 0.01 } }, []],
    ['outside tolerance', { p: 1000 }, { p: 1011 }, { tolerance: { absolute: 0.5, relative: 0.01 } }, [{ path: '/p', normalizedPath: '/p', kind: 'value', reference: 1000, candidate: 1011, severity: 'medium' }]],
    ['an ignored path', { a: 1, meta: { t: 1 } }, { a: 1, meta: { t: 2, u: 1 } }, { ignore: ['/meta'] }, []],
    ['an ignored wildcard path', { items: [{ at: 1, v: 1 }, { at: 2, v: 1 }] }, { items: [{ at: 3, v: 1 }, { at: 4, v: 2 }] }, { ignore: ['/items/*/at'] }, [{ path: '/items/1/v', normalizedPath: '/items/*/v', kind: 'value', reference: 1, candidate: 2, severity: 'medium' }]],
    ['an ignored path that only the candidate has', { a: 1 }, { a: 1, debug: { x: 1 } }, { ignore: ['/debug'] }, []],
    ['keys that need escaping', { 'a/b': { '~c': 1 } }, { 'a/b': { '~c': 2 } }, {}, [{ path: '/a~1b/~0c', normalizedPath: '/a~1b/~0c', kind: 'value', reference: 1, candidate: 2, severity: 'medium' }]],
    ['a root array', [1, 2], [1, 3], {}, [{ path: '/1', normalizedPath: '/*', kind: 'value', reference: 2, candidate: 3, severity: 'medium' }]],
    ['root scalars', 1, 2, {}, [{ path: '', normalizedPath: '', kind: 'value', reference: 1, candidate: 2, severity: 'medium' }]],
    ['root object to array', { a: 1 }, [1], {}, [{ path: '', normalizedPath: '', kind: 'type', reference: { a: 1 }, candidate: [1], severity: 'high' }]],
    ['nested arrays', { m: [[1, 2], [3]] }, { m: [[1, 9], [3]] }, {}, [{ path: '/m/0/1', normalizedPath: '/m/*/*', kind: 'value', reference: 2, candidate: 9, severity: 'medium' }]],
  ])('%s', (_name, a, b, r, expected) => {
    expect(diffs(a, b, r)).toEqual(expected.map((e) => expect.objectContaining(Object.fromEntries(Object.entries(e as object).filter(([, v]) => v !== undefined)))));
    expect(diffs(a, b, r)).toHaveLength(expected.length);
  });

  it('finds no difference in equal documents with different key order and whitespace', () => {
    const a: ResponseSnapshot = { status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from('{"a":1,"b":[1,2]}') };
    const b: ResponseSnapshot = { status: 200, headers: { 'content-type': 'application/json; charset=utf-8' }, body: Buffer.from('{ "b": [1, 2],\n "a": 1 }') };
    const result = compareResponses(a, b, rules());
    expect(result.differences).toEqual([]);
    expect(result.fastPath).toBe(false);
  });

  it('takes the fast path for identical bytes without parsing', () => {
    const same = { status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from('{not json at all') };
    expect(compareResponses(same, { ...same }, rules())).toEqual({ differences: [], bodyFormat: 'json', fastPath: true });
  });

  it.each([
    ['application/problem+json', true],
    ['application/vnd.api+json; charset=utf-8', true],
    ['text/plain', false],
  ])('reads %s as JSON: %s', (type, isJson) => {
    const a = { status: 200, headers: { 'content-type': type }, body: Buffer.from('{"a":1}') };
    const b = { status: 200, headers: { 'content-type': type }, body: Buffer.from('{"a":2}') };
    expect(compareResponses(a, b, rules()).bodyFormat).toBe(isJson ? 'json' : 'text');
  });

  it.each([
    ['gzip', gzipSync],
    ['deflate', deflateSync],
    ['br', brotliCompressSync],
  ])('decodes %s for comparison: equal JSON compared with plain is equal', (encoding, compress) => {
    const body = JSON.stringify({ a: 1, list: [1, 2, 3] });
    const compressed = { status: 200, headers: { 'content-type': 'application/json', 'content-encoding': encoding }, body: compress(Buffer.from(body)) };
    const plain = { status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from(body) };
    expect(compareResponses(compressed, plain, rules()).differences).toEqual([]);
  });

  it('reports invalid JSON on one side as a type difference of the whole body', () => {
    const good = json({ a: 1 });
    const bad = { ...good, body: Buffer.from('{"a":') };
    expect(compareResponses(good, bad, rules()).differences).toEqual([
      expect.objectContaining({ path: '', kind: 'type', reference: 'json', candidate: 'invalid json', severity: 'high' }),
    ]);
  });

  it('compares invalid JSON on both sides as text', () => {
    const a = { status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from('oops\nline2') };
    const b = { status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from('oops\nline3') };
    const result = compareResponses(a, b, rules());
    expect(result.bodyFormat).toBe('text');
    expect(result.differences).toEqual([expect.objectContaining({ kind: 'body_text', reference: 'line2', candidate: 'line3', detail: expect.objectContaining({ firstDifferentLine: 2 }) })]);
  });

  it('treats an empty body against a JSON body as invalid JSON', () => {
    const empty = { status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.alloc(0) };
    expect(compareResponses(empty, json({ a: 1 }), rules()).differences[0]).toMatchObject({ kind: 'type', reference: 'invalid json' });
  });

  it('finds two empty bodies equal', () => {
    const empty = { status: 204, headers: {}, body: Buffer.alloc(0) };
    expect(compareResponses(empty, { ...empty }, rules())).toEqual({ differences: [], bodyFormat: 'empty', fastPath: true });
  });
});

describe('compareResponses: status, headers, text, binary', () => {
  it('ranks a change of status class high and a change within a class medium', () => {
    expect(compareResponses(json({}), json({}, {}, 500), rules()).differences).toEqual([expect.objectContaining({ path: '@status', kind: 'status', reference: 200, candidate: 500, severity: 'high' })]);
    expect(compareResponses(json({}), json({}, {}, 201), rules()).differences).toEqual([expect.objectContaining({ kind: 'status', severity: 'medium' })]);
  });

  it('compares the allowlisted headers only, content-type by media type', () => {
    const a = json({}, { 'content-type': 'application/json; charset=utf-8', location: '/a', date: 'Mon', 'x-request-id': '1' });
    const b = json({}, { 'content-type': 'application/json', location: '/b', date: 'Tue', 'x-request-id': '2' });
    expect(compareResponses(a, b, rules()).differences).toEqual([expect.objectContaining({ path: '@headers/location', kind: 'header', reference: '/a', candidate: '/b' })]);
  });

  it('reports a header present on one side only', () => {
    const result = compareResponses(json({}, { vary: 'accept' }), json({}), rules());
    expect(result.differences).toEqual([expect.objectContaining({ path: '@headers/vary', reference: 'accept' })]);
    expect(result.differences[0]).not.toHaveProperty('candidate');
  });

  it('summarises text differences by line', () => {
    const a = { status: 200, headers: { 'content-type': 'text/html' }, body: Buffer.from('<p>\nhello\nworld\n</p>') };
    const b = { status: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, body: Buffer.from('<p>\nhullo\nthere\nworld\n</p>') };
    expect(compareResponses(a, b, rules()).differences).toEqual([
      expect.objectContaining({
        kind: 'body_text',
        reference: 'hello',
        candidate: 'hullo',
        detail: { firstDifferentLine: 2, referenceLines: 4, candidateLines: 5, changedReferenceLines: 1, changedCandidateLines: 2 },
      }),
    ]);
  });

  it('compares binary bodies by size', () => {
    const a = { status: 200, headers: { 'content-type': 'image/png' }, body: Buffer.from([1, 2, 3]) };
    const b = { status: 200, headers: { 'content-type': 'image/png' }, body: Buffer.from([1, 2, 4, 5]) };
    expect(compareResponses(a, b, rules()).differences).toEqual([expect.objectContaining({ kind: 'body_bytes', reference: { size: 3 }, candidate: { size: 4 } })]);
  });

  it('handles a huge pair (about 1 MB) and finds the one change', () => {
    const doc = { items: Array.from({ length: 12_000 }, (_, i) => ({ id: i, name: `item-${i}`, price: i * 1.5 })) };
    const changed = structuredClone(doc);
    changed.items[7_777]!.price = -1;
    expect(JSON.stringify(doc).length).toBeGreaterThan(500_000);
    expect(diffs(doc, changed)).toEqual([expect.objectContaining({ path: '/items/7777/price', normalizedPath: '/items/*/price', reference: 7_777 * 1.5, candidate: -1 })]);
  });
});

// Property-based: JSON-like values, with mutations whose difference is known in advance.
const jsonValue = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, fc.integer(), fc.string(), fc.boolean(), fc.constant(null), tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 4 }),
  object: fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }), tie('value'), { maxKeys: 5 }),
})).object;

describe('compareResponses: properties', () => {
  it('a document compared with itself has no differences', () => {
    fc.assert(fc.property(jsonValue, (doc) => expect(diffs(doc, structuredClone(doc))).toEqual([])));
  });

  it('changing one leaf number yields exactly one value difference at its pointer', () => {
    fc.assert(
      fc.property(jsonValue, fc.string({ minLength: 1, maxLength: 6 }), fc.integer(), (doc, key, n) => {
        const a = { ...doc, [key]: n };
        const b = { ...doc, [key]: n + 1 };
        const path = '/' + key.replace(/~/g, '~0').replace(/\//g, '~1');
        expect(diffs(a, b)).toEqual([expect.objectContaining({ path, kind: 'value', reference: n, candidate: n + 1 })]);
      }),
    );
  });

  it('removing one field yields exactly one missing difference; adding one yields one extra', () => {
    fc.assert(
      fc.property(jsonValue, fc.string({ minLength: 1, maxLength: 6 }), jsonValue, (doc, key, value) => {
        const without = { ...doc };
        delete without[key];
        const withIt = { ...without, [key]: value };
        const path = '/' + key.replace(/~/g, '~0').replace(/\//g, '~1');
        expect(diffs(withIt, without)).toEqual([expect.objectContaining({ path, kind: 'missing' })]);
        expect(diffs(without, withIt)).toEqual([expect.objectContaining({ path, kind: 'extra' })]);
      }),
    );
  });

  it('a nested change is located by the right pointer', () => {
    fc.assert(
      fc.property(fc.array(fc.integer(), { minLength: 1, maxLength: 8 }), fc.nat(), (list, pick) => {
        const i = pick % list.length;
        const b = [...list];
        b[i] = list[i]! + 1;
        const result = diffs({ data: { list } }, { data: { list: b } });
        expect(result).toContainEqual(expect.objectContaining({ path: `/data/list/${i}`, normalizedPath: '/data/list/*', kind: 'value' }));
      }),
    );
  });
});
