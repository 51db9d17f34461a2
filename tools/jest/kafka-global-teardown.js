const { execFileSync } = require('node:child_process');
const path = require('node:path');

module.exports = async () => {
  const port = process.env.TAXI_KAFKA_STARTED_BY_JEST;
  if (!port) return;
  execFileSync('bash', [path.join(__dirname, '..', 'kafka', 'kafka.sh'), 'stop'], {
    env: { ...process.env, KAFKA_PORT: port },
    stdio: 'inherit',
  });
};
