// Everything about one exchange that needs the bodies: comparison, noise, digests, redacted
// samples. Pure and synchronous, on plain data, so it runs in a worker thread for large bodies.
import { createHash } from 'node:crypto';
import { compareResponses } from '../diff/compare';
import { decodeBody, formatOf, mediaType } from '../diff/media';
import { applyDetectors, applySecondary } from '../diff/noise';
import type { BodyFormat, CompareRules, Difference, ResponseSnapshot } from '../diff/types';
import { redactorFor, type Redactor, type RedactionRules } from './redact';

export interface AnalysisInput {
  readonly rules: CompareRules;
  readonly redaction: RedactionRules;
  readonly sampleBytes: number;
  readonly request: { readonly body: Uint8Array; readonly headers: Readonly<Record<string, string | string[] | undefined>> };
  /** Undefined when that upstream gave no response. */
  readonly reference?: ResponseSnapshot;
  readonly candidate?: ResponseSnapshot;
  readonly secondary?: ResponseSnapshot;
}

export interface Digest {
  size: number;
  sha256: string;
  sample?: string;
  sampleTruncated?: boolean;
}

export interface Analysis {
  /** Present when both reference and candidate answered. Values redacted. */
  differences?: Difference[];
  bodyFormat: BodyFormat | 'none';
  fastPath: boolean;
  /** Reference vs secondary, when a secondary answered. */
  secondaryDifferences?: Difference[];
  digests: { request: Digest; reference?: Digest; candidate?: Digest; secondary?: Digest };
}

export function analyze(input: AnalysisInput): Analysis {
  const { reference, candidate, secondary, rules } = input;
  const redactor = redactorFor(rules.key, input.redaction);
  let differences: Difference[] | undefined;
  let secondaryDifferences: Difference[] | undefined;
  let bodyFormat: Analysis['bodyFormat'] = 'none';
  let fastPath = false;

  if (reference && candidate) {
    const comparison = compareResponses(reference, candidate, rules);
    bodyFormat = comparison.bodyFormat;
    fastPath = comparison.fastPath;
    differences = comparison.differences;
    if (secondary) {
      // Always compared, also when the candidate matched: noise rates need every request.
      secondaryDifferences = compareResponses(reference, secondary, rules).differences;
      applySecondary(differences, secondaryDifferences);
    }
    applyDetectors(differences, rules.noise);
    differences = differences.map((d) => redactor.difference(d));
    secondaryDifferences = secondaryDifferences?.map((d) => redactor.difference(d));
  }

  // Samples only where someone will read them: events with real differences.
  const withSamples = differences?.some((d) => !d.noise) ?? false;
  const digest = (snapshot: { body: Uint8Array; headers: ResponseSnapshot['headers'] } | undefined): Digest | undefined =>
    snapshot && digestOf(snapshot.body, snapshot.headers, withSamples ? input.sampleBytes : 0, redactor);
  const digests: Analysis['digests'] = { request: digest(input.request)! };
  if (reference) digests.reference = digest(reference)!;
  if (candidate) digests.candidate = digest(candidate)!;
  if (secondary) digests.secondary = digest(secondary)!;

  const analysis: Analysis = { bodyFormat, fastPath, digests };
  if (differences) analysis.differences = differences;
  if (secondaryDifferences) analysis.secondaryDifferences = secondaryDifferences;
  return analysis;
}

function digestOf(body: Uint8Array, headers: ResponseSnapshot['headers'], sampleBytes: number, redactor: Redactor): Digest {
  const digest: Digest = { size: body.length, sha256: createHash('sha256').update(body).digest('hex') };
  if (sampleBytes <= 0 || body.length === 0) return digest;
  const decoded = decodeBody(body, headers['content-encoding']).body;
  const format = formatOf(mediaType(headers['content-type']));
  if (format === 'binary') return digest;
  const raw = Buffer.from(decoded.buffer, decoded.byteOffset, decoded.length).toString('utf8');
  let sample: { text: string; truncated: boolean } | undefined;
  if (format === 'json') {
    try {
      sample = redactor.jsonSample(JSON.parse(raw), sampleBytes);
    } catch {
      // not JSON after all: treated as text below
    }
  }
  if (!sample) {
    // Redact a little past the cut so a secret straddling it is still recognised.
    const text = redactor.text(raw.length > sampleBytes * 2 ? raw.slice(0, sampleBytes * 2) : raw);
    sample = { text: text.slice(0, sampleBytes), truncated: raw.length > sampleBytes || text.length > sampleBytes };
  }
  digest.sample = sample.text;
  if (sample.truncated) digest.sampleTruncated = true;
  return digest;
}
