import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { workspaceRoot } from './workspace';

/** A span as the collector exported it (OTLP JSON), with its service's name. */
export interface ExportedSpan {
  readonly service: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string;
  readonly name: string;
  /** OTLP span kinds: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  readonly kind: number;
  readonly attributes: Readonly<Record<string, string | number | boolean>>;
  readonly links: readonly { traceId: string; spanId: string }[];
  readonly status: { readonly code?: number };
}

export const SpanKind = { server: 2, client: 3, producer: 4, consumer: 5 } as const;

interface OtlpValue {
  stringValue?: string;
  intValue?: string;
  doubleValue?: number;
  boolValue?: boolean;
}
interface OtlpAttribute {
  key: string;
  value: OtlpValue;
}
interface OtlpLine {
  resourceSpans?: {
    resource?: { attributes?: OtlpAttribute[] };
    scopeSpans?: {
      spans?: (Omit<ExportedSpan, 'service' | 'attributes'> & { attributes?: OtlpAttribute[] })[];
    }[];
  }[];
}

const valueOf = (value: OtlpValue): string | number | boolean =>
  value.stringValue ??
  (value.intValue !== undefined ? Number(value.intValue) : undefined) ??
  value.doubleValue ??
  value.boolValue ??
  '';

const attributesOf = (attributes: readonly OtlpAttribute[] = []) =>
  Object.fromEntries(attributes.map((attribute) => [attribute.key, valueOf(attribute.value)]));

/** Parses the file exporter's output: one OTLP JSON export request per line. */
export const parseExportedSpans = (text: string): ExportedSpan[] =>
  text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .flatMap((line) =>
      ((JSON.parse(line) as OtlpLine).resourceSpans ?? []).flatMap((resourceSpans) => {
        const service = String(attributesOf(resourceSpans.resource?.attributes)['service.name']);
        return (resourceSpans.scopeSpans ?? []).flatMap((scope) =>
          (scope.spans ?? []).map((span) => ({
            service,
            traceId: span.traceId,
            spanId: span.spanId,
            parentSpanId: span.parentSpanId ?? '',
            name: span.name,
            kind: span.kind,
            attributes: attributesOf(span.attributes),
            links: (span.links ?? []).map(({ traceId, spanId }) => ({ traceId, spanId })),
            status: span.status ?? {},
          })),
        );
      }),
    );

const freePort = async (): Promise<number> => {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
};

/**
 * A real OpenTelemetry Collector (built from the Go module proxy by tools/test-infra/otel/build-collector.sh,
 * cached outside the repo) receiving OTLP/HTTP on loopback and writing every span it receives
 * to a file as OTLP JSON.
 */
export class OtelCollector {
  private constructor(
    private readonly child: ChildProcess,
    private readonly directory: string,
    /** The OTLP/HTTP endpoint, for OTEL_EXPORTER_OTLP_ENDPOINT. */
    readonly endpoint: string,
    private readonly keepsSpans: boolean,
  ) {}

  /**
   * `keepSpans: false` discards what it receives (for the bench: services export as in
   * production, and the collector spends no disk on it).
   */
  static async start({ keepSpans = true } = {}): Promise<OtelCollector> {
    const { stdout } = await promisify(execFile)(
      'bash',
      [path.join(workspaceRoot, 'tools/test-infra/otel/build-collector.sh')],
      { maxBuffer: 1 << 20 },
    );
    const binary = stdout.trim().split('\n').pop() ?? '';
    const directory = await mkdtemp(path.join(tmpdir(), 'otelcol-'));
    const port = await freePort();
    const config = {
      receivers: { otlp: { protocols: { http: { endpoint: `127.0.0.1:${port}` } } } },
      exporters: {
        file: {
          path: keepSpans ? path.join(directory, 'spans.jsonl') : '/dev/null',
          flush_interval: '100ms',
        },
      },
      service: {
        // No metrics endpoint of its own: it would take a fixed port (8888) from other runs.
        telemetry: { metrics: { level: 'none' } },
        pipelines: { traces: { receivers: ['otlp'], exporters: ['file'] } },
      },
    };
    const configFile = path.join(directory, 'config.json');
    // JSON is YAML: the collector reads it through its yaml: provider.
    await writeFile(configFile, JSON.stringify(config));
    const child = spawn(binary, ['--config', `file:${configFile}`], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const collector = new OtelCollector(child, directory, `http://127.0.0.1:${port}`, keepSpans);
    await collector.ready();
    return collector;
  }

  private ready(): Promise<void> {
    const output: string[] = [];
    const { stderr } = this.child;
    if (!stderr) throw new Error('collector: no stderr pipe');
    return new Promise((resolve, reject) => {
      const lines = createInterface({ input: stderr });
      lines.on('line', (line) => {
        output.push(line);
        if (line.includes('Everything is ready')) resolve();
      });
      this.child.once('exit', (code) =>
        reject(new Error(`collector exited (${code}) before it was ready\n${output.join('\n')}`)),
      );
    });
  }

  /** Every span exported so far. */
  async spans(): Promise<ExportedSpan[]> {
    const text = await readFile(path.join(this.directory, 'spans.jsonl'), 'utf8').catch(
      (error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? '' : Promise.reject(error)),
    );
    return parseExportedSpans(text);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      await once(this.child, 'exit');
    }
    // E2E_LOG_DIR=<dir> keeps the spans, as it keeps the services' logs (support/service-process).
    const logDir = process.env['E2E_LOG_DIR'];
    if (logDir && this.keepsSpans) {
      await mkdir(logDir, { recursive: true });
      await copyFile(path.join(this.directory, 'spans.jsonl'), path.join(logDir, 'spans.jsonl'));
    }
    await rm(this.directory, { recursive: true, force: true });
  }
}
