import {
  findObject,
  overlays,
  readWorkspaceYaml,
  renderKustomization,
  type K8sObject,
} from './deploy-files';

/**
 * The environment each deployment (docker-compose.yml, every k8s overlay) gives a service, read
 * from the files as Docker Compose and Kubernetes read them.
 */

/** An app's service name: its compose service and its Kubernetes Deployment share it. */
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

// ---- docker-compose.yml ------------------------------------------------------------------

interface ComposeFile {
  services: Record<string, ComposeService | undefined>;
}
interface ComposeService {
  environment?: Record<string, string | number | boolean | null> | string[];
  env_file?: unknown;
  ports?: (string | { target: number })[];
}
interface PrometheusConfig {
  scrape_configs: { job_name: string; static_configs?: { targets: string[] }[] }[];
}

const composeVariables = (environment: ComposeService['environment'] = {}) =>
  Array.isArray(environment)
    ? environment.map((entry) => {
        const [name = '', ...value] = entry.split('=');
        return [name, value.length > 0 ? value.join('=') : null] as const;
      })
    : Object.entries(environment);

const publishedTargets = (ports: ComposeService['ports'] = []): number[] =>
  ports.map((entry) =>
    typeof entry === 'string' ? Number(entry.split('/')[0]?.split(':').at(-1)) : entry.target,
  );

const scrapedPorts = (service: string): number[] =>
  readWorkspaceYaml<PrometheusConfig>('deploy/prometheus/prometheus.yml')
    .scrape_configs.flatMap((job) => job.static_configs ?? [])
    .flatMap((group) => group.targets)
    .filter((target) => target.startsWith(`${service}:`))
    .map((target) => Number(target.split(':')[1]));

export const composeEnvironment = (service: DeployedService): DeployedEnvironment => {
  const definition = readWorkspaceYaml<ComposeFile>('docker-compose.yml').services[service];
  if (!definition) throw new Error(`docker-compose.yml has no service ${service}`);
  const unreadable: string[] = [];
  if (definition.env_file !== undefined) unreadable.push('env_file: variables outside the file');
  const variables: Record<string, DeployedValue> = {};
  for (const [name, value] of composeVariables(definition.environment)) {
    if (value === null) unreadable.push(`${name}: passed through from the host's environment`);
    else variables[name] = { value: String(value) };
  }
  return {
    where: 'docker-compose.yml',
    variables,
    expectedPorts: [
      ...publishedTargets(definition.ports).map((port) => ({ what: 'published port', port })),
      ...scrapedPorts(service).map((port) => ({ what: 'Prometheus scrape target', port })),
    ],
    unreadable,
  };
};

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

/** Compose and every k8s overlay, for one service. */
export const deployedEnvironments = (service: DeployedService): DeployedEnvironment[] => [
  composeEnvironment(service),
  ...overlays().map((overlay) => kubernetesEnvironment(overlay, service)),
];
