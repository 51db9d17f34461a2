/**
 * Which part of kafkajs a CPU profile's frame belongs to: the number behind ADR 033's migration
 * trigger (how much of a service's CPU per ride kafkajs itself costs, and in what).
 */
export const KAFKAJS_PARTS = [
  'encoding',
  'decoding',
  'requestQueue',
  'connection',
  'producer',
  'consumer',
  'other',
] as const;
export type KafkajsPart = (typeof KAFKAJS_PARTS)[number];

const KAFKAJS_SOURCES = 'node_modules/kafkajs/src/';

/**
 * The part of kafkajs a script (a profile frame's url) belongs to; undefined outside kafkajs.
 * `shared` marks helpers that encoding and decoding both use (64-bit `Long`, the CRCs,
 * compression): their time belongs to whichever part called them.
 */
export const kafkajsPartOf = (url: string): KafkajsPart | 'shared' | undefined => {
  const at = url.lastIndexOf(KAFKAJS_SOURCES);
  if (at < 0) return undefined;
  const file = url.slice(at + KAFKAJS_SOURCES.length);
  if (file.startsWith('network/requestQueue/')) return 'requestQueue';
  if (/^utils\/long\.js$|crc32|^protocol\/message\/compression\//.test(file)) return 'shared';
  if (/(^|\/)(decoder|response|decodeMessages)\.js$/.test(file)) return 'decoding';
  if (
    /^protocol\/(encoder|request)\.js$|\/request\.js$|^protocol\/(recordBatch|messageSet|message)\//.test(
      file,
    )
  )
    return 'encoding';
  if (file.startsWith('network/')) return 'connection';
  if (file.startsWith('producer/')) return 'producer';
  if (file.startsWith('consumer/')) return 'consumer';
  return 'other';
};

export interface Frame {
  readonly functionName: string;
  readonly url: string;
}

/**
 * Node's own code, which kafkajs calls into (Buffer, streams, timers, sockets): `node:` modules
 * and native functions. Not the profiler's pseudo-frames, `(program)`, `(garbage collector)`,
 * `(root)` and `(idle)`: nothing on a stack called those.
 */
export const isNodeInternal = ({ functionName, url }: Frame): boolean =>
  url === '' ? !functionName.startsWith('(') : url.startsWith('node:');

/** What one profile node's self time counts as. */
export interface KafkajsAttribution {
  /** The part of kafkajs whose own code was running; undefined when it was not kafkajs'. */
  readonly self: KafkajsPart | undefined;
  /**
   * The same, also counting Node internals that kafkajs called (the innermost frame that is not
   * Node's own is kafkajs'): at most what a different client could save, before GC.
   */
  readonly withNodeInternals: KafkajsPart | undefined;
}

/**
 * Attributes profile nodes to kafkajs' parts, given each node's frame and its parent's id.
 * Memoised per node: a profile has thousands of nodes and hundreds of thousands of samples.
 */
export const kafkajsAttributor = (
  frameOf: (id: number) => Frame | undefined,
  parentOf: (id: number) => number | undefined,
): ((id: number) => KafkajsAttribution) => {
  const parts = new Map<number, KafkajsPart | undefined>();
  /** A kafkajs frame's part; a shared helper's is its kafkajs caller's (`other` if none). */
  const partOf = (id: number | undefined): KafkajsPart | undefined => {
    if (id === undefined) return undefined;
    if (parts.has(id)) return parts.get(id);
    const frame = frameOf(id);
    const own = frame ? kafkajsPartOf(frame.url) : undefined;
    const part = own === 'shared' ? (partOf(parentOf(id)) ?? 'other') : own;
    parts.set(id, part);
    return part;
  };
  const known = new Map<number, KafkajsAttribution>();
  return (id) => {
    const cached = known.get(id);
    if (cached) return cached;
    let caller: number | undefined = id;
    for (;;) {
      const frame: Frame | undefined = caller === undefined ? undefined : frameOf(caller);
      if (!frame || !isNodeInternal(frame)) break;
      caller = parentOf(caller as number);
    }
    const attribution = {
      self: partOf(id),
      withNodeInternals: caller === undefined ? undefined : partOf(caller),
    };
    known.set(id, attribution);
    return attribution;
  };
};
