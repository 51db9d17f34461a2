// Starts the project's local broker for an integration run unless KAFKA_BROKERS points at one.
// A broker that is already running is reused and left running; one started here is stopped by
// the global teardown.
const { execFileSync } = require('node:child_process');
const path = require('node:path');

const kafkaScript = path.join(__dirname, '..', 'kafka', 'kafka.sh');

module.exports = async () => {
  if (process.env.KAFKA_BROKERS) return;
  const port = process.env.KAFKA_PORT ?? '9092';
  const env = { ...process.env, KAFKA_PORT: port };
  let running = true;
  try {
    execFileSync('bash', [kafkaScript, 'status'], { env, stdio: 'ignore' });
  } catch {
    running = false;
  }
  if (!running) {
    execFileSync('bash', [kafkaScript, 'start'], { env, stdio: 'inherit' });
    process.env.TAXI_KAFKA_STARTED_BY_JEST = port;
  }
  process.env.KAFKA_BROKERS = `127.0.0.1:${port}`;
};
