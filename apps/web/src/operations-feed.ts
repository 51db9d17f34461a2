import type { Logger } from 'pino';
import type { PartitionLag } from '@taxi/kafka';
import type { FleetSnapshots } from './domain/fleet';
import type { Operations } from './domain/operations';
import type { OperationsView } from './domain/views';

type Listener = (view: OperationsView) => void;

/**
 * Every interval: reads consumer lag from the broker, takes the operations view with the fleet's
 * latest state and sends it to every open page. One broker query per interval, however many pages
 * are open.
 */
export const startOperationsFeed = (deps: {
  operations: Operations;
  /** Consumer lag per group and partition, from the broker. */
  readLag: () => Promise<PartitionLag[]>;
  fleet: () => FleetSnapshots;
  intervalMs: number;
  logger: Logger;
}) => {
  const listeners = new Set<Listener>();
  let lag: PartitionLag[] = [];
  let latest: OperationsView | undefined;
  let busy = false;

  const tick = async () => {
    if (busy) return;
    busy = true;
    try {
      lag = await deps.readLag();
    } catch (error) {
      // Keep showing the last known lag: the broker may be restarting.
      deps.logger.warn({ err: error }, 'could not read consumer lag');
    } finally {
      busy = false;
    }
    latest = deps.operations.view(Date.now(), lag, deps.fleet());
    const view = latest;
    listeners.forEach((listener) => listener(view));
  };

  const timer = setInterval(() => void tick(), deps.intervalMs);
  void tick();
  return {
    latest: () => latest,
    onView: (listener: Listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    stop: () => clearInterval(timer),
  };
};
