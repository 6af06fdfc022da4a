import fc from 'fast-check';
import { analyze } from '../../src/events/analyze';
import { buildEvent } from '../../src/events/build';
import { Redactor, type RedactionRules } from '../../src/events/redact';
import type { ShadowExchange } from '../../src/shadow/exchange';
import type { CompareRules } from '../../src/diff/types';

const rules = (overrides: Partial<RedactionRules> = {}): RedactionRules => ({
  headers: ['x-session'],
  query: ['token'],
  jsonPaths: ['/user/email', '/cards/*/number'],
  jsonKeys: ['password'],
  key: '00'.repeat(32),
  ...overrides,
});

describe('Redactor', () => {
  const r = new Redactor(rules());

  it('redacts the always-secret headers and configured ones, keeping others', () => {
    const out = r.headers({ authorization: 'Bearer abc', cookie: 'sid=1', 'set-cookie': ['a=1', 'b=2'], 'x-api-key': 'k', 'X-Session': 's', accept: 'json' } as never);
    expect(out.accept).toBe('json');
    for (const name of ['authorization', 'cookie', 'set-cookie', 'x-api-key', 'X-Session']) expect(out[name]).toMatch(/^\[redacted:[0-9a-f]{10}\]$/);
  });

  it('gives equal secrets equal markers and different secrets different ones', () => {
    expect(r.marker('s3cret')).toBe(r.marker('s3cret'));
    expect(r.marker('s3cret')).not.toBe(r.marker('s3cre7'));
    expect(new Redactor(rules({ key: '11'.repeat(32) })).marker('s3cret')).not.toBe(r.marker('s3cret'));
  });

  it('redacts configured query parameters, keeping the rest and the order', () => {
    expect(r.query('a=1&token=abc&b=2')).toMatch(/^a=1&token=%5Bredacted%3A[0-9a-f]{10}%5D&b=2$/);
    expect(r.query('tok%65n=abc')).not.toContain('abc');
  });

  it('redacts configured JSON paths and keys at any depth', () => {
    const out = r.json({ user: { email: 'a@b.c', name: 'A' }, cards: [{ number: '4111' }], nested: { deep: { password: 'pw' } } }) as never as Record<string, any>;
    expect(out.user.name).toBe('A');
    expect(out.user.email).toMatch(/^\[redacted:/);
    expect(out.cards[0].number).toMatch(/^\[redacted:/);
    expect(out.nested.deep.password).toMatch(/^\[redacted:/);
  });

  it('redacts values inside a difference whose path is, contains or lies under a secret', () => {
    expect(r.difference({ path: '/user/email', normalizedPath: '/user/email', kind: 'value', reference: 'a@b.c', candidate: 'x@y.z', severity: 'medium', noise: false })).toMatchObject({
      reference: expect.stringMatching(/^\[redacted:/),
      candidate: expect.stringMatching(/^\[redacted:/),
    });
    const parent = r.difference({ path: '/user', normalizedPath: '/user', kind: 'missing', reference: { email: 'a@b.c' }, severity: 'high', noise: false });
    expect(JSON.stringify(parent)).not.toContain('a@b.c');
  });

  it('redacts secret-shaped pairs in free text', () => {
    expect(r.text('user=a&password=hunter2&x=1')).not.toContain('hunter2');
    expect(r.text('{"password": "hunter2"}')).not.toContain('hunter2');
    expect(r.text('my password is long')).toBe('my password is long');
  });
});

describe('no configured secret ever reaches an event (property)', () => {
  const compare: CompareRules = { key: 'p', headers: ['content-type'], ignore: [], arrayKeys: {}, unordered: [], tolerance: { absolute: 0, relative: 0 }, ignoreAdded: false, noise: [] };
  const secret = fc.stringMatching(/^[A-Za-z0-9]{12,24}$/).map((s) => `SECRET${s}`);

  it('holds for headers, query, JSON bodies and differences, on both sides', () => {
    fc.assert(
      fc.property(secret, secret, fc.boolean(), (s1, s2, sameSecret) => {
        const other = sameSecret ? s1 : s2;
        const redaction = rules();
        const body = (email: string, pw: string) => Buffer.from(JSON.stringify({ user: { email, name: 'n' }, password: pw, cards: [{ number: email }], note: `password=${pw}` }));
        const reference = { status: 200, headers: { 'content-type': 'application/json', 'set-cookie': [`sid=${s1}`] }, body: body(s1, s1) };
        const candidate = { status: 200, headers: { 'content-type': 'application/json', 'set-cookie': [`sid=${other}`] }, body: body(other, `${other}x`) };
        const requestHeaders = { authorization: `Bearer ${s1}`, 'x-session': s2, 'x-api-key': s1 };
        const analysis = analyze({ rules: compare, redaction, sampleBytes: 10_000, request: { body: body(s1, s2), headers: requestHeaders }, reference, candidate });
        const exchange: ShadowExchange = {
          id: '00000000-0000-4000-8000-000000000000',
          startedAt: new Date(),
          route: { name: 'p', pattern: '/p', params: {} },
          request: { method: 'POST', path: '/p', query: `token=${s1}&q=1`, headers: requestHeaders, body: body(s1, s2) },
          reference: { url: 'http://r/p', latencyMs: 1, response: reference },
          candidate: { url: 'http://c/p', latencyMs: 1, response: candidate },
        };
        const event = JSON.stringify(buildEvent(exchange, analysis, new Redactor(redaction), { maxDifferences: 100, maxValueChars: 10_000, maxEventBytes: 1_000_000 }));
        expect(event).not.toContain(s1);
        expect(event).not.toContain(s2);
        expect(event).toContain('[redacted:');
      }),
      { numRuns: 150 },
    );
  });

  it('still reports a redacted field as differing when the secrets differ, and not when equal', () => {
    const redaction = rules();
    const make = (email: string) => ({ status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify({ user: { email } })) });
    const differ = analyze({ rules: compare, redaction, sampleBytes: 0, request: { body: Buffer.alloc(0), headers: {} }, reference: make('a@x'), candidate: make('b@x') });
    expect(differ.differences).toEqual([expect.objectContaining({ path: '/user/email', kind: 'value', reference: expect.stringMatching(/^\[redacted:/) })]);
    expect(differ.differences![0]!.reference).not.toBe(differ.differences![0]!.candidate);
    const same = analyze({ rules: compare, redaction, sampleBytes: 0, request: { body: Buffer.alloc(0), headers: {} }, reference: make('a@x'), candidate: make('a@x') });
    expect(same.differences).toEqual([]);
  });
});

describe('Redactor.jsonSample', () => {
  const r = new Redactor(rules());
  const jsonValue = fc.jsonValue({ maxDepth: 4 });

  it('equals the redacted document serialised in full when it fits (property)', () => {
    fc.assert(
      fc.property(jsonValue, (value) => {
        const whole = JSON.stringify(r.json(value));
        expect(r.jsonSample(value, whole.length + 10)).toEqual({ text: whole, truncated: false });
      }),
    );
  });

  it('keeps a "__proto__" key as data', () => {
    const value = JSON.parse('{"__proto__": {"password": "pw"}, "a": 1}');
    expect(JSON.stringify(r.json(value))).toMatch(/^\{"__proto__":\{"password":"\[redacted:[0-9a-f]{10}\]"\},"a":1\}$/);
    expect(r.jsonSample(value, 1000).text).toBe(JSON.stringify(r.json(value)));
  });

  it('is a prefix of that serialisation, cut at the budget, when it does not fit (property)', () => {
    fc.assert(
      fc.property(jsonValue, fc.integer({ min: 1, max: 50 }), (value, budget) => {
        const whole = JSON.stringify(r.json(value));
        fc.pre(whole.length > budget);
        expect(r.jsonSample(value, budget)).toEqual({ text: whole.slice(0, budget), truncated: true });
      }),
    );
  });
});
