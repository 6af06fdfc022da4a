// Media types and content codings: how a body should be read for comparison.
import { brotliDecompressSync, gunzipSync, inflateSync, inflateRawSync } from 'node:zlib';
import type { BodyFormat } from './types';

type HeaderValue = string | string[] | undefined;

function first(value: HeaderValue): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** `Application/JSON; charset=utf-8` -> `application/json` */
export function mediaType(contentType: HeaderValue): string | undefined {
  const value = first(contentType);
  if (!value) return undefined;
  const essence = value.split(';', 1)[0]!.trim().toLowerCase();
  return essence || undefined;
}

export function isJsonMediaType(type: string | undefined): boolean {
  return type === 'application/json' || (type !== undefined && /^application\/[^/]+\+json$/.test(type)) || type === 'text/json';
}

const TEXT_TYPES = new Set(['application/xml', 'application/javascript', 'application/x-www-form-urlencoded', 'application/yaml', 'application/x-ndjson', 'image/svg+xml']);

export function formatOf(type: string | undefined): Exclude<BodyFormat, 'empty'> {
  if (isJsonMediaType(type)) return 'json';
  if (type && (type.startsWith('text/') || TEXT_TYPES.has(type) || type.endsWith('+xml'))) return 'text';
  return 'binary';
}

/** Undoes gzip, deflate and br for comparison; an unknown or broken coding leaves the bytes as they are. */
export function decodeBody(body: Uint8Array, contentEncoding: HeaderValue): { body: Uint8Array; decoded: boolean } {
  const codings = (first(contentEncoding) ?? '')
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c && c !== 'identity');
  if (codings.length === 0 || body.length === 0) return { body, decoded: false };
  let out: Uint8Array = body;
  try {
    for (const coding of codings.reverse()) {
      if (coding === 'gzip' || coding === 'x-gzip') out = gunzipSync(out);
      else if (coding === 'br') out = brotliDecompressSync(out);
      else if (coding === 'deflate') out = inflateDeflate(out);
      else return { body, decoded: false };
    }
  } catch {
    return { body, decoded: false };
  }
  return { body: out, decoded: true };
}

/** "deflate" is zlib-wrapped by the standard, raw in some servers' practice: accept both. */
function inflateDeflate(body: Uint8Array): Uint8Array {
  try {
    return inflateSync(body);
  } catch {
    return inflateRawSync(body);
  }
}
