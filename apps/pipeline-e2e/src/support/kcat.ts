import { execFile } from 'node:child_process';

/**
 * Writes raw messages with kcat, a Kafka client that is not ours: one `key<delimiter>value` per
 * line (split at the first delimiter), to one partition or by kcat's own partitioner.
 */
export const kcatProduce = async (
  brokers: string,
  topic: string,
  lines: readonly string[],
  { delimiter = ':', partition }: { delimiter?: string; partition?: number } = {},
): Promise<void> => {
  const where = partition === undefined ? [] : ['-p', String(partition)];
  const child = execFile('kcat', ['-b', brokers, '-t', topic, '-P', '-K', delimiter, ...where]);
  child.stdin?.end(`${lines.join('\n')}\n`);
  await new Promise<void>((resolve, reject) =>
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`kcat exited ${code}`)))),
  );
};
