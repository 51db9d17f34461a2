import type { K8sObject } from '../deploy-files';

/**
 * Answers "may this pod talk to that one on this port?" from NetworkPolicy objects, the way a
 * CNI plugin that enforces them does (no policy selecting a pod: everything allowed; otherwise
 * only what some policy allows). Enough of the API for the policies here: pod and namespace
 * selectors with matchLabels, ipBlock, numeric ports.
 */

export interface Endpoint {
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
}
/** Outside the cluster: reachable only through an ipBlock. */
export const outside = { namespace: '', labels: {} } as const;

interface Selector {
  matchLabels?: Record<string, string>;
  matchExpressions?: unknown[];
}
interface Peer {
  podSelector?: Selector;
  namespaceSelector?: Selector;
  ipBlock?: { cidr: string };
}
interface Rule {
  ports?: { port?: number; protocol?: string }[];
  to?: Peer[];
  from?: Peer[];
}
type NetworkPolicy = K8sObject & {
  metadata: { namespace?: string };
  spec: {
    podSelector: Selector;
    policyTypes?: ('Ingress' | 'Egress')[];
    ingress?: Rule[];
    egress?: Rule[];
  };
};

const matches = (selector: Selector | undefined, labels: Readonly<Record<string, string>>) => {
  if (selector?.matchExpressions?.length) throw new Error('matchExpressions are not supported');
  return Object.entries(selector?.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
};

const peerMatches = (peer: Peer, policyNamespace: string, other: Endpoint) => {
  if (peer.ipBlock) return other === outside;
  if (other === outside) return false;
  const namespaceLabels = { 'kubernetes.io/metadata.name': other.namespace };
  const namespaceOk = peer.namespaceSelector
    ? matches(peer.namespaceSelector, namespaceLabels)
    : other.namespace === policyNamespace;
  return namespaceOk && matches(peer.podSelector, other.labels);
};

const ruleAllows = (
  rule: Rule,
  peers: Peer[] | undefined,
  namespace: string,
  other: Endpoint,
  port: number,
  protocol: string,
) =>
  (rule.ports ?? [{}]).some(
    (p) => (p.port ?? port) === port && (p.protocol ?? 'TCP') === protocol,
  ) &&
  (peers === undefined ||
    peers.length === 0 ||
    peers.some((peer) => peerMatches(peer, namespace, other)));

const allows = (
  objects: readonly K8sObject[],
  direction: 'Ingress' | 'Egress',
  pod: Endpoint,
  other: Endpoint,
  port: number,
  protocol: string,
) => {
  const policies = (objects.filter((o) => o.kind === 'NetworkPolicy') as NetworkPolicy[]).filter(
    (policy) =>
      (policy.metadata.namespace ?? pod.namespace) === pod.namespace &&
      matches(policy.spec.podSelector, pod.labels) &&
      (policy.spec.policyTypes ?? ['Ingress']).includes(direction),
  );
  if (policies.length === 0) return true;
  return policies.some((policy) => {
    const namespace = policy.metadata.namespace ?? pod.namespace;
    const rules = (direction === 'Egress' ? policy.spec.egress : policy.spec.ingress) ?? [];
    return rules.some((rule) =>
      ruleAllows(
        rule,
        direction === 'Egress' ? rule.to : rule.from,
        namespace,
        other,
        port,
        protocol,
      ),
    );
  });
};

/** Whether a connection from → to:port is allowed by both sides' policies. */
export const connectionAllowed = (
  objects: readonly K8sObject[],
  from: Endpoint,
  to: Endpoint,
  port: number,
  protocol = 'TCP',
): boolean =>
  (from === outside || allows(objects, 'Egress', from, to, port, protocol)) &&
  (to === outside || allows(objects, 'Ingress', to, from, port, protocol));
