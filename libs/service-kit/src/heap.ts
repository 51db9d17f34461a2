import { setFlagsFromString } from 'node:v8';

/**
 * Lets the old space grow by `percent` over what survived the last mark-compact before V8 marks
 * it again (ADR 030). Under ADR 017's 128 MB cap V8 allows only 30 % (its factor for small heaps),
 * and under load each service marked about twice a second, mostly on background threads that take
 * the cores the other services need. Set here, per service, because Node refuses this V8 flag in
 * NODE_OPTIONS and one image command serves every app; V8 reads it at every collection.
 */
export const growOldSpace = (percent: number): void => {
  setFlagsFromString(`--heap-growing-percent=${percent}`);
};
