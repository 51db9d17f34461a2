import { readWorkspaceFile } from './deploy-files';
import { composeSchemaErrors, composeService, publishedPorts, readCompose } from './compose';

const apps = ['rides', 'transaction', 'email', 'analytics', 'web'] as const;

describe('docker-compose.yml', () => {
  it('when validated against the compose specification, then it has no error', () => {
    expect(composeSchemaErrors(readCompose())).toEqual([]);
  });

  it('when a service has a misspelt key, then the validation names it', () => {
    const compose = readCompose();
    const broken = {
      ...compose,
      services: { ...compose.services, rides: { ...compose.services['rides'], enviroment: {} } },
    };

    expect(composeSchemaErrors(broken)).toEqual([
      '/services/rides must NOT have additional properties: enviroment',
    ]);
  });

  it('when a port is published, then only on 127.0.0.1: the sandbox is not offered to the network', () => {
    const ports = Object.values(readCompose().services).flatMap((service) => service.ports ?? []);

    expect(ports.length).toBeGreaterThan(0);
    for (const port of ports) expect(port).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
  });

  it('when Kafka starts, then it is the tested version, health-checked, on a named volume', () => {
    const kafka = composeService('kafka');

    expect(kafka.image).toBe(
      `apache/kafka:${readWorkspaceFile('tools/dev-env/kafka/VERSION').trim()}`,
    );
    expect(kafka.healthcheck?.test).toBeDefined();
    const [volume = ''] = kafka.volumes ?? [];
    expect(readCompose().volumes).toHaveProperty(volume.split(':')[0] ?? '');
    expect(volume.split(':')[1]).toBe(kafka.environment?.['KAFKA_LOG_DIRS']);
  });

  it('when containers and the host connect, then each uses a listener Kafka advertises to it', () => {
    const kafka = composeService('kafka');
    const advertised = String(kafka.environment?.['KAFKA_ADVERTISED_LISTENERS']).split(',');

    // Containers: the service name on the compose network.
    for (const app of apps)
      expect(advertised).toContain(
        `PLAINTEXT://${composeService(app).environment?.['KAFKA_BROKERS']}`,
      );
    // The host: localhost, on the published port.
    expect(advertised).toContain('PLAINTEXT_HOST://localhost:9092');
    expect(kafka.ports).toContain('127.0.0.1:9092:9092');
  });

  it.each(apps)(
    'when %s is built, then it comes from the one Dockerfile with its APP and starts after Kafka is healthy',
    (app) => {
      const { version } = JSON.parse(readWorkspaceFile('package.json')) as { version: string };
      const service = composeService(app);

      expect(service.build).toEqual({ context: '.', args: { APP: app } });
      expect(service.image).toBe(`ghcr.io/taxi-kafka/${app}:${version}`);
      expect(service.depends_on?.['kafka']).toEqual({ condition: 'service_healthy' });
    },
  );

  it('when email sends, then it goes to Mailpit, which is healthy before email starts', () => {
    const email = composeService('email');

    expect(email.environment?.['SMTP_URL']).toBe('smtp://mailpit:1025');
    expect(email.depends_on?.['mailpit']).toEqual({ condition: 'service_healthy' });
    expect(composeService('mailpit').healthcheck?.test).toBeDefined();
  });

  it('when a service traces, then it exports OTLP/HTTP to the Jaeger of the stack', () => {
    for (const app of ['rides', 'transaction', 'email', 'analytics'])
      expect(composeService(app).environment?.['OTEL_EXPORTER_OTLP_ENDPOINT']).toBe(
        'http://jaeger:4318',
      );
    expect(composeService('jaeger').image).toMatch(/^jaegertracing\/jaeger:2\.\d+\.\d+$/);
  });

  it('when the stack is up, then the documented ports are published on the host', () => {
    const published = Object.fromEntries(
      Object.entries(readCompose().services).map(([name, service]) => [
        name,
        publishedPorts(service),
      ]),
    );

    expect(published).toEqual({
      kafka: [9092],
      rides: [3000],
      transaction: [],
      email: [],
      analytics: [3003],
      web: [3004],
      mailpit: [8025],
      prometheus: [9090],
      grafana: [3100],
      jaeger: [16686],
    });
    for (const port of Object.values(published).flat())
      expect(readWorkspaceFile('docs/deploy.md')).toContain(`localhost:${port}`);
  });
});
