/**
 * libs/kafka runs on kafkajs 2.2.4 with `patches/kafkajs+2.2.4.patch` applied at install by
 * patch-package (ADR 033): the request queue's idle 1 ms timer stopped, records encoded without
 * throwaway buffers; and, for a replicated cluster (ADR 037), a send retried after a leader moved
 * writes every partition it was given, a consumer whose restart fails crashes again instead
 * of ending the process, and a fetch moves past a record batch that compaction emptied; and a
 * read_committed consumer filters aborted transactions in first-offset order, as the broker may
 * list them otherwise (ADR 038); and a send to a partition the producer's cached metadata does not
 * have yet (the topic grew) reads the metadata again instead of dropping those messages without a
 * word (ADR 038). Each patched module carries a `patchedBy` marker naming the patch; this
 * checks the markers at start-up, so a process never runs on an unpatched or different kafkajs
 * without saying so.
 */
export const PATCHED_KAFKAJS_VERSION = '2.2.4';
export const KAFKAJS_PATCH = `patches/kafkajs+${PATCHED_KAFKAJS_VERSION}.patch`;

/** kafkajs' modules that the patch changes, as `require` names them. */
export const PATCHED_MODULES = [
  'kafkajs/src/network/requestQueue',
  'kafkajs/src/protocol/encoder',
  'kafkajs/src/producer/sendMessages',
  'kafkajs/src/consumer',
  'kafkajs/src/protocol/requests/fetch/v4/decodeMessages',
  'kafkajs/src/consumer/filterAbortedMessages',
] as const;

export interface InstalledKafkajs {
  readonly version: string;
  /** Each patched module's `patchedBy` marker; undefined where the patch is not applied. */
  readonly markers: readonly (string | undefined)[];
}

/** What `load` (a `require`) finds of kafkajs: its version and the markers of its patched modules. */
export const readInstalledKafkajs = (load: (id: string) => unknown = require): InstalledKafkajs => {
  const markerOf = (module: unknown): string | undefined => {
    const marker = (module as { patchedBy?: unknown }).patchedBy;
    return typeof marker === 'string' ? marker : undefined;
  };
  return {
    version: String((load('kafkajs/package.json') as { version?: unknown }).version),
    markers: PATCHED_MODULES.map((id) => markerOf(load(id))),
  };
};

/** One line saying what is wrong with the installed kafkajs and what to run, or undefined. */
export const kafkajsPatchProblem = (installed: InstalledKafkajs): string | undefined => {
  const remedy =
    'run `npm ci` at the repository root (its postinstall, patch-package, applies the patch; ' +
    'an image applies it in the Dockerfile)';
  if (installed.version !== PATCHED_KAFKAJS_VERSION)
    return (
      `kafkajs ${installed.version} is installed, but libs/kafka runs on kafkajs ` +
      `${PATCHED_KAFKAJS_VERSION} with ${KAFKAJS_PATCH} (ADR 033): ${remedy}; a new kafkajs ` +
      'version needs the patch made again for it'
    );
  if (installed.markers.some((marker) => marker !== KAFKAJS_PATCH))
    return (
      `kafkajs ${installed.version} is installed without ${KAFKAJS_PATCH} applied ` +
      `(ADR 033): ${remedy}`
    );
  return undefined;
};

export class KafkajsNotPatchedError extends Error {
  override readonly name = 'KafkajsNotPatchedError';
}

/** Throws, before any client exists, unless the installed kafkajs is the patched one. */
export const assertKafkajsPatched = (installed = readInstalledKafkajs()): void => {
  const problem = kafkajsPatchProblem(installed);
  if (problem !== undefined) throw new KafkajsNotPatchedError(problem);
};
