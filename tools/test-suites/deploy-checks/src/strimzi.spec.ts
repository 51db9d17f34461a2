import { allTopicSettings, topicsFor } from '@taxi/events';
import {
  findObject,
  ofKind,
  readWorkspaceFile,
  renderKustomization,
  type K8sObject,
} from './deploy-files';
import { kubernetesEnvironment } from './deployed-environments';
import {
  requiredFieldProblems,
  type Kafka,
  type KafkaNodePool,
  type KafkaTopic,
  type KafkaUser,
} from './k8s/strimzi';

const overlay = 'k8s/overlays/prod';
const objects = () => renderKustomization(overlay);
const theKafka = () => {
  const [kafka, ...more] = ofKind<Kafka>(objects(), 'Kafka');
  if (!kafka || more.length > 0) throw new Error(`${overlay} must hold exactly one Kafka`);
  return kafka;
};

describe('the Strimzi resources of the prod overlay', () => {
  it('when checked for what Strimzi requires, then nothing is missing', () => {
    expect(requiredFieldProblems(objects())).toEqual([]);
  });

  it('when the cluster is configured, then it runs the tested Kafka with replication 3 and min ISR 2', () => {
    const kafka = theKafka().spec?.kafka;

    expect(kafka?.version).toBe(readWorkspaceFile('tools/dev-env/kafka/VERSION').trim());
    expect(kafka?.config).toMatchObject({
      'default.replication.factor': 3,
      'min.insync.replicas': 2,
      'offsets.topic.replication.factor': 3,
      'transaction.state.log.replication.factor': 3,
      'transaction.state.log.min.isr': 2,
      'unclean.leader.election.enable': false,
      'auto.create.topics.enable': false,
    });
    expect(theKafka().spec?.entityOperator).toEqual({ topicOperator: {}, userOperator: {} });
  });

  it('when the node pools are counted, then there are 3 brokers and an odd quorum of controllers', () => {
    const pools = ofKind<KafkaNodePool>(objects(), 'KafkaNodePool');
    const nodes = (role: string) =>
      pools
        .filter((pool) => pool.spec?.roles?.includes(role))
        .reduce((sum, pool) => sum + (pool.spec?.replicas ?? 0), 0);

    expect(nodes('broker')).toBeGreaterThanOrEqual(3);
    expect(nodes('controller') % 2).toBe(1);
    expect(nodes('controller')).toBeGreaterThanOrEqual(3);
  });

  it('when Strimzi resources are listed, then each belongs to this Kafka cluster', () => {
    const cluster = theKafka().metadata.name;
    const others = objects()
      .filter((o) => ['KafkaNodePool', 'KafkaTopic', 'KafkaUser'].includes(o.kind))
      .filter((o) => o.metadata.labels?.['strimzi.io/cluster'] !== cluster)
      .map((o) => `${o.kind} ${o.metadata.name}`);

    expect(others).toEqual([]);
  });

  it('when topics are declared, then they are exactly libs/events, replicated 3 with min ISR 2', () => {
    const common = objects().find(
      (o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('taxi-common'),
    ) as (K8sObject & { data: Record<string, string> }) | undefined;
    const prefix = common?.data['KAFKA_TOPIC_PREFIX'] ?? '';
    const declared = ofKind<KafkaTopic>(objects(), 'KafkaTopic').map((topic) => ({
      name: topic.spec?.topicName ?? topic.metadata.name,
      k8sName: topic.metadata.name,
      partitions: topic.spec?.partitions,
      replicas: topic.spec?.replicas,
      config: Object.fromEntries(
        Object.entries(topic.spec?.config ?? {}).map(([key, value]) => [key, String(value)]),
      ),
    }));

    const expected = allTopicSettings(topicsFor(prefix)).map((topic) => ({
      name: topic.name,
      k8sName: topic.name.replaceAll('_', '-'),
      partitions: topic.partitions,
      replicas: 3,
      config: { ...topic.config, 'min.insync.replicas': '2' },
    }));
    const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
    expect(declared.sort(byName)).toEqual(expected.sort(byName));
  });

  it.each(['rides', 'transaction', 'email', 'analytics', 'web'] as const)(
    'when %s connects, then it uses the bootstrap Service, the listener mechanism, its own KafkaUser and the replication of the cluster',
    (service) => {
      const kafka = theKafka();
      const listener = kafka.spec?.kafka?.listeners?.find((l) => l.name === 'plain');
      const { variables } = kubernetesEnvironment(overlay, service);
      const value = (name: string) => variables[name]?.value;
      const user = value('KAFKA_SASL_USERNAME') ?? '';
      const kafkaUser = findObject<KafkaUser>(objects(), 'KafkaUser', user);

      expect(value('KAFKA_BROKERS')).toBe(
        `${kafka.metadata.name}-kafka-bootstrap:${listener?.port}`,
      );
      expect(value('KAFKA_SSL') ?? 'false').toBe(String(listener?.tls));
      // Topics a service creates (when one is missing) are made like the cluster's own.
      expect(value('KAFKA_REPLICATION_FACTOR')).toBe(
        String(kafka.spec?.kafka?.config?.['default.replication.factor']),
      );
      expect(value('KAFKA_MIN_INSYNC_REPLICAS')).toBe(
        String(kafka.spec?.kafka?.config?.['min.insync.replicas']),
      );
      expect(value('KAFKA_SASL_MECHANISM')).toBe(listener?.authentication?.type);
      expect(kafkaUser?.spec?.authentication?.type).toBe(listener?.authentication?.type);
      // The User Operator writes the password to a Secret named after the user, key `password`.
      expect(variables['KAFKA_SASL_PASSWORD']).toEqual({ secret: user, key: 'password' });
    },
  );
});

describe('the Strimzi checks themselves', () => {
  it('when resources lack what Strimzi requires, then each gap is named', () => {
    const crd = (kind: string, spec: object, labels = {}): K8sObject => ({
      apiVersion: 'kafka.strimzi.io/v1',
      kind,
      metadata: { name: 'x', labels },
      spec,
    });

    const problems = requiredFieldProblems([
      crd('Kafka', { kafka: { listeners: [{ name: 'plain', port: 9092, type: 'internal' }] } }),
      crd('KafkaNodePool', { replicas: 3, roles: ['broker'] }, { 'strimzi.io/cluster': 'c' }),
      crd('KafkaTopic', { partitions: 1 }),
      { ...crd('KafkaUser', {}), apiVersion: 'kafka.strimzi.io/v1beta2' },
    ]);

    expect(problems).toEqual([
      'Kafka x: listener 0 has no tls',
      'KafkaNodePool x: no spec.storage.type',
      'KafkaTopic x: no strimzi.io/cluster label',
      'KafkaUser x: not kafka.strimzi.io/v1',
    ]);
  });
});
