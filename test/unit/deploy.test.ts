// The deployment files must agree with what the tests run against.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const read = (file: string) => readFileSync(join(__dirname, '..', '..', file), 'utf8');

describe('deployment files', () => {
  it('docker-compose runs the same Kafka version as the broker the tests start', () => {
    const pomVersion = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(read('scripts/kafka/pom.xml'))?.[1];
    const imageVersion = /image:\s*apache\/kafka:(\S+)/.exec(read('docker-compose.kafka.yml'))?.[1];
    expect(pomVersion).toBeDefined();
    expect(imageVersion).toBe(pomVersion);
  });

  it('the image builds in stages and runs as a non-root user', () => {
    const dockerfile = read('Dockerfile');
    expect(dockerfile.match(/^FROM /gm)).toHaveLength(2);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/COPY --from=build/);
  });

  it('compose gives the proxy the broker address and mounts the config', () => {
    const compose = read('docker-compose.kafka.yml');
    expect(compose).toMatch(/SHADOWDIFF_KAFKA_BROKERS: kafka:9092/);
    expect(compose).toMatch(/\.\/config\.toml:\/etc\/shadowdiff\/config\.toml:ro/);
    expect(compose).toMatch(/healthcheck:/);
  });
});
