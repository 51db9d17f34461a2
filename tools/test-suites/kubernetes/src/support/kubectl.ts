import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { workspaceRoot } from '@taxi/stack-harness';

/** The namespace both overlays deploy into. */
export const NAMESPACE = 'taxi-kafka';

/** The folder test.sh gives the suite: the cluster's state, figures, the binaries' folder. */
export const work = (): string => {
  const dir = process.env['TAXI_K8S_WORK'];
  if (!dir || !process.env['KUBECONFIG'])
    throw new Error('run the cluster suite through tools/test-suites/kubernetes/test.sh');
  return dir;
};

/**
 * kubectl (the cluster's own version, first on PATH) against the cluster of KUBECONFIG, with
 * `input` on its stdin (for `-f -`). Fails with kubectl's own message and the command when it
 * exits non-zero.
 */
export const kubectlWithInput = (input: string, ...args: string[]): Promise<string> =>
  new Promise((resolve, reject) => {
    const child = spawn('kubectl', args, { cwd: workspaceRoot, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve(stdout)
        : reject(new Error(`kubectl ${args.join(' ')}: ${stderr.trim() || `exit ${code}`}`)),
    );
    child.stdin.end(input);
  });

export const kubectl = (...args: string[]): Promise<string> => kubectlWithInput('', ...args);

/** `kubectl -n taxi-kafka ARGS -o json`, parsed. */
export const getJson = async <T>(...args: string[]): Promise<T> =>
  JSON.parse(await kubectl('-n', NAMESPACE, ...args, '-o', 'json')) as T;

export interface Container {
  name: string;
  image: string;
  resources?: { limits?: Record<string, string>; requests?: Record<string, string> };
  securityContext?: {
    runAsNonRoot?: boolean;
    runAsUser?: number;
    readOnlyRootFilesystem?: boolean;
    allowPrivilegeEscalation?: boolean;
    capabilities?: { drop?: string[]; add?: string[] };
  };
}

export interface Pod {
  metadata: { name: string; labels: Record<string, string>; deletionTimestamp?: string };
  spec: {
    containers: Container[];
    initContainers?: Container[];
    securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
  };
  status: {
    phase: string;
    podIP?: string;
    conditions?: { type: string; status: string }[];
    containerStatuses?: {
      name: string;
      ready: boolean;
      restartCount: number;
      state?: { waiting?: { reason?: string } };
      lastState?: { terminated?: { reason?: string; exitCode?: number } };
    }[];
  };
}

export const isReady = (pod: Pod): boolean =>
  !pod.metadata.deletionTimestamp &&
  (pod.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

/** The pods of one app (its app.kubernetes.io/name label). */
export const podsOf = async (app: string): Promise<Pod[]> =>
  (await getJson<{ items: Pod[] }>('get', 'pods', '-l', `app.kubernetes.io/name=${app}`)).items;

/** A figure the suite measured: printed now, and by test.sh at the end with the others. */
export const recordFigure = (line: string): void => {
  appendFileSync(path.join(work(), 'figures.txt'), `  ${line}\n`);
  process.stdout.write(`figure: ${line}\n`);
};

/**
 * The namespace's pods that restarted or wait to (CrashLoopBackOff), one line each, for a failure
 * message: rides missing because a service cannot start say so, not only that rides are missing.
 */
export const troubledPods = async (): Promise<string[]> =>
  (await getJson<{ items: Pod[] }>('get', 'pods')).items.flatMap((pod) =>
    (pod.status.containerStatuses ?? [])
      .filter((c) => c.restartCount > 0 || c.state?.waiting?.reason)
      .map((c) => {
        const last = c.lastState?.terminated;
        return (
          `${pod.metadata.name}: ${c.restartCount} restarts` +
          (c.state?.waiting?.reason ? `, ${c.state.waiting.reason}` : '') +
          (last ? `, last exit ${last.exitCode ?? '?'} (${last.reason ?? '?'})` : '')
        );
      }),
  );
