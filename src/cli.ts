#!/usr/bin/env node
// The `shadowdiff` command: load and check the config, start the proxy, stop cleanly on signals.
// Expected failures print one clear line and exit non-zero; they never print a stack trace.
import { Command } from 'commander';
import cluster from 'node:cluster';
import { ListenError, start } from './app';
import { configForWorker, runPrimary, shareMetrics, workerIndex } from './cluster';
import { ConfigError } from './config/errors';
import { CONFIG_PATH_ENV, loadConfig } from './config/load';
import type { Config } from './config/resolve';
import { createLogger, type Logger } from './log';
import { packageVersion } from './version';

const EXIT_CONFIG = 2;


function fail(message: string, code: number): never {
  process.stderr.write(`shadowdiff: ${message}\n`);
  process.exit(code);
}

export async function main(argv: string[]): Promise<void> {
  const program = new Command()
    .name('shadowdiff')
    .description('Shadow-testing proxy: answers from the reference, compares the candidate in the background.')
    .version(packageVersion(), '-v, --version')
    .option('-c, --config <file>', `config file (env ${CONFIG_PATH_ENV})`, process.env[CONFIG_PATH_ENV] || 'config.toml')
    .option('--check', 'validate the config, print a summary and exit')
    .showHelpAfterError()
    .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : EXIT_CONFIG))
    .parse(argv);
  const options = program.opts<{ config: string; check?: boolean }>();

  let config: Config;
  try {
    config = loadConfig(options.config);
  } catch (err) {
    if (err instanceof ConfigError) fail(`invalid configuration\n${err.message}`, EXIT_CONFIG);
    throw err;
  }
  if (options.check) {
    process.stdout.write(describeConfig(config));
    return;
  }

  const logger = createLogger(config.log.level);
  if (config.listen.workers > 1 && cluster.isPrimary) {
    logStartup(logger, config, `http://${config.listen.host}:${config.listen.port}`, undefined);
    await runPrimary(config, logger);
    return;
  }
  const index = workerIndex();
  let running;
  try {
    running = await start(index === undefined ? config : configForWorker(config, index), { logger: index === undefined ? logger : logger.child({ worker: index }), withoutAdmin: index !== undefined });
  } catch (err) {
    if (err instanceof ListenError) fail(err.message, 1);
    throw err;
  }
  if (index === undefined) logStartup(logger, config, running.proxyUrl, running.adminUrl);
  else shareMetrics(running.metrics.registry);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting without waiting');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal, deadlineMs: config.shutdownTimeoutMs }, 'shutting down: finishing in-flight requests and shadows');
    running.shutdown().then(({ drained }) => {
      logger.info({ drained }, drained ? 'stopped' : 'stopped at the deadline with work still in flight');
      process.exit(0);
    });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  // A worker leaves Ctrl-C to the primary, which asks every worker to drain exactly once.
  if (index === undefined) process.on('SIGINT', () => stop('SIGINT'));
  else process.on('SIGINT', () => undefined);
}

/** What the operator needs to see at start-up. URLs carry no credentials (the config forbids them). */
function logStartup(logger: Logger, config: Config, proxyUrl: string, adminUrl: string | undefined): void {
  logger.info({ proxy: proxyUrl, admin: adminUrl ?? (config.admin.enabled ? `http://${config.admin.host}:${config.admin.port}` : 'disabled'), workers: config.listen.workers, config: config.source }, 'shadowdiff listening');
  for (const route of config.routes) {
    logger.info(
      {
        route: route.name,
        path: route.pattern.source,
        reference: route.reference.href,
        candidate: route.candidate?.href ?? 'none',
        shadow: route.shadow.enabled ? { methods: [...route.shadow.methods], samplePercent: route.shadow.samplePercent, mode: route.shadow.mode } : 'off',
      },
      'route',
    );
  }
  logger.info({ unmatched: config.unmatched ? config.unmatched.reference.href : '404' }, 'unmatched requests');
  if (config.kafka) {
    // Brokers, topic and the SASL mechanism only: credentials are never logged.
    const { brokers, topic, sasl, ssl } = config.kafka;
    logger.info({ brokers, topic, tls: ssl !== undefined, sasl: sasl?.mechanism ?? 'none' }, `diff events are published to Kafka topic ${topic}`);
  } else {
    const where = config.sink.type === 'file' ? config.sink.path : 'stdout';
    logger.info({ sink: config.sink.type, path: where }, `no Kafka brokers configured: diff events are written to ${where} as NDJSON`);
  }
}

function describeConfig(config: Config): string {
  const lines = [`${config.source}: valid`, `listen ${config.listen.host}:${config.listen.port}`];
  for (const r of config.routes) {
    const shadow = r.shadow.enabled ? `shadow ${[...r.shadow.methods].join(',')} ${r.shadow.samplePercent}%` : 'no shadow';
    lines.push(`route ${r.name} ${r.pattern.source} -> ${r.reference.href} | ${r.candidate?.href ?? '-'} (${shadow})`);
  }
  lines.push(`unmatched -> ${config.unmatched ? config.unmatched.reference.href : '404'}`);
  return lines.join('\n') + '\n';
}

if (require.main === module) {
  main(process.argv).catch((err: unknown) => {
    // Not expected: one line, no stack trace; the message is enough to file an issue with.
    fail(`unexpected error: ${(err as Error)?.message ?? String(err)}`, 1);
  });
}
