// Reads config.toml, applies environment overrides and validates. Every failure is a ConfigError.
import { readFileSync } from 'node:fs';
import toml from 'toml';
import type { z } from 'zod';
import { ConfigError, formatKey, type ConfigIssue } from './errors';
import { resolveConfig, type Config } from './resolve';
import { fileSchema } from './schema';

export const CONFIG_PATH_ENV = 'SHADOWDIFF_CONFIG';

type Env = Readonly<Record<string, string | undefined>>;
type Raw = Record<string, unknown>;

export function loadConfig(path: string, env: Env = process.env): Config {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory' : `cannot read (${code ?? 'unknown error'})`;
    throw new ConfigError(path, [{ key: '', reason }]);
  }
  return parseConfig(text, path, env);
}

export function parseConfig(text: string, source: string, env: Env = {}): Config {
  let raw: Raw;
  try {
    raw = toml.parse(text) as Raw;
  } catch (err) {
    const e = err as { line?: number; column?: number; location?: { start?: { line: number; column: number } }; message?: string };
    const at = e.location?.start ?? (e.line ? { line: e.line, column: e.column ?? 0 } : undefined);
    const where = at ? `line ${at.line}, column ${at.column}: ` : '';
    throw new ConfigError(source, [{ key: '', reason: `invalid TOML: ${where}${e.message ?? String(err)}` }]);
  }

  const { origins, issues: envIssues } = applyEnvOverrides(raw, env);
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success || envIssues.length > 0) {
    const schemaIssues = parsed.success ? [] : parsed.error.issues.flatMap((issue) => describeIssue(issue, origins));
    throw new ConfigError(source, [...envIssues, ...schemaIssues]);
  }
  const { config, issues } = resolveConfig(parsed.data, source);
  if (!config) throw new ConfigError(source, issues.map((i) => withOrigin(i, origins)));
  return config;
}

/** Upstream URLs, ports and the log level can come from the environment; they win over the file. */
export function applyEnvOverrides(raw: Raw, env: Env): { origins: Map<string, string>; issues: ConfigIssue[] } {
  const origins = new Map<string, string>();
  const issues: ConfigIssue[] = [];
  const set = (table: Raw, field: string, key: string, variable: string, value: unknown) => {
    table[field] = value;
    origins.set(key, variable);
  };
  const table = (name: string): Raw => {
    const existing = raw[name];
    if (existing && typeof existing === 'object' && !Array.isArray(existing)) return existing as Raw;
    return (raw[name] = {});
  };
  const simple: [string, string, string, (v: string) => unknown][] = [
    ['SHADOWDIFF_REFERENCE_URL', 'upstreams', 'reference', String],
    ['SHADOWDIFF_CANDIDATE_URL', 'upstreams', 'candidate', String],
    ['SHADOWDIFF_LISTEN_HOST', 'listen', 'host', String],
    ['SHADOWDIFF_LISTEN_PORT', 'listen', 'port', numberOrText],
    ['SHADOWDIFF_WORKERS', 'listen', 'workers', numberOrText],
    ['SHADOWDIFF_ADMIN_HOST', 'admin', 'host', String],
    ['SHADOWDIFF_ADMIN_PORT', 'admin', 'port', numberOrText],
    ['SHADOWDIFF_LOG_LEVEL', 'log', 'level', String],
    ['SHADOWDIFF_KAFKA_BROKERS', 'kafka', 'brokers', (v) => v.split(',').map((b) => b.trim()).filter(Boolean)],
    ['SHADOWDIFF_KAFKA_TOPIC', 'kafka', 'topic', String],
  ];
  for (const [variable, tableName, field, convert] of simple) {
    const value = env[variable];
    if (value !== undefined && value !== '') set(table(tableName), field, `${tableName}.${field}`, variable, convert(value));
  }

  // Kafka credentials belong in the environment, not in a file checked into a repository.
  const username = env.SHADOWDIFF_KAFKA_SASL_USERNAME;
  const password = env.SHADOWDIFF_KAFKA_SASL_PASSWORD;
  if (username || password) {
    const kafka = table('kafka');
    const sasl = (kafka.sasl && typeof kafka.sasl === 'object' ? kafka.sasl : (kafka.sasl = { mechanism: env.SHADOWDIFF_KAFKA_SASL_MECHANISM ?? 'plain' })) as Raw;
    if (username) set(sasl, 'username', 'kafka.sasl.username', 'SHADOWDIFF_KAFKA_SASL_USERNAME', username);
    if (password) set(sasl, 'password', 'kafka.sasl.password', 'SHADOWDIFF_KAFKA_SASL_PASSWORD', password);
  }

  const routes = Array.isArray(raw.routes) ? (raw.routes as Raw[]) : [];
  for (const [variable, value] of Object.entries(env)) {
    const m = /^SHADOWDIFF_ROUTE_(.+)_(REFERENCE|CANDIDATE)_URL$/.exec(variable);
    if (!m || value === undefined || value === '') continue;
    const index = routes.findIndex((r) => typeof r?.name === 'string' && envName(r.name) === m[1]);
    const field = m[2]!.toLowerCase();
    if (index < 0) {
      // A typo in a variable name must not pass silently, any more than one in the file.
      issues.push({ key: `environment ${variable}`, reason: `names no route (route names: ${routeNames(routes)})` });
    } else {
      set(routes[index]!, field, `routes[${index}].${field}`, variable, value);
    }
  }
  return { origins, issues };
}

/** Route name as it appears in variable names: "user-profile" -> "USER_PROFILE". */
export function envName(routeName: string): string {
  return routeName.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

function routeNames(routes: Raw[]): string {
  const names = routes.map((r) => r?.name).filter((n): n is string => typeof n === 'string');
  return names.length > 0 ? names.map(envName).join(', ') : 'none';
}

function numberOrText(value: string): unknown {
  return /^\d+$/.test(value) ? Number(value) : value;
}

function describeIssue(issue: z.core.$ZodIssue, origins: Map<string, string>): ConfigIssue[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((name) => ({ key: formatKey([...issue.path, name]), reason: 'unknown key' }));
  }
  let reason = issue.message;
  if (issue.code === 'invalid_type') reason = `must be ${issue.expected === 'object' ? 'a table' : issue.expected === 'array' ? 'a list' : `a ${issue.expected}`}`;
  return [withOrigin({ key: formatKey(issue.path), reason }, origins)];
}

function withOrigin(issue: ConfigIssue, origins: Map<string, string>): ConfigIssue {
  const variable = origins.get(issue.key);
  return variable ? { key: `${issue.key} (from ${variable})`, reason: issue.reason } : issue;
}
