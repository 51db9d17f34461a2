import { findObject, overlays, renderKustomization, type K8sObject } from './deploy-files';

/**
 * The environment each k8s overlay gives a service, read from the manifests as Kubernetes reads
 * them (docker-compose.yml's are checked on the running stack: tools/test-suites/containers).
 */

/** An app's service name: its Kubernetes Deployment and container share it. */
export type DeployedService = string;

/** A variable's value, or the Secret it comes from (with its value when the manifests hold it). */
export type DeployedValue =
  | { readonly value: string }
  | { readonly secret: string; readonly key: string; readonly value?: string };

export interface DeployedEnvironment {
  readonly where: string;
  readonly variables: Readonly<Record<string, DeployedValue>>;
  /** Ports the deployment expects the service to listen on: published, scraped, routed. */
  readonly expectedPorts: readonly { readonly what: string; readonly port: number }[];
  /** What the reader cannot follow, so cannot vouch for (env_file, fieldRef, ...). */
  readonly unreadable: readonly string[];
}

// ---- Kubernetes --------------------------------------------------------------------------

interface KeyRef {
  name: string;
  key: string;
}
interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { configMapKeyRef?: KeyRef; secretKeyRef?: KeyRef; [source: string]: unknown };
}
interface Container {
  name: string;
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  ports?: { name?: string; containerPort: number }[];
}
type Deployment = K8sObject & {
  spec: {
    template: {
      metadata?: { annotations?: Record<string, string> };
      spec: { containers: Container[] };
    };
  };
};
type ConfigMap = K8sObject & { data?: Record<string, string> };
type Secret = K8sObject & { data?: Record<string, string>; stringData?: Record<string, string> };
type Service = K8sObject & { spec: { ports?: { targetPort?: number | string }[] } };

const secretData = (secret: Secret): Record<string, string> => ({
  ...Object.fromEntries(
    Object.entries(secret.data ?? {}).map(([key, value]) => [
      key,
      Buffer.from(value, 'base64').toString('utf8'),
    ]),
  ),
  ...secret.stringData,
});

/** The container's variables in Kubernetes' order of precedence: envFrom in order, then env. */
const containerVariables = (objects: K8sObject[], container: Container) => {
  const variables: Record<string, DeployedValue> = {};
  const unreadable: string[] = [];
  const configMap = (name: string) => findObject<ConfigMap>(objects, 'ConfigMap', name);
  const secret = (name: string) => findObject<Secret>(objects, 'Secret', name);
  for (const source of container.envFrom ?? []) {
    if (source.configMapRef) {
      const data = configMap(source.configMapRef.name)?.data;
      if (!data) unreadable.push(`envFrom ConfigMap ${source.configMapRef.name}: not rendered`);
      for (const [name, value] of Object.entries(data ?? {})) variables[name] = { value };
    } else if (source.secretRef) {
      const found = secret(source.secretRef.name);
      if (!found) unreadable.push(`envFrom Secret ${source.secretRef.name}: its keys are unknown`);
      for (const [name, value] of Object.entries(found ? secretData(found) : {}))
        variables[name] = { secret: source.secretRef.name, key: name, value };
    }
  }
  for (const variable of container.env ?? []) {
    const { configMapKeyRef, secretKeyRef } = variable.valueFrom ?? {};
    if (variable.value !== undefined) variables[variable.name] = { value: variable.value };
    else if (configMapKeyRef) {
      const value = configMap(configMapKeyRef.name)?.data?.[configMapKeyRef.key];
      if (value === undefined) unreadable.push(`${variable.name}: ConfigMap key not rendered`);
      else variables[variable.name] = { value };
    } else if (secretKeyRef) {
      const found = secret(secretKeyRef.name);
      variables[variable.name] = {
        secret: secretKeyRef.name,
        key: secretKeyRef.key,
        ...(found && { value: secretData(found)[secretKeyRef.key] }),
      };
    } else unreadable.push(`${variable.name}: a valueFrom this check does not follow`);
  }
  return { variables, unreadable };
};

export const kubernetesEnvironment = (
  overlay: string,
  service: DeployedService,
): DeployedEnvironment => {
  const objects = renderKustomization(overlay);
  const deployment = findObject<Deployment>(objects, 'Deployment', service);
  const container = deployment?.spec.template.spec.containers.find((c) => c.name === service);
  if (!deployment || !container)
    throw new Error(`${overlay} has no Deployment ${service} with a container ${service}`);
  const containerPorts = container.ports ?? [];
  const byName = (port: number | string | undefined) =>
    typeof port === 'string' ? containerPorts.find((p) => p.name === port)?.containerPort : port;
  const annotation = deployment.spec.template.metadata?.annotations?.['prometheus.io/port'];
  const servicePorts = findObject<Service>(objects, 'Service', service)?.spec.ports ?? [];
  return {
    where: overlay,
    ...containerVariables(objects, container),
    expectedPorts: [
      ...containerPorts.map((p) => ({
        what: `containerPort ${p.name ?? ''}`,
        port: p.containerPort,
      })),
      ...(annotation ? [{ what: 'prometheus.io/port annotation', port: Number(annotation) }] : []),
      ...servicePorts.map((p) => ({
        what: 'Service targetPort',
        port: byName(p.targetPort) ?? NaN,
      })),
    ],
  };
};

// ---- all of them ----------------------------------------------------------------------------

/** Every k8s overlay, for one service. */
export const deployedEnvironments = (service: DeployedService): DeployedEnvironment[] =>
  overlays().map((overlay) => kubernetesEnvironment(overlay, service));
