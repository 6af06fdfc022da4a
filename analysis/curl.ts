// A ready-to-run curl command that repeats an event's request against one upstream. Redacted
// values stay redacted: the user fills in their own credentials.
import type { DiffEvent } from '../src/events/types';

const SKIPPED = new Set(['host', 'content-length', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'connection']);

function quote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

export function curlFor(event: DiffEvent, upstreamUrl: string, role: 'reference' | 'candidate'): string {
  const { request } = event;
  const url = request.query ? `${upstreamUrl}?${request.query}` : upstreamUrl;
  const parts = ['curl', '-sS', '-i'];
  if (request.method !== 'GET') parts.push('-X', request.method);
  parts.push(quote(url));
  for (const [name, value] of Object.entries(request.headers ?? {})) {
    if (SKIPPED.has(name) || name === 'x-shadow-test-role') continue;
    parts.push('-H', quote(`${name}: ${value}`));
  }
  parts.push('-H', quote(`x-shadow-test-role: ${role}`));
  const sample = request.body.sample;
  if (sample !== undefined && request.body.size > 0) parts.push('--data-binary', quote(sample));
  return parts.join(' ');
}
