import { eventually } from '@taxi/testing';
import type { ServiceName, Stack } from '@taxi/stack-harness';

const isReady = async (port: number): Promise<boolean> => {
  const response = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
  return response?.status === 200;
};

/**
 * Stops each service in turn (SIGTERM, as a rolling update does) and starts it again on the
 * history it has: seconds from the new process being started until its /readyz answers 200.
 */
export const restartTimes = async (
  stack: Stack,
  services: readonly ServiceName[],
): Promise<Partial<Record<ServiceName, number>>> => {
  const times: Partial<Record<ServiceName, number>> = {};
  for (const name of services) {
    await stack.services[name].stop('SIGTERM');
    const started = Date.now();
    await stack.launch(name);
    await eventually(
      () => isReady(stack.ports[name]),
      (ready) => ready,
      { timeoutMs: 600_000, everyMs: 50 },
    );
    times[name] = Number(((Date.now() - started) / 1000).toFixed(2));
  }
  return times;
};
