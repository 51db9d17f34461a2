import { Partitioners, type ICustomPartitioner, type PartitionerArgs } from 'kafkajs';

/**
 * Costs of kafkajs 2.2.4 (its last release) that every service paid per connection and per
 * message, mended here so that nothing else has to know (ADR 024, 026, 028).
 */

/** The part of kafkajs' RequestQueue (src/network/requestQueue) that the fix below touches. */
interface RequestQueueInternals {
  pending: unknown[];
  throttledUntil: number;
  scheduleCheckPendingRequests(): void;
}

let idleLoopStopped = false;

/**
 * kafkajs re-arms a timer of "throttled until − now" after every check of a connection's pending
 * requests, even when nothing is pending and nothing is throttled: the delay is then negative,
 * Node runs it after 1 ms, and every connection of every client wakes its process a thousand
 * times a second for nothing, for as long as it lives (kafkajs issues 1556, 1704, 1751; the fix
 * below is the one proposed there, never released). Requests that cannot go at once are still
 * checked: `push` schedules a check when it queues one, and a response checks the queue itself.
 */
export const stopIdleRequestQueueTimer = (): void => {
  if (idleLoopStopped) return;
  idleLoopStopped = true;
  // A module of kafkajs' own, not of its typed API: the patch has to reach the class it uses.
  const RequestQueue = require('kafkajs/src/network/requestQueue') as {
    prototype: RequestQueueInternals;
  };
  const schedule = RequestQueue.prototype.scheduleCheckPendingRequests;
  RequestQueue.prototype.scheduleCheckPendingRequests = function (this: RequestQueueInternals) {
    const idle = this.pending.length === 0 && this.throttledUntil <= Date.now();
    if (!idle) schedule.call(this);
  };
};

/** The part of kafkajs' Encoder (src/protocol/encoder) that the fix below touches. */
interface EncoderInternals {
  buf: Buffer;
  offset: number;
  ensureAvailable(length: number): void;
  writeVarInt(value: number): EncoderInternals;
  writeUVarInt(value: number): EncoderInternals;
  writeVarLong(value: unknown): EncoderInternals;
}

interface EncoderClass {
  prototype: EncoderInternals;
  nextPowerOfTwo(value: number): number;
  sizeOfVarInt(value: number): number;
  sizeOfVarLong(value: unknown): number;
}

/** A 32-bit value takes at most five 7-bit groups. */
const MAX_VARINT_BYTES = 5;

/** A zigzag varlong of a value in 32 bits is byte for byte its zigzag varint. */
const fitsInInt32 = (value: unknown): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= -(2 ** 31) && value < 2 ** 31;

let encoderMended = false;

/** The smallest buffer an encoder grows to: kafkajs' own first size. */
const FIRST_ENCODER_BYTES = 512;

/**
 * kafkajs encodes every record, and each of its headers, with an Encoder of its own whose
 * constructor allocates a zero-filled 512-byte buffer outside Node's pool, and writes every varint
 * through a `Buffer.from` of a fresh array, and every varlong (a record's timestamp delta, a small
 * number) through a chain of 64-bit `Long` objects: six buffers and a dozen small ones per record,
 * copied into the request and dropped. Here an encoder starts empty (its constructor sizes its
 * buffer with `Encoder.nextPowerOfTwo`, made 0) and takes a buffer at its first write with
 * `Buffer.allocUnsafe`, from Node's pool when small; varints are written in place, and a varlong
 * that fits in 32 bits as the varint it is. Skipping the zero-fill is safe because an encoder
 * only ever hands out what it wrote (`buf.slice(0, offset)`, every byte of it written). The bytes
 * of a request are the same: the spec compares them (ADR 026, 028).
 */
export const mendRequestEncoder = (): void => {
  if (encoderMended) return;
  encoderMended = true;
  // A module of kafkajs' own, not of its typed API: the patch has to reach the class it uses.
  const Encoder = require('kafkajs/src/protocol/encoder') as EncoderClass;
  const powerOfTwoAbove = Encoder.nextPowerOfTwo;
  Encoder.nextPowerOfTwo = () => 0;
  Encoder.prototype.ensureAvailable = function (this: EncoderInternals, length: number) {
    const needed = this.offset + length;
    if (needed <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(FIRST_ENCODER_BYTES, powerOfTwoAbove(needed)));
    this.buf.copy(grown, 0, 0, this.offset);
    this.buf = grown;
  };
  Encoder.prototype.writeUVarInt = function (this: EncoderInternals, value: number) {
    this.ensureAvailable(MAX_VARINT_BYTES);
    let rest = value;
    while ((rest & 0xffffff80) !== 0) {
      this.buf[this.offset++] = (rest & 0x7f) | 0x80;
      rest >>>= 7;
    }
    this.buf[this.offset++] = rest & 0x7f;
    return this;
  };
  const { writeVarLong } = Encoder.prototype;
  const { sizeOfVarLong } = Encoder;
  Encoder.prototype.writeVarLong = function (this: EncoderInternals, value: unknown) {
    return fitsInInt32(value) ? this.writeVarInt(value) : writeVarLong.call(this, value);
  };
  Encoder.sizeOfVarLong = (value: unknown) =>
    fitsInInt32(value) ? Encoder.sizeOfVarInt(value) : sizeOfVarLong.call(Encoder, value);
};

/**
 * Kafka's murmur2 (the Java client's `Utils.murmur2`, which kafkajs' default partitioner also
 * implements) in 32-bit integer arithmetic. kafkajs computes it with a 64-bit `Long` object per
 * step: about a hundred allocations per 36-byte ride id.
 */
export const murmur2 = (data: Uint8Array): number => {
  const m = 0x5bd1e995;
  const length = data.length;
  let h = 0x9747b28c ^ length;
  const whole = length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k =
      (data[i] as number) |
      ((data[i + 1] as number) << 8) |
      ((data[i + 2] as number) << 16) |
      ((data[i + 3] as number) << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  const tail = length & 3;
  if (tail > 0) {
    if (tail === 3) h ^= (data[whole + 2] as number) << 16;
    if (tail >= 2) h ^= (data[whole + 1] as number) << 8;
    h ^= data[whole] as number;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
};

/**
 * kafkajs' default partitioner with the same choices, made cheaply: a message's own partition if
 * it names one, else murmur2 of its key (so every key lands where it always did, and where the
 * Java client puts it); messages without a key are left to kafkajs' own partitioner. kafkajs'
 * version also filters the topic's partition list for every message before looking at it.
 */
export const keyPartitioner: ICustomPartitioner = () => {
  const unkeyed = Partitioners.DefaultPartitioner();
  return (args: PartitionerArgs) => {
    const { message, partitionMetadata } = args;
    if (message.partition !== undefined && message.partition !== null) return message.partition;
    const { key } = message;
    if (key === undefined || key === null) return unkeyed(args);
    const bytes = typeof key === 'string' ? Buffer.from(key) : key;
    return (murmur2(bytes) & 0x7fffffff) % partitionMetadata.length;
  };
};
