import { createKafka, redrive } from '@taxi/kafka';
import { ConfigError, createLogger, kafkaConnection, loadConfig } from '@taxi/service-kit';
import { parseRedriveArgs, USAGE } from './args';
import { redriveEnv } from './config';

const main = async (): Promise<number> => {
  const args = parseRedriveArgs(process.argv.slice(2));
  if ('error' in args) {
    process.stderr.write(`redrive: ${args.error}\n\n${USAGE}\n`);
    return 2;
  }
  let config;
  try {
    config = loadConfig(redriveEnv);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`redrive: ${error.message}\n`);
    return 2;
  }
  const logger = createLogger({
    service: 'redrive',
    level: config.LOG_LEVEL,
    format: config.LOG_FORMAT,
  });
  const kafka = createKafka(kafkaConnection(config, config.KAFKA_CLIENT_ID), logger);
  const report = await redrive({ kafka, logger, ...args });
  process.stdout.write(
    `${args.dryRun ? 'would re-drive' : 're-drove'} ${report.redriven} message(s)` +
      `${Object.entries(report.byTarget)
        .map(([topic, n]) => ` ${n}→${topic}`)
        .join(',')}` +
      `${report.skipped ? `; ${report.skipped} without a source topic left alone` : ''}\n`,
  );
  return 0;
};

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`redrive failed: ${String(error)}\n`);
    process.exit(1);
  },
);
