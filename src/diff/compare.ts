// Compares two responses: status, the compared headers, and the body read by its media type.
// Pure and synchronous; large pairs are run in a worker thread by the caller (see pool.ts).
import { compileOnce } from '../util/compile-once';
import { compareJson, compileJsonRules } from './json';
import { decodeBody, formatOf, mediaType } from './media';
import { compareText } from './text';
import { severityOf, type BodyFormat, type CompareRules, type Comparison, type Difference, type ResponseSnapshot } from './types';

export const DEFAULT_COMPARED_HEADERS = ['content-type', 'location', 'cache-control', 'content-language', 'vary'] as const;

const jsonRulesFor = compileOnce(compileJsonRules);

export function compareResponses(reference: ResponseSnapshot, candidate: ResponseSnapshot, rules: CompareRules): Comparison {
  const differences: Difference[] = [];
  if (reference.status !== candidate.status) {
    const classChanged = Math.floor(reference.status / 100) !== Math.floor(candidate.status / 100);
    differences.push({
      path: '@status',
      normalizedPath: '@status',
      kind: 'status',
      reference: reference.status,
      candidate: candidate.status,
      severity: classChanged ? 'high' : 'medium',
      noise: false,
    });
  }
  for (const name of rules.headers) {
    const a = headerValue(reference.headers, name);
    const b = headerValue(candidate.headers, name);
    if (a !== b) {
      const d: Difference = { path: `@headers/${name}`, normalizedPath: `@headers/${name}`, kind: 'header', severity: severityOf('header'), noise: false };
      if (a !== undefined) d.reference = a;
      if (b !== undefined) d.candidate = b;
      differences.push(d);
    }
  }

  if (bytesEqual(reference.body, candidate.body)) {
    const format: BodyFormat = reference.body.length === 0 ? 'empty' : formatOf(mediaType(reference.headers['content-type']));
    return { differences, bodyFormat: format, fastPath: differences.length === 0 };
  }

  const refBody = decodeBody(reference.body, reference.headers['content-encoding']).body;
  const candBody = decodeBody(candidate.body, candidate.headers['content-encoding']).body;
  const format = formatOf(mediaType(reference.headers['content-type'] ?? candidate.headers['content-type']));
  if (bytesEqual(refBody, candBody)) return { differences, bodyFormat: refBody.length === 0 ? 'empty' : format, fastPath: false };

  if (format === 'json') {
    const a = parseJson(refBody);
    const b = parseJson(candBody);
    if (a.ok && b.ok) {
      differences.push(...compareJson(a.value, b.value, jsonRulesFor(rules.key, rules)));
      return { differences, bodyFormat: 'json', fastPath: false };
    }
    if (a.ok !== b.ok) {
      differences.push({
        path: '',
        normalizedPath: '',
        kind: 'type',
        reference: a.ok ? 'json' : 'invalid json',
        candidate: b.ok ? 'json' : 'invalid json',
        severity: 'high',
        noise: false,
        detail: { parseError: a.ok ? (b as { error: string }).error : (a as { error: string }).error },
      });
      return { differences, bodyFormat: 'json', fastPath: false };
    }
    // Neither side is valid JSON: say how the texts differ instead.
  }
  if (format === 'json' || format === 'text') {
    differences.push(...compareText(utf8(refBody), utf8(candBody)));
    return { differences, bodyFormat: 'text', fastPath: false };
  }
  differences.push({
    path: '',
    normalizedPath: '',
    kind: 'body_bytes',
    reference: { size: refBody.length },
    candidate: { size: candBody.length },
    severity: 'medium',
    noise: false,
  });
  return { differences, bodyFormat: 'binary', fastPath: false };
}

function headerValue(headers: ResponseSnapshot['headers'], name: string): string | undefined {
  const value = headers[name];
  if (value === undefined) return undefined;
  const joined = Array.isArray(value) ? value.join(', ') : value;
  return name === 'content-type' ? mediaType(joined) : joined.trim();
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));
}

function utf8(body: Uint8Array): string {
  return Buffer.from(body.buffer, body.byteOffset, body.length).toString('utf8');
}

function parseJson(body: Uint8Array): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(utf8(body)) };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}
