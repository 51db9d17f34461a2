import pino from 'pino';
import { connect, deleteTopicsWithPrefix } from '@taxi/kafka';

/**
 * Deletes the topics a bench run made (its own prefix), once its services are stopped: a
 * million-ride run leaves 3-4 GB in the broker's log dirs, and repeated runs filled this machine's
 * disk until the broker stopped.
 */
export const dropTopics = async (brokers: string, prefix: string): Promise<void> => {
  const kafka = connect(
    { brokers: brokers.split(','), clientId: 'bench' },
    pino({ level: 'error' }),
  );
  await deleteTopicsWithPrefix(kafka, prefix);
};
