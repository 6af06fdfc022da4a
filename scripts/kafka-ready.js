#!/usr/bin/env node
// Waits until a Kafka broker answers a metadata request: kafka-ready.js host:port [timeoutSeconds]
'use strict';
const { Kafka, logLevel } = require('kafkajs');

const [broker, timeoutArg] = process.argv.slice(2);
const deadline = Date.now() + Number(timeoutArg || 60) * 1000;

async function main() {
  const kafka = new Kafka({ clientId: 'shadowdiff-ready', brokers: [broker], logLevel: logLevel.NOTHING, connectionTimeout: 1000, retry: { retries: 0 } });
  for (;;) {
    const admin = kafka.admin();
    try {
      await admin.connect();
      await admin.fetchTopicMetadata({ topics: [] });
      await admin.describeCluster();
      await admin.disconnect();
      return;
    } catch {
      await admin.disconnect().catch(() => {});
      if (Date.now() > deadline) {
        console.error(`kafka-ready: no answer from ${broker}`);
        process.exit(1);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

main();
