#!/usr/bin/env node
// `shadowdiff-analyze`: reports from the diff topic or NDJSON files, for people and for CI gates.
// Exit codes: 0 fine, 1 a --fail-on threshold was exceeded (or the source failed), 2 usage error.
import { Command, Option } from 'commander';
import { writeFileSync } from 'node:fs';
import { packageVersion } from '../src/version';
import type { DiffEvent } from '../src/events/types';
import { Aggregator } from './aggregate';
import { evaluate, parseRule, type GateRule } from './gate';
import { consume, type Filters } from './input';
import { DIFFY_THRESHOLDS } from './noise';
import { csvRows, CSV_COLUMNS, tailLine } from './output';
import { readKafka, SourceError } from './read-kafka';
import { readNdjson } from './read-ndjson';
import { renderHtml } from './render/html';
import { renderJunit } from './render/junit';
import { renderMarkdown } from './render/markdown';
import { renderTable } from './render/table';
import { buildReport, type InputCounts } from './report';
import { parseInstant, UsageError } from './time';

interface SourceOptions {
  brokers?: string;
  topic: string;
  since?: string;
  until?: string;
  route?: string[];
  outcome?: string[];
  follow?: boolean;
  dedupeWindow: string;
}

const EXIT_GATE = 1;
const EXIT_USAGE = 2;

/** Repeatable options collect into a list (variadic ones would swallow the file arguments). */
function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function withSource(command: Command): Command {
  return command
    .argument('[files...]', 'NDJSON files to read ("-" for stdin); without files, reads Kafka')
    .option('-b, --brokers <list>', 'Kafka brokers, comma-separated (env SHADOWDIFF_KAFKA_BROKERS)', process.env.SHADOWDIFF_KAFKA_BROKERS)
    .option('-t, --topic <name>', 'the diff topic', process.env.SHADOWDIFF_KAFKA_TOPIC ?? 'shadowdiff.diff-events')
    .option('--since <time>', 'from this timestamp or this long ago (15m, 2h, 7d)')
    .option('--until <time>', 'up to this timestamp or this long ago')
    .option('--route <name>', 'only this route (repeatable)', collect, [])
    .addOption(new Option('--outcome <outcome>', 'only this outcome (repeatable)').choices(['match', 'mismatch', 'candidate_error', 'candidate_timeout', 'reference_error', 'skipped']).argParser(collect).default([]))
    .option('--dedupe-window <n>', 'how many recent event ids to remember for dropping duplicates', '200000');
}

async function readEvents(files: string[], options: SourceOptions, onEvent: (e: DiffEvent) => void): Promise<{ counts: InputCounts; source: Record<string, unknown> }> {
  const now = Date.now();
  const since = options.since ? parseInstant(options.since, now) : undefined;
  const until = options.until ? parseInstant(options.until, now) : undefined;
  const filters: Filters = {
    ...(options.route?.length ? { routes: new Set(options.route) } : {}),
    ...(options.outcome?.length ? { outcomes: new Set(options.outcome) } : {}),
    ...(since !== undefined ? { since } : {}),
    ...(until !== undefined ? { until } : {}),
  };
  let records: AsyncIterable<string>;
  let source: Record<string, unknown>;
  if (files.length > 0) {
    if (options.follow) throw new UsageError('--follow reads Kafka; give --brokers instead of files');
    records = readNdjson(files);
    source = { kind: 'files', files };
  } else {
    if (!options.brokers) throw new UsageError('nothing to read: give NDJSON files, or --brokers (or SHADOWDIFF_KAFKA_BROKERS) for Kafka');
    const brokers = options.brokers.split(',').map((b) => b.trim()).filter(Boolean);
    records = readKafka({ brokers, topic: options.topic, ...(since !== undefined ? { since } : {}), ...(until !== undefined ? { until } : {}), ...(options.follow ? { follow: true } : {}) });
    source = { kind: 'kafka', brokers, topic: options.topic };
  }
  if (since !== undefined) source.since = new Date(since).toISOString();
  if (until !== undefined) source.until = new Date(until).toISOString();
  const dedupeWindow = Number(options.dedupeWindow);
  if (!Number.isInteger(dedupeWindow) || dedupeWindow < 1) throw new UsageError('--dedupe-window must be a whole number above 0');
  const progress = progressReporter();
  const counts = await consume(records, { filters, dedupeWindow, warn: (m) => process.stderr.write(`shadowdiff-analyze: warning: ${m}\n`), ...(progress ? { onProgress: progress } : {}) }, onEvent);
  if (progress) process.stderr.write('\n');
  return { counts, source };
}

/** Events read and rate on stderr, only when stderr is a terminal. */
function progressReporter(): ((counts: InputCounts) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  const started = Date.now();
  return (counts) => {
    const seconds = Math.max(0.001, (Date.now() - started) / 1000);
    process.stderr.write(`\rread ${counts.read.toLocaleString('en')} events (${Math.round(counts.read / seconds).toLocaleString('en')}/s)`);
  };
}

function write(text: string, output: string | undefined): void {
  if (output) writeFileSync(output, text);
  else process.stdout.write(text);
}

export function program(): Command {
  const root = new Command()
    .name('shadowdiff-analyze')
    .description('Reports on shadowdiff diff events, from Kafka or NDJSON files.')
    .version(packageVersion(), '-v, --version')
    .showHelpAfterError()
    .exitOverride();

  withSource(root.command('report').description('what differs, where, how often, whether it is noise, and whether the candidate is slower'))
    .addOption(new Option('-f, --format <format>', 'output format').choices(['table', 'json', 'markdown', 'junit', 'html']).default('table'))
    .option('-o, --output <file>', 'write the report to a file instead of stdout')
    .option('--top <n>', 'paths listed per route', '10')
    .option('--fail-on <rule>', 'exit 1 when exceeded (repeatable): [route:]metric>value; metrics mismatch_rate, error_rate, timeout_rate, high, p99_ratio (e.g. mismatch_rate>1%, users:p99_ratio>1.5, high>0)', collect, [])
    .option('--noise-relative <fraction>', 'a path is real when its rate against the candidate exceeds the rate between references by this fraction', String(DIFFY_THRESHOLDS.relative))
    .option('--noise-absolute <fraction>', '... and by at least this rate', String(DIFFY_THRESHOLDS.absolute))
    .action(async (files: string[], options: SourceOptions & { format: string; output?: string; top: string; failOn?: string[]; noiseRelative: string; noiseAbsolute: string }) => {
      const rules: GateRule[] = (options.failOn ?? []).map(parseRule);
      const top = Number(options.top);
      const relative = Number(options.noiseRelative);
      const absolute = Number(options.noiseAbsolute);
      if (!Number.isInteger(top) || top < 1) throw new UsageError('--top must be a whole number above 0');
      if (!(relative >= 0) || !(absolute >= 0)) throw new UsageError('--noise-relative and --noise-absolute must be numbers of 0 or more');
      const aggregator = new Aggregator();
      const { counts, source } = await readEvents(files, options, (e) => aggregator.add(e));
      const report = buildReport(aggregator, counts, { top, thresholds: { relative, absolute }, source });
      if (rules.length > 0) report.gate = evaluate(report, rules);
      const useColor = !options.output && Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
      const text =
        options.format === 'json'
          ? `${JSON.stringify(report, null, 2)}\n`
          : options.format === 'markdown'
            ? renderMarkdown(report)
            : options.format === 'junit'
              ? renderJunit(report, rules)
              : options.format === 'html'
                ? renderHtml(report)
                : renderTable(report, useColor);
      write(text, options.output);
      if (report.gate && !report.gate.passed) {
        // The reason comes last, where a CI log is read.
        for (const f of report.gate.failures) process.stderr.write(`shadowdiff-analyze: gate failed: ${f.rule} (actual ${f.actual}, threshold ${f.threshold})\n`);
        process.exitCode = EXIT_GATE;
      } else if (report.gate) {
        process.stderr.write(`shadowdiff-analyze: gate passed (${rules.map((r) => r.text).join(', ')})\n`);
      }
    });

  withSource(root.command('tail').description('one line per event: route, outcome, first differing paths'))
    .option('--follow', 'keep reading new events from Kafka')
    .action(async (files: string[], options: SourceOptions) => {
      await readEvents(files, options, (e) => process.stdout.write(`${tailLine(e)}\n`));
    });

  withSource(root.command('export').description('events as NDJSON, or one CSV row per difference, for notebooks and spreadsheets'))
    .addOption(new Option('-f, --format <format>', 'export format').choices(['ndjson', 'csv']).default('ndjson'))
    .option('-o, --output <file>', 'write to a file instead of stdout')
    .action(async (files: string[], options: SourceOptions & { format: string; output?: string }) => {
      const chunks: string[] = [];
      const emit = options.output ? (line: string) => chunks.push(line) : (line: string) => process.stdout.write(line);
      if (options.format === 'csv') emit(`${CSV_COLUMNS.join(',')}\n`);
      await readEvents(files, options, (e) => {
        if (options.format === 'csv') for (const row of csvRows(e)) emit(`${row}\n`);
        else emit(`${JSON.stringify(e)}\n`);
      });
      if (options.output) writeFileSync(options.output, chunks.join(''));
    });

  return root;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await program().parseAsync(argv);
  } catch (err) {
    const e = err as { code?: string; exitCode?: number; message?: string };
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') process.exit(0);
    if (e.code?.startsWith('commander.')) process.exit(EXIT_USAGE);
    if (err instanceof UsageError) {
      process.stderr.write(`shadowdiff-analyze: ${err.message}\n`);
      process.exit(EXIT_USAGE);
    }
    if (err instanceof SourceError) {
      process.stderr.write(`shadowdiff-analyze: ${err.message}\n`);
      process.exit(EXIT_GATE);
    }
    process.stderr.write(`shadowdiff-analyze: unexpected error: ${e.message ?? String(err)}\n`);
    process.exit(EXIT_GATE);
  }
}

if (require.main === module) void main(process.argv);
