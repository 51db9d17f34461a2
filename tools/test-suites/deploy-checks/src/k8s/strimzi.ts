import type { K8sObject } from '../deploy-files';

/**
 * The Strimzi resources of the prod overlay, typed as far as these checks read them. The
 * Kubernetes schemas do not cover custom resources, so the checks here are explicit: the fields
 * Strimzi requires, and the settings the design depends on.
 */

export interface KafkaListener {
  name?: string;
  port?: number;
  type?: string;
  tls?: boolean;
  authentication?: { type?: string };
}
export type Kafka = K8sObject & {
  spec?: {
    kafka?: { version?: string; listeners?: KafkaListener[]; config?: Record<string, unknown> };
    entityOperator?: { topicOperator?: object; userOperator?: object };
  };
};
export type KafkaNodePool = K8sObject & {
  spec?: { replicas?: number; roles?: string[]; storage?: { type?: string } };
};
export type KafkaTopic = K8sObject & {
  spec?: {
    topicName?: string;
    partitions?: number;
    replicas?: number;
    config?: Record<string, unknown>;
  };
};
export type KafkaUser = K8sObject & { spec?: { authentication?: { type?: string } } };

const clusterLabel = (object: K8sObject) => object.metadata.labels?.['strimzi.io/cluster'];

/** Fields Strimzi requires (its CRDs' `required`, and what a KRaft cluster cannot do without). */
export const requiredFieldProblems = (objects: readonly K8sObject[]): string[] =>
  objects.flatMap((object) => {
    const where = `${object.kind} ${object.metadata.name}`;
    const missing = (what: string) => [`${where}: no ${what}`];
    if (!object.apiVersion.startsWith('kafka.strimzi.io/')) return [];
    if (object.apiVersion !== 'kafka.strimzi.io/v1') return [`${where}: not kafka.strimzi.io/v1`];
    switch (object.kind) {
      case 'Kafka': {
        const { spec } = object as Kafka;
        const listeners = spec?.kafka?.listeners ?? [];
        if (listeners.length === 0) return missing('spec.kafka.listeners');
        return listeners.flatMap((listener, index) =>
          (['name', 'port', 'type', 'tls'] as const)
            .filter((field) => listener[field] === undefined)
            .map((field) => `${where}: listener ${index} has no ${field}`),
        );
      }
      case 'KafkaNodePool': {
        const { spec } = object as KafkaNodePool;
        if (!clusterLabel(object)) return missing('strimzi.io/cluster label');
        if (spec?.replicas === undefined) return missing('spec.replicas');
        if (!spec.roles?.length) return missing('spec.roles');
        return spec.storage?.type ? [] : missing('spec.storage.type');
      }
      case 'KafkaTopic':
      case 'KafkaUser':
        return clusterLabel(object) ? [] : missing('strimzi.io/cluster label');
      default:
        return [`${where}: a Strimzi kind these checks do not know`];
    }
  });
