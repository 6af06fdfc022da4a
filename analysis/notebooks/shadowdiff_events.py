"""Loading shadowdiff diff events into pandas, shared by the notebooks in this folder.

Events come from the Kafka topic (read up to the high-water marks seen at the start, so it never
hangs on an idle topic) or from an NDJSON file (the local sink, the outbox, or an `export`).
Duplicates are dropped by id and events of another schema are skipped, as docs/events.md asks.
"""
import json

import pandas as pd

SCHEMA = "shadowdiff.diff-event/v1"


def _keep(events, raw):
    try:
        event = json.loads(raw)
    except (ValueError, TypeError):
        return
    if isinstance(event, dict) and isinstance(event.get("v"), str):  # an outbox line
        return _keep(events, event["v"])
    if isinstance(event, dict) and event.get("schema") == SCHEMA:
        events[event["id"]] = event


def read_topic(brokers, topic, timeout=30.0):
    """All v1 events on the topic, deduplicated by id."""
    from confluent_kafka import Consumer, TopicPartition

    consumer = Consumer({"bootstrap.servers": brokers, "group.id": "shadowdiff-notebook", "enable.auto.commit": False, "auto.offset.reset": "earliest"})
    try:
        metadata = consumer.list_topics(topic, timeout=timeout)
        partitions = sorted(metadata.topics[topic].partitions)
        ends, assignment = {}, []
        for p in partitions:
            low, high = consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=timeout)
            if high > low:
                ends[p] = high
                assignment.append(TopicPartition(topic, p, low))
        consumer.assign(assignment)
        events = {}
        while ends:
            message = consumer.poll(timeout)
            if message is None:
                raise TimeoutError(f"no message from {topic} within {timeout}s; still waiting on partitions {sorted(ends)}")
            if message.error():
                continue
            _keep(events, message.value())
            if message.offset() + 1 >= ends.get(message.partition(), 0):
                ends.pop(message.partition(), None)
        return list(events.values())
    finally:
        consumer.close()


def read_ndjson(path):
    events = {}
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                _keep(events, line)
    return list(events.values())


def frames(events):
    """(events, differences): one row per event, one row per difference."""
    rows = [
        {
            "id": e["id"],
            "timestamp": pd.Timestamp(e["timestamp"]),
            "route": e["route"]["name"],
            "outcome": e["outcome"],
            "reference_ms": e["reference"].get("latencyMs") if "error" not in e["reference"] else None,
            "candidate_ms": e["candidate"].get("latencyMs") if "error" not in e["candidate"] else None,
            "reference_status": e["reference"].get("status"),
            "candidate_status": e["candidate"].get("status"),
        }
        for e in events
    ]
    diffs = [
        {"id": e["id"], "route": e["route"]["name"], "path": d["normalizedPath"], "kind": d["kind"], "severity": d["severity"], "noise": d["noise"]}
        for e in events
        for d in e["differences"]
    ]
    columns = ["id", "route", "path", "kind", "severity", "noise"]
    return pd.DataFrame(rows), pd.DataFrame(diffs, columns=columns)


def mismatch_rates(events):
    return events.groupby("route")["outcome"].apply(lambda outcomes: (outcomes == "mismatch").mean()).sort_values(ascending=False)


def top_paths(diffs, n=10):
    """Real (non-noise) differences by route and normalised path: events with it, most frequent first."""
    real = diffs[~diffs["noise"].astype(bool)]
    return real.drop_duplicates(["id", "path", "kind"]).groupby(["route", "path", "kind"]).size().rename("events").sort_values(ascending=False).head(n)


def latency(events):
    quantiles = events.groupby("route")[["reference_ms", "candidate_ms"]].quantile([0.5, 0.99]).unstack()
    quantiles.columns = [f"{side.replace('_ms', '')} p{int(q * 100)}" for side, q in quantiles.columns]
    return quantiles
