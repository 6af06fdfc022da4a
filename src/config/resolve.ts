// Turns a validated config file into the runtime plan: defaults merged into every route, patterns
// compiled, URLs parsed. Cross-field rules (unique names, a reference for every route, unsafe
// methods only by route opt-in) are checked here, with the same file/key/reason errors.
import { compilePattern, PatternError, type CompiledPattern } from '../proxy/routes';
import { compilePathGlobs, type SampleKey, type ShadowPolicy } from '../shadow/policy';
import type { ConfigIssue } from './errors';
import { SAFE_METHODS, type ConfigFile, type HttpMethod, type RouteEntry } from './schema';

export interface RoutePlan {
  readonly name: string;
  readonly pattern: CompiledPattern;
  /** Methods the route matches; undefined for all. */
  readonly methods?: ReadonlySet<HttpMethod>;
  readonly reference: URL;
  readonly candidate?: URL;
  readonly timeoutMs: number;
  readonly hostHeader: 'upstream' | 'preserve';
  readonly shadow: ShadowPolicy;
}

export interface Config {
  /** The file this came from, for messages. */
  readonly source: string;
  readonly listen: { readonly host: string; readonly port: number };
  readonly admin: { readonly enabled: boolean; readonly host: string; readonly port: number };
  readonly log: { readonly level: string; readonly accessLog: boolean };
  readonly shutdownTimeoutMs: number;
  readonly maxShadowInFlight: number;
  readonly routes: readonly RoutePlan[];
  /** Where unmatched requests go; undefined means they get 404. Never shadowed. */
  readonly unmatched?: RoutePlan;
}

export const SHADOW_DEFAULTS = {
  enabled: true,
  mode: 'after',
  methods: SAFE_METHODS,
  sample_percent: 100,
  exclude: [] as string[],
  max_request_bytes: 1024 * 1024,
  max_response_bytes: 4 * 1024 * 1024,
  timeout_ms: 5_000,
} as const;

export function resolveConfig(file: ConfigFile, source: string): { config?: Config; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const unsafeDefaults = (file.shadow.methods ?? []).filter((m) => !SAFE_METHODS.includes(m));
  if (unsafeDefaults.length > 0) {
    issues.push({
      key: 'shadow.methods',
      reason: `unsafe methods (${unsafeDefaults.join(', ')}) are shadowed only when a route opts in: list them in routes[n].shadow.methods`,
    });
  }

  const seen = new Map<string, number>();
  const routes: RoutePlan[] = [];
  file.routes.forEach((entry, index) => {
    const key = `routes[${index}]`;
    const previous = seen.get(entry.name);
    if (previous !== undefined) issues.push({ key: `${key}.name`, reason: `"${entry.name}" is already used by routes[${previous}]` });
    seen.set(entry.name, index);

    let pattern: CompiledPattern | undefined;
    try {
      pattern = compilePattern(entry.path);
    } catch (err) {
      if (!(err instanceof PatternError)) throw err;
      issues.push({ key: `${key}.path`, reason: err.message });
    }
    const reference = entry.reference ?? file.upstreams.reference;
    if (!reference) {
      issues.push({ key: `${key}.reference`, reason: 'is required: set it here or set upstreams.reference' });
    }
    if (pattern && reference) routes.push(routePlan(file, entry, pattern, reference));
  });

  let unmatched: RoutePlan | undefined;
  if (file.proxy.unmatched === 'proxy') {
    if (file.upstreams.reference) {
      unmatched = {
        name: 'unmatched',
        pattern: compilePattern('/{*path}'),
        reference: new URL(file.upstreams.reference),
        timeoutMs: file.proxy.timeout_ms,
        hostHeader: file.proxy.host_header,
        shadow: shadowPolicy(file, { enabled: false }),
      };
    } else if (file.routes.length === 0) {
      issues.push({ key: 'upstreams.reference', reason: 'is required when there are no routes (nothing to proxy to)' });
    }
  }

  if (issues.length > 0) return { issues };
  return {
    issues,
    config: {
      source,
      listen: file.listen,
      admin: file.admin,
      log: { level: file.log.level, accessLog: file.log.access_log },
      shutdownTimeoutMs: file.proxy.shutdown_timeout_ms,
      maxShadowInFlight: file.shadow.max_in_flight,
      routes,
      ...(unmatched ? { unmatched } : {}),
    },
  };
}

function routePlan(file: ConfigFile, entry: RouteEntry, pattern: CompiledPattern, reference: string): RoutePlan {
  const candidate = entry.candidate ?? file.upstreams.candidate;
  const overrides = candidate ? (entry.shadow ?? {}) : { ...entry.shadow, enabled: false };
  return {
    name: entry.name,
    pattern,
    ...(entry.methods ? { methods: new Set(entry.methods) } : {}),
    reference: new URL(reference),
    ...(candidate ? { candidate: new URL(candidate) } : {}),
    timeoutMs: entry.timeout_ms ?? file.proxy.timeout_ms,
    hostHeader: entry.host_header ?? file.proxy.host_header,
    shadow: shadowPolicy(file, overrides),
  };
}

type ShadowSettings = NonNullable<RouteEntry['shadow']>;

function shadowPolicy(file: ConfigFile, route: ShadowSettings): ShadowPolicy {
  const pick = <K extends keyof ShadowSettings & keyof typeof SHADOW_DEFAULTS>(key: K) =>
    (route[key] ?? file.shadow[key] ?? SHADOW_DEFAULTS[key]) as NonNullable<ShadowSettings[K]>;
  const exclude = [...(file.shadow.exclude ?? []), ...(route.exclude ?? [])];
  const sampleKey = route.sample_key ?? file.shadow.sample_key;
  return {
    enabled: pick('enabled'),
    mode: pick('mode'),
    methods: new Set(pick('methods')),
    samplePercent: pick('sample_percent'),
    ...(sampleKey ? { sampleKey: parseSampleKey(sampleKey) } : {}),
    exclude,
    isExcluded: compilePathGlobs(exclude),
    maxRequestBytes: pick('max_request_bytes'),
    maxResponseBytes: pick('max_response_bytes'),
    timeoutMs: pick('timeout_ms'),
  };
}

function parseSampleKey(text: string): SampleKey {
  const [source, name] = text.split(':', 2) as ['header' | 'query', string];
  return { source, name: source === 'header' ? name.toLowerCase() : name };
}
