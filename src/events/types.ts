// The diff event, `shadowdiff.diff-event/v1`: the contract read by Kafka consumers, notebooks and
// the analysis CLI. diff-event.v1.schema.json describes the same shape; a test validates real
// events against it. Additive changes only within v1.
import type { BodyFormat, Difference } from '../diff/types';

export const EVENT_SCHEMA = 'shadowdiff.diff-event/v1';

export type Outcome = 'match' | 'mismatch' | 'candidate_error' | 'candidate_timeout' | 'reference_error' | 'skipped';

export interface BodyInfo {
  size: number;
  sha256: string;
  /** The first bytes as text (JSON re-serialised after redaction); only on mismatch events. */
  sample?: string;
  sampleTruncated?: boolean;
}

export interface RequestInfo {
  method: string;
  path: string;
  /** Raw query string, configured parameters redacted. */
  query: string;
  /** Redacted; repeated headers joined with ", ". Only on mismatch and error events. */
  headers?: Record<string, string>;
  body: BodyInfo;
}

export interface UpstreamInfo {
  url: string;
  latencyMs: number;
  status?: number;
  headers?: Record<string, string>;
  body?: BodyInfo;
  error?: { code: string; message: string };
}

/** What differed between the reference and the secondary reference: the volatile paths. */
export interface NoisePath {
  path: string;
  normalizedPath: string;
  kind: Difference['kind'];
}

export interface Summary {
  differences: number;
  noise: number;
  high: number;
  medium: number;
  low: number;
}

export interface DiffEvent {
  schema: typeof EVENT_SCHEMA;
  /** Unique per compared request; a re-delivered event keeps its id, so readers can drop duplicates. */
  id: string;
  timestamp: string;
  traceId: string;
  route: { name: string; pattern: string; params: Record<string, string> };
  request: RequestInfo;
  reference: UpstreamInfo;
  candidate: UpstreamInfo;
  secondary?: UpstreamInfo;
  outcome: Outcome;
  skipReason?: string;
  bodyFormat: BodyFormat | 'none';
  /** Real differences and noise alike, high severity first; counts before any cut are in `summary`. */
  differences: Difference[];
  secondaryDifferences?: NoisePath[];
  summary: Summary;
  /** True when differences, values or samples were cut to respect the event size limits. */
  truncated: boolean;
}
