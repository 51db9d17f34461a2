import { planCompose, planImages, type ComposeConfig } from './compose-plan';

const app = (name: string) => ({
  image: `ghcr.io/taxi-kafka/${name}:0.1.0`,
  build: { context: '.', args: { APP: name } },
  depends_on: { kafka: {} },
});

describe('planCompose', () => {
  it('when a service is built with --build-arg APP, then it is an app image built from the Dockerfile', () => {
    const plan = planCompose({ services: { web: app('web') } });

    expect(plan.services).toEqual([
      { kind: 'app', service: 'web', app: 'web', image: 'ghcr.io/taxi-kafka/web:0.1.0' },
    ]);
  });

  it('when a service runs a third-party image, then only its image name is overridden with a stand-in', () => {
    const config: ComposeConfig = {
      services: { kafka: { image: 'apache/kafka:4.3.1' }, rides: app('rides') },
    };

    const plan = planCompose(config);

    expect(plan.override).toEqual({
      services: {
        kafka: { image: 'localhost/taxi-stand-in/kafka:for-4.3.1' },
        rides: { image: 'ghcr.io/taxi-kafka/rides:0.1.0' },
      },
    });
    expect(plan.run).toEqual(['kafka', 'rides']);
  });

  it('when a service publishes ports, then the override moves them to ephemeral host ports on 127.0.0.1', () => {
    const config: ComposeConfig = {
      services: {
        rides: {
          ...app('rides'),
          ports: [{ target: 3000, published: '3000', host_ip: '127.0.0.1', protocol: 'tcp' }],
        },
        transaction: app('transaction'),
      },
    };

    const plan = planCompose(config);

    expect(plan.override.services).toEqual({
      rides: {
        image: 'ghcr.io/taxi-kafka/rides:0.1.0',
        ports: [{ target: 3000, host_ip: '127.0.0.1', protocol: 'tcp' }],
      },
      transaction: { image: 'ghcr.io/taxi-kafka/transaction:0.1.0' },
    });
  });

  it('when an image cannot be had here, then its service is left out, saying why', () => {
    const plan = planCompose({ services: { grafana: { image: 'grafana/grafana:12.3.1' } } });

    expect(plan.services).toEqual([
      {
        kind: 'left-out',
        service: 'grafana',
        why: expect.stringMatching(/^grafana\/grafana:12.3.1: /),
      },
    ]);
    expect(plan.run).toEqual([]);
  });

  it('when a service needs one that is left out, then the plan fails naming both', () => {
    const config: ComposeConfig = {
      services: {
        grafana: { image: 'grafana/grafana:12.3.1' },
        rides: { ...app('rides'), depends_on: { grafana: {} } },
      },
    };

    expect(() => planCompose(config)).toThrow(
      'service rides depends on grafana, which cannot run here',
    );
  });

  it('when an image has no stand-in, then the plan fails saying where to add one', () => {
    const config: ComposeConfig = { services: { cache: { image: 'redis:8' } } };

    expect(() => planCompose(config)).toThrow(/service cache runs redis:8.*add a stand-in/);
  });
});

describe('planImages', () => {
  it('when manifests name images of the project registry and third-party ones, then the first are apps and the others stand-ins under the names they replace', () => {
    const plan = planImages([
      'ghcr.io/taxi-kafka/rides:0.1.0',
      'apache/kafka:4.3.1',
      'ghcr.io/taxi-kafka/rides:0.1.0',
      'axllent/mailpit:v1.28.2',
    ]);

    expect(plan).toEqual([
      {
        kind: 'stand-in',
        service: 'apache/kafka:4.3.1',
        standIn: 'kafka',
        replaces: 'apache/kafka:4.3.1',
        image: 'localhost/taxi-stand-in/kafka:for-4.3.1',
      },
      {
        kind: 'stand-in',
        service: 'axllent/mailpit:v1.28.2',
        standIn: 'mailpit',
        replaces: 'axllent/mailpit:v1.28.2',
        image: 'localhost/taxi-stand-in/mailpit:for-v1.28.2',
      },
      {
        kind: 'app',
        service: 'ghcr.io/taxi-kafka/rides:0.1.0',
        app: 'rides',
        image: 'ghcr.io/taxi-kafka/rides:0.1.0',
      },
    ]);
  });

  it('when an image has neither an app nor a stand-in, then planning fails naming it', () => {
    expect(() => planImages(['quay.io/someone/unknown:1'])).toThrow(/quay.io\/someone\/unknown:1/);
  });
});
