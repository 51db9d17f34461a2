/**
 * What the container test does with each service of docker-compose.yml, read from
 * `docker compose config --format json` (the file as Compose resolves it: anchors, merges,
 * defaults). Generic over the services: an app is any service built with `--build-arg APP`,
 * a third-party image gets its stand-in from the table below, and an image nobody can build here
 * is left out, saying why. An image in neither table stops the test: add a stand-in for it.
 */

export interface ComposeConfig {
  readonly name?: string;
  readonly services: Readonly<Record<string, ComposeService>>;
}
interface ComposeService {
  readonly image?: string;
  readonly build?: { readonly context?: string; readonly args?: Record<string, string | null> };
  readonly depends_on?: Readonly<Record<string, unknown>>;
  readonly ports?: readonly ComposePort[];
}
/** A published port as `docker compose config` writes it (long syntax). */
interface ComposePort {
  readonly target: number;
  readonly published?: string;
  readonly host_ip?: string;
  readonly protocol?: string;
}
/** The same port published on an ephemeral host port: the test finds it with `compose port`. */
export interface EphemeralPort {
  readonly target: number;
  readonly host_ip: string;
  readonly protocol: string;
}

export type ServicePlan =
  | { readonly kind: 'app'; readonly service: string; readonly app: string; readonly image: string }
  | {
      readonly kind: 'stand-in';
      readonly service: string;
      /** The folder under tools/test-suites/containers/stand-ins that builds it. */
      readonly standIn: string;
      readonly replaces: string;
      readonly image: string;
    }
  | { readonly kind: 'left-out'; readonly service: string; readonly why: string };

export interface Plan {
  readonly services: readonly ServicePlan[];
  /**
   * The compose override: image names, and each published port moved to an ephemeral host port
   * on 127.0.0.1 (written with `!override`, so it replaces the file's list), so that a port in
   * use on the machine (a developer's own broker on 9092) cannot stop the test.
   */
  readonly override: {
    services: Record<string, { image: string; ports?: readonly EphemeralPort[] }>;
  };
  /** The services to start (everything not left out). */
  readonly run: readonly string[];
}

/** Official images (repository, without tag) → the stand-in built for them here. */
export const standIns: Readonly<Record<string, string>> = {
  'apache/kafka': 'kafka',
  'axllent/mailpit': 'mailpit',
  'jaegertracing/jaeger': 'jaeger',
  'prom/prometheus': 'prometheus',
};

/** Official images that cannot be had on a machine without an image registry, and why. */
export const cannotBeHad: Readonly<Record<string, string>> = {
  'grafana/grafana':
    'no image registry is reachable, and neither Debian nor the npm, Maven or Go registries carry a Grafana server',
};

const repository = (image: string) => image.replace(/^docker\.io\/(library\/)?/, '').split(':')[0];
const tag = (image: string) => (image.includes(':') ? image.split(':').at(-1) : 'latest');

const planService = (service: string, definition: ComposeService): ServicePlan => {
  const app = definition.build?.args?.['APP'];
  const image = definition.image ?? '';
  if (app) return { kind: 'app', service, app, image: image || `taxi-kafka/${app}:local` };
  const repo = repository(image) ?? '';
  const standIn = standIns[repo];
  if (standIn) {
    const standInImage = `localhost/taxi-stand-in/${standIn}:for-${tag(image)}`;
    return { kind: 'stand-in', service, standIn, replaces: image, image: standInImage };
  }
  const why = cannotBeHad[repo];
  if (why) return { kind: 'left-out', service, why: `${image}: ${why}` };
  throw new Error(
    `service ${service} runs ${image || '(no image)'}, which the container test cannot build: ` +
      'add a stand-in to tools/test-suites/containers (stand-ins/ and the table in src/compose-plan.ts)',
  );
};

/** The registry the project's own images are published under: `<registry>/<app>:<tag>`. */
export const APP_REGISTRY = 'ghcr.io/taxi-kafka/';

/**
 * The same decisions for a list of image names, as Kubernetes manifests name them (the cluster
 * test): an image of the project's registry is the app of that name, built from the Dockerfile;
 * any other gets its stand-in, or is left out saying why. The service of each line is the image.
 */
export const planImages = (images: readonly string[]): ServicePlan[] =>
  [...new Set(images)].sort().map((image) => {
    const app = image.startsWith(APP_REGISTRY)
      ? (repository(image) ?? '').slice(APP_REGISTRY.length)
      : undefined;
    return planService(image, {
      image,
      ...(app ? { build: { context: '.', args: { APP: app } } } : {}),
    });
  });

const ephemeral = (ports: readonly ComposePort[]): EphemeralPort[] =>
  ports.map(({ target, protocol }) => ({
    target,
    host_ip: '127.0.0.1',
    protocol: protocol ?? 'tcp',
  }));

export const planCompose = (config: ComposeConfig): Plan => {
  const services = Object.entries(config.services)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, definition]) => planService(name, definition));
  const leftOut = new Set(services.filter((s) => s.kind === 'left-out').map((s) => s.service));
  for (const [name, definition] of Object.entries(config.services))
    for (const dependency of Object.keys(definition.depends_on ?? {}))
      if (!leftOut.has(name) && leftOut.has(dependency))
        throw new Error(`service ${name} depends on ${dependency}, which cannot run here`);
  return {
    services,
    override: {
      services: Object.fromEntries(
        services.flatMap((s) => {
          if (s.kind === 'left-out') return [];
          const ports = config.services[s.service]?.ports;
          return [[s.service, { image: s.image, ...(ports ? { ports: ephemeral(ports) } : {}) }]];
        }),
      ),
    },
    run: services.filter((s) => s.kind !== 'left-out').map((s) => s.service),
  };
};
