import { allTopicSettings, topicsFor } from '@taxi/events';
import { addPartitions, ensureTopics, partitionCounts } from '@taxi/kafka';
import { testBrokers, testKafka } from '@taxi/kafka/testing';
import { testLogger, uniqueName } from '@taxi/testing';
import { taxi } from './built-cli.int-support';

/** A fresh set of the system's topics (6 partitions each, as the contract makes them). */
const freshTopics = async () => {
  const kafka = testKafka();
  const prefix = `${uniqueName('grow')}.`;
  const names = topicsFor(prefix);
  await ensureTopics(kafka, allTopicSettings(names), { replicationFactor: 1 }, testLogger());
  const coPartitioned = [
    names.dispatch.name,
    names.fleetState.name,
    names.analyticsState.name,
    names.rideRequested.name,
    names.rideConfirmed.name,
    names.rideRejected.name,
    names.emailsSent.name,
  ];
  const counts = async () =>
    Object.fromEntries(await partitionCounts(kafka, [...coPartitioned, names.rideAnalytics.name]));
  const env = { KAFKA_BROKERS: testBrokers().join(','), KAFKA_TOPIC_PREFIX: prefix };
  return { kafka, names, coPartitioned, counts, env };
};

const everyOne = (names: readonly string[], count: number) =>
  Object.fromEntries(names.map((name) => [name, count]));

describe('taxi topics grow against a real broker', () => {
  it('when run with --dry-run, then it prints the plan, state first, and changes nothing', async () => {
    const { coPartitioned, counts, env, names } = await freshTopics();

    const { code, stdout } = await taxi(env, 'topics', 'grow', '--partitions', '12', '--dry-run');

    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toContain('would grow to 12 partitions (dry run');
    expect(lines[1]).toContain(
      `1. state and internal topics first: ${names.dispatch.name} 6 → 12, ${names.fleetState.name} 6 → 12`,
    );
    expect(lines[2]).toContain(
      `2. the ride-keyed topics together: ${names.rideRequested.name} 6 → 12`,
    );
    expect(await counts()).toEqual({
      ...everyOne(coPartitioned, 6),
      [names.rideAnalytics.name]: 1,
    });
  });

  it('when run, then every co-partitioned topic has 12 partitions and nothing else grew; run again, then it has nothing to do', async () => {
    const { coPartitioned, counts, env, names } = await freshTopics();

    const grown = await taxi(env, 'topics', 'grow', '--partitions', '12');
    const again = await taxi(env, 'topics', 'grow', '--partitions', '12', '--json');

    expect(grown.code).toBe(0);
    expect(grown.stdout).toContain('step 1 done');
    expect(grown.stdout).toContain('step 2 done');
    expect(await counts()).toEqual({
      ...everyOne(coPartitioned, 12),
      [names.rideAnalytics.name]: 1,
    });
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual({
      dryRun: false,
      kind: 'nothing-to-do',
      partitions: 12,
    });
  });

  it('when some topics were grown with kafka-topics --alter alone, then the dry run shows them done and a run completes the rest', async () => {
    const { kafka, coPartitioned, counts, env, names } = await freshTopics();
    await addPartitions(kafka, [{ topic: names.rideConfirmed.name, count: 12 }]);

    const plan = await taxi(env, 'topics', 'grow', '--partitions', '12', '--dry-run', '--json');
    const grown = await taxi(env, 'topics', 'grow', '--partitions', '12');

    expect(plan.code).toBe(0);
    const steps = (
      JSON.parse(plan.stdout) as { steps: { topics: { topic: string; from: number }[] }[] }
    ).steps;
    expect(steps.flatMap((step) => step.topics.map((t) => [t.topic, t.from]))).toEqual([
      [names.dispatch.name, 6],
      [names.fleetState.name, 6],
      [names.analyticsState.name, 6],
      [names.rideRequested.name, 6],
      [names.rideConfirmed.name, 12],
      [names.rideRejected.name, 6],
      [names.emailsSent.name, 6],
    ]);
    expect(grown.code).toBe(0);
    expect(await counts()).toEqual({
      ...everyOne(coPartitioned, 12),
      [names.rideAnalytics.name]: 1,
    });
  });

  it.each([
    ['6', 'grown to 12 first', 'Kafka cannot take partitions away'],
    ['9', 'at 6', 'is not a multiple of'],
  ])(
    'when asked for %s partitions (%s), then it refuses with exit 6, one line, and changes nothing',
    async (partitions, setup, why) => {
      const { counts, env } = await freshTopics();
      if (setup !== 'at 6') await taxi(env, 'topics', 'grow', '--partitions', '12');
      const before = await counts();

      const { code, stderr, stdout } = await taxi(
        env,
        'topics',
        'grow',
        '--partitions',
        partitions,
      );

      expect(code).toBe(6);
      expect(stderr).toContain(why);
      expect(stderr.trim().split('\n')).toHaveLength(1);
      expect(stdout).toBe('');
      expect(await counts()).toEqual(before);
    },
  );

  it('when the topics do not exist, then it exits 3 naming them', async () => {
    const env = {
      KAFKA_BROKERS: testBrokers().join(','),
      KAFKA_TOPIC_PREFIX: `${uniqueName('none')}.`,
    };

    const { code, stderr } = await taxi(env, 'topics', 'grow', '--partitions', '12');

    expect(code).toBe(3);
    expect(stderr).toContain('no such topic');
  });
});
