// The vocabulary of a comparison. Plain data only: these cross into worker threads and into events.

export type DiffKind =
  | 'status'
  | 'header'
  | 'value'
  | 'type'
  | 'missing'
  | 'extra'
  | 'array_length'
  | 'order'
  | 'body_text'
  | 'body_bytes';

export type Severity = 'high' | 'medium' | 'low';

export type NoiseReason = 'secondary' | 'timestamp' | 'uuid' | 'request_id';

export interface Difference {
  /**
   * Where it differs. Body differences use a JSON Pointer into the body (`/items/3/price`, "" for the
   * whole body); `@status` and `@headers/<name>` are outside the body.
   */
  path: string;
  /** The path with array indices collapsed (`/items/*\/price`), for aggregation across requests. */
  normalizedPath: string;
  kind: DiffKind;
  reference?: unknown;
  candidate?: unknown;
  severity: Severity;
  /** True when the difference is expected (seen between two references, or a known volatile value). */
  noise: boolean;
  noiseReason?: NoiseReason;
  /** Kind-specific facts, e.g. line numbers for body_text. */
  detail?: Record<string, unknown>;
}

export type NoiseDetector = 'timestamp' | 'uuid' | 'request_id';

/** Per-route comparison rules, as plain data (compiled where they are used). */
export interface CompareRules {
  /** Identifies the rule set for caches (the route name). */
  readonly key: string;
  /** Response headers compared, lower case. */
  readonly headers: readonly string[];
  /** JSON Pointer globs (`*` = one segment) whose values are never compared. */
  readonly ignore: readonly string[];
  /** Arrays matched by a key field: pointer glob of the array -> key name. */
  readonly arrayKeys: Readonly<Record<string, string>>;
  /** Arrays compared as unordered collections. */
  readonly unordered: readonly string[];
  readonly tolerance: { readonly absolute: number; readonly relative: number };
  /** A candidate that only adds fields is compatible: extra fields are not reported. */
  readonly ignoreAdded: boolean;
  readonly noise: readonly NoiseDetector[];
}

export interface ResponseSnapshot {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Uint8Array;
}

export type BodyFormat = 'json' | 'text' | 'binary' | 'empty';

export interface Comparison {
  readonly differences: Difference[];
  readonly bodyFormat: BodyFormat;
  /** True when status, compared headers and body bytes were identical: nothing was parsed. */
  readonly fastPath: boolean;
}

export function severityOf(kind: DiffKind): Severity {
  switch (kind) {
    case 'missing':
    case 'type':
      return 'high';
    case 'extra':
    case 'order':
      return 'low';
    default:
      return 'medium';
  }
}
