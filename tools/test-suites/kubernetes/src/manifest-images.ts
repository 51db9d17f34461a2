import { spawnSync } from 'node:child_process';
import { parseAllDocuments } from 'yaml';

/**
 * Every image the pods of some rendered manifests run (containers and init containers, of pods
 * and of any workload's pod template), each once, sorted.
 */
export const imagesOf = (manifests: string): string[] => {
  const images = new Set<string>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (typeof value !== 'object' || value === null) return;
    for (const [key, child] of Object.entries(value)) {
      if ((key === 'containers' || key === 'initContainers') && Array.isArray(child))
        for (const container of child as { image?: unknown }[])
          if (typeof container.image === 'string') images.add(container.image);
      visit(child);
    }
  };
  for (const document of parseAllDocuments(manifests)) {
    if (document.errors.length > 0) throw new Error(document.errors.join('\n'));
    visit(document.toJS());
  }
  return [...images].sort();
};

/** `kubectl kustomize DIR`, the overlay as `kubectl apply -k` renders it. */
export const renderOverlay = (dir: string, cwd: string): string => {
  const run = spawnSync('kubectl', ['kustomize', dir], { cwd, encoding: 'utf8' });
  if (run.error) throw new Error(`kubectl is needed to render ${dir}: ${run.error.message}`);
  if (run.status !== 0) throw new Error(`kubectl kustomize ${dir} failed:\n${run.stderr}`);
  return run.stdout;
};
