import { once } from 'node:events';
import { runCli } from './cli';

// Only wires: the process's streams and Ctrl-C to runCli, its answer to the exit code.

// kafkajs 2.2.4 arms a timer with a negative delay when its request queue is idle; Node 24 warns
// about it on stderr, which would follow every command. Other warnings are still printed.
const [printWarning] = process.listeners('warning');
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (warning.name !== 'TimeoutNegativeWarning') printWarning?.(warning);
});
const controller = new AbortController();
const interrupted = once(process, 'SIGINT', { signal: controller.signal }).then(
  () => undefined,
  () => undefined,
);
void runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  interrupted,
}).then((code) => {
  controller.abort(); // stop listening for Ctrl-C, so the process ends once output is flushed
  process.exitCode = code;
});
