// The image's HEALTHCHECK: exits 0 when the service answers GET /healthz with 2xx within 2 s.
// The port is HTTP_PORT as the service reads it, else the service's default port
// (tools/test-suites/deploy-checks requires this file and keeps these defaults equal to the config
// schemas).
const defaultPorts = { rides: 3000, transaction: 3001, email: 3002, analytics: 3003, web: 3004 };

if (require.main === module) {
  const port = process.env.HTTP_PORT || defaultPorts[process.env.TAXI_SERVICE];
  fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2000) }).then(
    (response) => process.exit(response.ok ? 0 : 1),
    () => process.exit(1),
  );
} else module.exports = { defaultPorts };
