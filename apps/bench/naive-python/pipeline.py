"""The tutorial's naive pipeline, in Python, for ADR 033's comparison with this one.

The same Kafka-side work as `npm run bench`'s Kafka-side mode, done the way the classic
tutorials do it: N ride requests written to ride_details; a transaction worker reads each,
picks the nearest free driver (or rejects a declined card) and writes ride_confirmed or
ride_rejected; an email worker reads every outcome and writes its email to an outbox file; an
analytics worker reads every outcome and counts it. Plain consumer groups with auto-commit,
JSON, one send per outcome, no transactions, no schema checks, no ledger, no metrics: what this
app adds for exactly-once, contracts and operations is left out on purpose.

    python pipeline.py --brokers 127.0.0.1:9092 --rides 200000 --client kafka-python
    python pipeline.py --brokers 127.0.0.1:9092 --rides 200000 --client confluent-kafka

Prints one JSON line: rides, seconds from the first write until every worker had all of them,
rides per second, and each process's CPU seconds per 1,000 rides. Needs kafka-python and
confluent-kafka (the writer and the topic set-up use confluent-kafka whatever --client is).
"""

import argparse
import json
import math
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid

PARTITIONS = 6
FLEET = 200


def topics(prefix):
    return {name: f"{prefix}{name}" for name in ("ride_details", "ride_confirmed", "ride_rejected")}


def report(status_dir, role, count, done=False):
    """A worker's progress, for the driver: count, and when it finished, with its CPU so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    path = os.path.join(status_dir, role)
    with open(path + ".tmp", "w") as out:
        json.dump({"count": count, "done": time.time() if done else None,
                   "cpu": usage.ru_utime + usage.ru_stime}, out)
    os.replace(path + ".tmp", path)


# ---- the work of each hop ------------------------------------------------------------------

def fleet(seed=42):
    rng = random.Random(seed)
    return [{"driverId": f"driver-{n}", "lat": 40.7306 + rng.uniform(-0.13, 0.13),
             "lng": -73.9352 + rng.uniform(-0.17, 0.17)} for n in range(FLEET)]


def decide(ride, drivers):
    payload = ride["payload"]
    outcome = {"eventId": str(uuid.uuid4()), "correlationId": ride["correlationId"],
               "occurredAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    if payload["paymentToken"] == "tok_chargeDeclined":
        return "ride_rejected", {**outcome, "type": "ride.rejected",
                                 "payload": {"rideId": payload["rideId"], "reason": "payment_declined",
                                             "customerEmail": payload["customerEmail"]}}
    pickup = payload["pickup"]
    driver = min(drivers, key=lambda d: math.hypot(d["lat"] - pickup["lat"], d["lng"] - pickup["lng"]))
    return "ride_confirmed", {**outcome, "type": "ride.confirmed",
                              "payload": {"rideId": payload["rideId"], "driverId": driver["driverId"],
                                          "customerEmail": payload["customerEmail"]}}


def email_text(outcome):
    payload = outcome["payload"]
    subject = "Your ride is confirmed" if outcome["type"] == "ride.confirmed" else "Your ride was declined"
    return f"To: {payload['customerEmail']}\nSubject: {subject}\n\nRide {payload['rideId']}\n\n"


# ---- workers, one process each ----------------------------------------------------------------

def consume(args, group, names, handle):
    """Reads `names` in consumer group `group` until it has handled `args.rides` messages."""
    count = 0
    last_report = 0.0
    if args.client == "kafka-python":
        from kafka import KafkaConsumer
        consumer = KafkaConsumer(*names, bootstrap_servers=args.brokers, group_id=group,
                                 auto_offset_reset="earliest")
        while count < args.rides:
            for records in consumer.poll(timeout_ms=500).values():
                for record in records:
                    handle(record.key, record.value)
                    count += 1
            if consumer.assignment() and time.time() - last_report > 0.5:
                report(args.status_dir, args.role, count)
                last_report = time.time()
    else:
        from confluent_kafka import Consumer
        consumer = Consumer({"bootstrap.servers": args.brokers, "group.id": group,
                             "auto.offset.reset": "earliest"})
        consumer.subscribe(names)
        while count < args.rides:
            for message in consumer.consume(num_messages=500, timeout=0.5):
                if message.error():
                    raise RuntimeError(message.error())
                handle(message.key(), message.value())
                count += 1
            if consumer.assignment() and time.time() - last_report > 0.5:
                report(args.status_dir, args.role, count)
                last_report = time.time()
    report(args.status_dir, args.role, count, done=True)
    consumer.close()


def producer_for(args):
    """A producer and its send(topic, key, value) and flush()."""
    if args.client == "kafka-python":
        from kafka import KafkaProducer
        producer = KafkaProducer(bootstrap_servers=args.brokers)
        return lambda topic, key, value: producer.send(topic, key=key, value=value), producer.flush
    from confluent_kafka import Producer
    producer = Producer({"bootstrap.servers": args.brokers})

    def send(topic, key, value):
        while True:
            try:
                producer.produce(topic, key=key, value=value)
                break
            except BufferError:
                producer.poll(0.05)
        producer.poll(0)
    return send, producer.flush


def transaction_worker(args):
    names = topics(args.prefix)
    drivers = fleet()
    send, flush = producer_for(args)

    def handle(key, value):
        topic, outcome = decide(json.loads(value), drivers)
        send(names[topic], key, json.dumps(outcome).encode())

    consume(args, f"{args.prefix}transaction", [names["ride_details"]], handle)
    flush()


def email_worker(args):
    names = topics(args.prefix)
    with open(os.path.join(args.status_dir, "outbox.txt"), "w") as outbox:
        consume(args, f"{args.prefix}email", [names["ride_confirmed"], names["ride_rejected"]],
                lambda key, value: outbox.write(email_text(json.loads(value))))


def analytics_worker(args):
    names = topics(args.prefix)
    counts = {}

    def handle(key, value):
        outcome = json.loads(value)
        counts[outcome["type"]] = counts.get(outcome["type"], 0) + 1

    consume(args, f"{args.prefix}analytics", [names["ride_confirmed"], names["ride_rejected"]], handle)


def writer(args):
    """The bench's rides: in the fleet's area, every 10th card declined (confluent-kafka)."""
    from confluent_kafka import Producer
    producer = Producer({"bootstrap.servers": args.brokers, "linger.ms": 5})
    topic = topics(args.prefix)["ride_details"]
    now = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
    for n in range(args.rides):
        ride_id = str(uuid.uuid4())
        event = {"eventId": str(uuid.uuid4()), "type": "ride.requested", "schemaVersion": 1,
                 "occurredAt": now, "correlationId": f"bench-{n}",
                 "payload": {"rideId": ride_id, "customerId": f"bench-{n % 997}",
                             "customerEmail": f"rider{n}@example.com",
                             "pickup": {"lat": 40.7359, "lng": -73.9911},
                             "dropoff": {"lat": 40.6782, "lng": -73.9442}, "passengers": 1,
                             "paymentToken": "tok_chargeDeclined" if n % 10 == 9 else "tok_visa",
                             "requestedAt": now}}
        while True:
            try:
                producer.produce(topic, key=ride_id.encode(), value=json.dumps(event).encode())
                break
            except BufferError:
                producer.poll(0.05)
        producer.poll(0)
    producer.flush()
    report(args.status_dir, "writer", args.rides, done=True)


ROLES = {"transaction": transaction_worker, "email": email_worker,
         "analytics": analytics_worker, "writer": writer}
WORKERS = ("transaction", "email", "analytics")


def read_status(status_dir, role):
    try:
        with open(os.path.join(status_dir, role)) as status:
            return json.load(status)
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def run(args):
    from confluent_kafka.admin import AdminClient, NewTopic
    admin = AdminClient({"bootstrap.servers": args.brokers})
    names = list(topics(args.prefix).values())
    for future in admin.create_topics([NewTopic(name, PARTITIONS, 1) for name in names]).values():
        future.result()
    status_dir = tempfile.mkdtemp(prefix="naive-pipeline-")

    def spawn(role):
        return subprocess.Popen([sys.executable, __file__, "--role", role, "--brokers", args.brokers,
                                 "--rides", str(args.rides), "--client", args.client,
                                 "--prefix", args.prefix, "--status-dir", status_dir])

    workers = {role: spawn(role) for role in WORKERS}
    try:
        # The clock starts at the first write, once every worker has its partitions (as the bench).
        while not all(read_status(status_dir, role) for role in WORKERS):
            if any(worker.poll() is not None for worker in workers.values()):
                raise RuntimeError("a worker exited before it was assigned its partitions")
            time.sleep(0.2)
        started = time.time()
        load = os.getloadavg()
        write = spawn("writer")
        cpu = {}
        for role, process in {**workers, "writer": write}.items():
            usage = os.wait4(process.pid, 0)[2]
            cpu[role] = usage.ru_utime + usage.ru_stime
            process.returncode = 0
        done = max(read_status(status_dir, role)["done"] for role in WORKERS)
        seconds = done - started
        print(json.dumps({
            "client": args.client, "rides": args.rides, "loadAverageAtStart": [round(x, 2) for x in load],
            "endToEndSeconds": round(seconds, 1), "endToEndRidesPerSecond": round(args.rides / seconds),
            "cpuSecondsPer1000Rides": {role: round(seconds_ * 1000 / args.rides, 3)
                                       for role, seconds_ in cpu.items()},
        }))
    finally:
        for worker in workers.values():
            if worker.returncode is None:
                worker.kill()
        for future in admin.delete_topics(names).values():
            future.result()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--brokers", required=True)
    parser.add_argument("--rides", type=int, default=200_000)
    parser.add_argument("--client", choices=("kafka-python", "confluent-kafka"), default="kafka-python")
    parser.add_argument("--prefix", default=f"naive-{os.getpid()}-")
    parser.add_argument("--role", choices=tuple(ROLES))
    parser.add_argument("--status-dir")
    args = parser.parse_args()
    if args.role:
        ROLES[args.role](args)
    else:
        run(args)


if __name__ == "__main__":
    main()
