import type { K8sObject } from '../deploy-files';

/**
 * Rules the Kubernetes schemas do not express but every workload here must follow: an image
 * with a pinned tag, probes, requests and limits, and a locked-down security context.
 */

interface SecurityContext {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  readOnlyRootFilesystem?: boolean;
  allowPrivilegeEscalation?: boolean;
  capabilities?: { drop?: string[]; add?: string[] };
  seccompProfile?: { type?: string };
}
interface Container {
  name: string;
  image?: string;
  readinessProbe?: unknown;
  livenessProbe?: unknown;
  resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
  securityContext?: SecurityContext;
}
export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  securityContext?: SecurityContext;
  enableServiceLinks?: boolean;
  automountServiceAccountToken?: boolean;
}

const workloadKinds = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'ReplicaSet']);

/** The pod template of a workload (CronJob and bare Pods are not used here, and rejected). */
export const podSpecOf = (object: K8sObject): PodSpec | undefined => {
  if (!workloadKinds.has(object.kind)) return undefined;
  return (object as { spec?: { template?: { spec?: PodSpec } } }).spec?.template?.spec;
};

const containerProblems = (pod: PodSpec, container: Container, isInit: boolean): string[] => {
  const problems: string[] = [];
  const pick = <K extends keyof SecurityContext>(key: K) =>
    container.securityContext?.[key] ?? pod.securityContext?.[key];
  if (!container.image) problems.push('no image');
  else if (!/:[^/]+$|@sha256:/.test(container.image) || container.image.endsWith(':latest'))
    problems.push(`image ${container.image} has no pinned tag`);
  if (!isInit && !container.readinessProbe) problems.push('no readinessProbe');
  if (!isInit && !container.livenessProbe) problems.push('no livenessProbe');
  for (const resource of ['cpu', 'memory'])
    if (container.resources?.requests?.[resource] === undefined)
      problems.push(`no ${resource} request`);
  for (const resource of ['cpu', 'memory'])
    if (container.resources?.limits?.[resource] === undefined)
      problems.push(`no ${resource} limit`);
  if (pick('runAsNonRoot') !== true) problems.push('runAsNonRoot is not true');
  if (pick('runAsUser') === 0) problems.push('runs as uid 0');
  if (container.securityContext?.readOnlyRootFilesystem !== true)
    problems.push('readOnlyRootFilesystem is not true');
  if (container.securityContext?.allowPrivilegeEscalation !== false)
    problems.push('allowPrivilegeEscalation is not false');
  if (!container.securityContext?.capabilities?.drop?.includes('ALL'))
    problems.push('capabilities do not drop ALL');
  if ((container.securityContext?.capabilities?.add ?? []).length > 0)
    problems.push('adds capabilities');
  if (!['RuntimeDefault', 'Localhost'].includes(pick('seccompProfile')?.type ?? ''))
    problems.push('no RuntimeDefault seccomp profile');
  return problems;
};

/** Every rule broken by a workload's pod, as "<Kind> <name> <container>: <problem>". */
export const workloadProblems = (object: K8sObject): string[] => {
  const pod = podSpecOf(object);
  if (!pod) return [];
  const where = `${object.kind} ${object.metadata.name}`;
  const problems: string[] = [];
  // Service links add variables (KAFKA_PORT=tcp://...) that the manifests do not show.
  if (pod.enableServiceLinks !== false) problems.push(`${where}: enableServiceLinks is not false`);
  if (pod.automountServiceAccountToken !== false)
    problems.push(`${where}: mounts a service account token it does not use`);
  const all = [
    ...(pod.initContainers ?? []).map((container) => ({ container, isInit: true })),
    ...pod.containers.map((container) => ({ container, isInit: false })),
  ];
  for (const { container, isInit } of all)
    for (const problem of containerProblems(pod, container, isInit))
      problems.push(`${where} ${container.name}: ${problem}`);
  return problems;
};
