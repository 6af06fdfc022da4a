// Redaction, applied before anything leaves the process. A redacted value becomes a marker holding
// a short keyed hash, so two equal secrets still look equal and a redacted field can still be
// reported as differing, without the value being recoverable (the key never leaves the process).
import { createHmac } from 'node:crypto';
import { canonical } from '../diff/json';
import { compileOnce } from '../util/compile-once';
import { compileSubtreeGlobs, segmentsOf, type PointerMatcher } from '../diff/pointer';
import type { Difference } from '../diff/types';

export const ALWAYS_REDACTED_HEADERS = ['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key'] as const;
export const DEFAULT_REDACTED_QUERY = ['token', 'access_token', 'refresh_token', 'api_key', 'apikey', 'key', 'password', 'secret', 'signature', 'sig'] as const;
export const DEFAULT_REDACTED_JSON_KEYS = ['password', 'passwd', 'secret', 'token', 'access_token', 'refresh_token', 'id_token', 'api_key', 'apikey', 'authorization', 'client_secret', 'private_key', 'card_number', 'cvv', 'ssn'] as const;

/** Plain data, so it can be handed to a worker thread. */
export interface RedactionRules {
  readonly headers: readonly string[];
  readonly query: readonly string[];
  /** JSON Pointer globs; everything at or under a match is redacted. */
  readonly jsonPaths: readonly string[];
  /** Object keys redacted wherever they appear, compared case-insensitively. */
  readonly jsonKeys: readonly string[];
  /** Hex HMAC key; random per process unless configured. */
  readonly key: string;
}

export class Redactor {
  private readonly headerNames: Set<string>;
  private readonly queryNames: Set<string>;
  private readonly keyNames: Set<string>;
  private readonly paths: PointerMatcher;
  private readonly hmacKey: Buffer;
  private readonly textPattern: RegExp | undefined;

  constructor(rules: RedactionRules) {
    this.headerNames = new Set([...ALWAYS_REDACTED_HEADERS, ...rules.headers.map((h) => h.toLowerCase())]);
    this.queryNames = new Set(rules.query.map((q) => q.toLowerCase()));
    this.keyNames = new Set(rules.jsonKeys.map((k) => k.toLowerCase()));
    this.paths = compileSubtreeGlobs(rules.jsonPaths);
    this.hmacKey = Buffer.from(rules.key, 'hex');
    const names = [...this.keyNames, ...this.queryNames].map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    // `name=value`, `name: value` and `"name": "value"` in text that has no structure to walk.
    this.textPattern = names.length ? new RegExp(`\\b((?:${names.join('|')})"?\\s*[:=]\\s*"?)([^"&\\s,;}]+)`, 'gi') : undefined;
  }

  marker(value: unknown): string {
    const text = typeof value === 'string' ? value : canonical(value);
    return `[redacted:${createHmac('sha256', this.hmacKey).update(text).digest('hex').slice(0, 10)}]`;
  }

  headers(headers: Readonly<Record<string, string | string[] | undefined>>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const name in headers) {
      const value = headers[name];
      if (value === undefined) continue;
      const joined = Array.isArray(value) ? value.join(', ') : value;
      out[name] = this.headerNames.has(name.toLowerCase()) ? this.marker(joined) : joined;
    }
    return out;
  }

  isRedactedHeader(name: string): boolean {
    return this.headerNames.has(name.toLowerCase());
  }

  query(query: string): string {
    if (!query || this.queryNames.size === 0) return query;
    return query
      .split('&')
      .map((pair) => {
        const eq = pair.indexOf('=');
        if (eq < 0) return pair;
        let name = pair.slice(0, eq);
        try {
          name = decodeURIComponent(name.replace(/\+/g, ' '));
        } catch {
          // an undecodable name is matched as sent
        }
        return this.queryNames.has(name.toLowerCase()) ? `${pair.slice(0, eq)}=${encodeURIComponent(this.marker(pair.slice(eq + 1)))}` : pair;
      })
      .join('&');
  }

  /** Is the value at this JSON Pointer secret (under a configured path, or under a secret key)? */
  isRedactedPointer(pointer: string): boolean {
    if (this.paths(pointer)) return true;
    return this.keyNames.size > 0 && segmentsOf(pointer).some((s) => this.keyNames.has(s.toLowerCase()));
  }

  /** A copy of `value` (found at `pointer`) with every secret inside it replaced by its marker. */
  json(value: unknown, pointer = ''): unknown {
    if (this.isRedactedPointer(pointer)) return this.marker(value);
    if (typeof value === 'string') return this.text(value);
    if (typeof value !== 'object' || value === null) return value;
    if (Array.isArray(value)) return value.map((v, i) => this.json(v, `${pointer}/${i}`));
    // fromEntries defines own properties, so a key such as "__proto__" survives as data.
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.json(v, `${pointer}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`)]));
  }

  /**
   * JSON text of `value` with secrets redacted, cut at about `maxChars`: serialises only as much as
   * the sample shows, so a 1 MB body costs no more than its first few kilobytes.
   */
  jsonSample(value: unknown, maxChars: number): { text: string; truncated: boolean } {
    const parts: string[] = [];
    let length = 0;
    const emit = (text: string): boolean => {
      parts.push(text);
      length += text.length;
      return length <= maxChars;
    };
    const write = (v: unknown, pointer: string): boolean => {
      if (this.isRedactedPointer(pointer)) return emit(JSON.stringify(this.marker(v)));
      if (typeof v === 'string') return emit(JSON.stringify(this.text(v)));
      if (typeof v !== 'object' || v === null) return emit(JSON.stringify(v) ?? 'null');
      if (Array.isArray(v)) {
        if (!emit('[')) return false;
        for (let i = 0; i < v.length; i++) if ((i > 0 && !emit(',')) || !write(v[i], `${pointer}/${i}`)) return false;
        return emit(']');
      }
      if (!emit('{')) return false;
      let first = true;
      for (const [k, item] of Object.entries(v)) {
        if (item === undefined) continue;
        if ((!first && !emit(',')) || !emit(`${JSON.stringify(k)}:`) || !write(item, `${pointer}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`)) return false;
        first = false;
      }
      return emit('}');
    };
    const complete = write(value, '');
    const text = parts.join('');
    return complete ? { text, truncated: false } : { text: text.slice(0, maxChars), truncated: true };
  }

  /** Free text (text bodies, line excerpts): `secret=...`-shaped values are replaced. */
  text(text: string): string {
    return this.textPattern ? text.replace(this.textPattern, (_m, prefix: string, value: string) => `${prefix}${this.marker(value)}`) : text;
  }

  difference(d: Difference): Difference {
    const out = { ...d };
    if (d.path.startsWith('@headers/')) {
      if (this.isRedactedHeader(d.path.slice('@headers/'.length))) {
        if ('reference' in d) out.reference = this.marker(d.reference);
        if ('candidate' in d) out.candidate = this.marker(d.candidate);
      }
      return out;
    }
    if (d.path.startsWith('@')) return out;
    if (d.kind === 'body_text') {
      if (typeof d.reference === 'string') out.reference = this.text(d.reference);
      if (typeof d.candidate === 'string') out.candidate = this.text(d.candidate);
      return out;
    }
    if ('reference' in d) out.reference = this.json(d.reference, d.path);
    if ('candidate' in d) out.candidate = this.json(d.candidate, d.path);
    return out;
  }
}

/** One Redactor per route, shared by the analysis (inline or in a worker) and the event builder. */
export const redactorFor = compileOnce((rules: RedactionRules) => new Redactor(rules));
