import { analyze } from '../../src/events/analyze';
import { buildEvent, capValue, outcomeOf, traceIdOf } from '../../src/events/build';
import { AnalysisPool, ownedBuffers } from '../../src/events/pool';
import { Redactor } from '../../src/events/redact';
import { applyDetectors } from '../../src/diff/noise';
import type { CompareRules, Difference } from '../../src/diff/types';
import type { ShadowExchange } from '../../src/shadow/exchange';
import { schemaErrors } from '../helpers/schema';

const compare: CompareRules = { key: 'e', headers: ['content-type'], ignore: [], arrayKeys: {}, unordered: [], tolerance: { absolute: 0, relative: 0 }, ignoreAdded: false, noise: [] };
const redaction = { headers: [], query: [], jsonPaths: [], jsonKeys: [], key: 'ab'.repeat(16) };
const redactor = new Redactor(redaction);
const jsonResponse = (value: unknown) => ({ status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(value)) });

function exchangeOf(reference: unknown, candidate: unknown): ShadowExchange {
  return {
    id: '9b2f1c1e-3c1a-4c55-9d6e-0a1b2c3d4e5f',
    startedAt: new Date('2026-11-21T12:00:00Z'),
    route: { name: 'e', pattern: '/e', params: {} },
    request: { method: 'GET', path: '/e', query: '', headers: {}, body: Buffer.alloc(0) },
    reference: { url: 'http://r/e', latencyMs: 2, response: jsonResponse(reference) },
    candidate: { url: 'http://c/e', latencyMs: 3, response: jsonResponse(candidate) },
  };
}

function eventOf(reference: unknown, candidate: unknown, limits = { maxDifferences: 100, maxValueChars: 512, maxEventBytes: 262_144 }) {
  const exchange = exchangeOf(reference, candidate);
  const analysis = analyze({ rules: compare, redaction, sampleBytes: 2048, request: { body: Buffer.alloc(0), headers: {} }, reference: exchange.reference.response!, candidate: exchange.candidate.response! });
  return buildEvent(exchange, analysis, redactor, limits);
}

describe('buildEvent', () => {
  it('orders real differences before noise and by severity, and counts them all', () => {
    const event = eventOf({ a: 1, b: 1, c: 1 }, { a: 2, c: '1', d: 1 });
    expect(event.differences.map((d) => d.severity)).toEqual(['high', 'high', 'medium', 'low']);
    expect(new Set(event.differences.map((d) => d.kind))).toEqual(new Set(['missing', 'type', 'value', 'extra']));
    expect(event.summary).toEqual({ differences: 4, noise: 0, high: 2, medium: 1, low: 1 });
    expect(schemaErrors(event)).toEqual([]);
  });

  it('keeps at most maxDifferences but counts every one, and says it was cut', () => {
    const many = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, i]));
    const event = eventOf(many, {}, { maxDifferences: 10, maxValueChars: 512, maxEventBytes: 262_144 });
    expect(event.differences).toHaveLength(10);
    expect(event.summary.differences).toBe(50);
    expect(event.truncated).toBe(true);
    expect(schemaErrors(event)).toEqual([]);
  });

  it('caps long values and marks the event truncated', () => {
    const event = eventOf({ text: 'x'.repeat(5000), obj: { big: 'y'.repeat(5000) } }, { text: 'z', obj: 1 }, { maxDifferences: 100, maxValueChars: 100, maxEventBytes: 262_144 });
    const text = event.differences.find((d) => d.path === '/text')!;
    expect(text.reference).toBe(`${'x'.repeat(100)}…`);
    const obj = event.differences.find((d) => d.path === '/obj')!;
    expect(obj.reference).toEqual({ $truncated: true, size: expect.any(Number), preview: expect.any(String) });
    expect(event.truncated).toBe(true);
  });

  it('stays under maxEventBytes by dropping samples, then differences', () => {
    const many = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`key-${i}`, 'v'.repeat(50)]));
    const event = eventOf(many, {}, { maxDifferences: 1000, maxValueChars: 512, maxEventBytes: 8_000 });
    expect(Buffer.byteLength(JSON.stringify(event))).toBeLessThanOrEqual(8_000);
    expect(event.reference.body!.sample).toBeUndefined();
    expect(event.summary.differences).toBe(300);
    expect(event.truncated).toBe(true);
    expect(schemaErrors(event)).toEqual([]);
  });

  it('derives the outcome from errors first, then real differences', () => {
    const base = exchangeOf({}, {});
    const none = { bodyFormat: 'none' as const, fastPath: false, digests: { request: { size: 0, sha256: '' } } };
    expect(outcomeOf({ ...base, reference: { url: 'r', latencyMs: 1, error: { code: 'refused', message: '' } } }, none).outcome).toBe('reference_error');
    expect(outcomeOf({ ...base, candidate: { url: 'c', latencyMs: 1, error: { code: 'timeout', message: '' } } }, none).outcome).toBe('candidate_timeout');
    expect(outcomeOf({ ...base, candidate: { url: 'c', latencyMs: 1, error: { code: 'reset', message: '' } } }, none).outcome).toBe('candidate_error');
    expect(outcomeOf({ ...base, candidate: { url: 'c', latencyMs: 1, error: { code: 'response_too_large', message: '' } } }, none)).toEqual({ outcome: 'skipped', skipReason: 'candidate_response_too_large' });
    const noiseOnly: Difference = { path: '/a', normalizedPath: '/a', kind: 'value', severity: 'medium', noise: true };
    expect(outcomeOf(base, { ...none, differences: [noiseOnly] }).outcome).toBe('match');
    expect(outcomeOf(base, { ...none, differences: [{ ...noiseOnly, noise: false }] }).outcome).toBe('mismatch');
  });

  it('takes the trace id from traceparent or makes one', () => {
    expect(traceIdOf({ traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' })).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(traceIdOf({ traceparent: 'garbage' })).toMatch(/^[0-9a-f]{32}$/);
    expect(traceIdOf({ traceparent: '00-00000000000000000000000000000000-00f067aa0ba902b7-01' })).not.toBe('0'.repeat(32));
  });

  it('capValue leaves small values alone', () => {
    const small = { a: 1 };
    expect(capValue(small, 100)).toBe(small);
    expect(capValue(5, 1)).toBe(5);
  });
});

describe('noise detectors', () => {
  const d = (path: string, reference: unknown, candidate: unknown): Difference => ({ path, normalizedPath: path, kind: 'value', reference, candidate, severity: 'medium', noise: false });
  it.each([
    ['ISO timestamps', d('/at', '2026-01-01T00:00:00Z', '2026-01-01T00:00:05.5+01:00'), 'timestamp'],
    ['epoch millis', d('/t', 1763700000000, 1763700000123), 'timestamp'],
    ['HTTP dates', d('/d', 'Sat, 21 Nov 2026 10:00:00 GMT', 'Sat, 21 Nov 2026 10:00:01 GMT'), 'timestamp'],
    ['UUIDs', d('/id', '1b4e28ba-2fa1-11d2-883f-0016d3cca427', '6fa459ea-ee8a-3ca4-894e-db77e160355e'), 'uuid'],
    ['request ids by key', d('/meta/request_id', 'a', 'b'), 'request_id'],
    ['a plain value', d('/price', 1, 2), undefined],
    ['a small number', d('/n', 5, 6), undefined],
  ])('%s', (_name, diff, reason) => {
    const [out] = applyDetectors([diff], ['timestamp', 'uuid', 'request_id']);
    expect(out!.noiseReason).toBe(reason);
    expect(out!.noise).toBe(reason !== undefined);
  });
  it('does nothing when no detector is on', () => {
    expect(applyDetectors([d('/at', '2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z')], [])[0]!.noise).toBe(false);
  });
});

describe('AnalysisPool', () => {
  const pool = new AnalysisPool(2);
  afterAll(() => pool.close());

  it('gives the same analysis in a worker as on the main thread', async () => {
    const doc = (n: number) => ({ items: Array.from({ length: 3000 }, (_, i) => ({ id: i, v: i === 1234 ? n : i, tags: ['a', 'b'] })), secret: { password: `pw${n}` } });
    const input = {
      rules: { ...compare, arrayKeys: { '/items': 'id' } },
      redaction: { ...redaction, jsonKeys: ['password'] },
      sampleBytes: 500,
      request: { body: Buffer.from('{"q":1}'), headers: { 'content-type': 'application/json' } },
      reference: jsonResponse(doc(1)),
      candidate: jsonResponse(doc(2)),
    };
    const onMainThread = analyze(input);
    const inWorker = await pool.run(input);
    expect(inWorker).toEqual(onMainThread);
    expect(inWorker.differences!.length).toBe(2);
    // The large bodies moved to the worker rather than being copied: the proxy's views are empty now.
    expect(input.reference.body.byteLength).toBe(0);
    expect(input.candidate.body.byteLength).toBe(0);
  });

  it('moves only buffers that span their own memory, each once', () => {
    const own = Buffer.from(new ArrayBuffer(8192));
    const pooled = Buffer.from('small'); // a slice of Node's shared pool: must be copied, never moved
    const part = Buffer.from(new ArrayBuffer(8192), 16, 100);
    const input = {
      rules: compare,
      redaction,
      sampleBytes: 0,
      request: { body: pooled, headers: {} },
      reference: { status: 200, headers: {}, body: own },
      candidate: { status: 200, headers: {}, body: own },
      secondary: { status: 200, headers: {}, body: part },
    };
    expect(ownedBuffers(input)).toEqual([own.buffer]);
  });

  it('runs many analyses concurrently and keeps them apart', async () => {
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => pool.run({ rules: compare, redaction, sampleBytes: 0, request: { body: Buffer.alloc(0), headers: {} }, reference: jsonResponse({ i }), candidate: jsonResponse({ i: i + 1 }) })));
    results.forEach((r, i) => expect(r.differences).toEqual([expect.objectContaining({ path: '/i', reference: i, candidate: i + 1 })]));
  });
});
