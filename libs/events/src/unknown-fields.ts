import type { z } from 'zod';

// Fields a reader does not know: set aside when an event is decoded, kept beside the fields it
// knows, and written back when the object they came in is written again (ADR 040).
//
// They live under a symbol, on the object they arrived in. Object spread and rest copy them, so
// an object copied whole keeps its unknown fields (transaction's ride.confirmed is the request's
// payload spread, plus the outcome); an object built from named fields has none (ride.rejected).
// JSON.stringify, Object.keys, zod and structuredClone do not see them: a log line, a strict
// validation or a read model never mistakes them for fields of this version.

/** Where an object's unknown fields are kept. `Symbol.for`: one key, however code is bundled. */
export const UNKNOWN_FIELDS: unique symbol = Symbol.for('@taxi/events.unknownFields');

export type UnknownFields = Readonly<Record<string, unknown>>;

type Carrier = { [UNKNOWN_FIELDS]?: UnknownFields };

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null;

/** The fields this object arrived with that this version's schema does not know, if any. */
export const unknownFieldsOf = (value: unknown): UnknownFields | undefined =>
  isObject(value) ? (value as Carrier)[UNKNOWN_FIELDS] : undefined;

let anyGiven = false;

/**
 * Whether this process ever gave an object unknown fields. Until then no object has any, and
 * writers skip looking for them: that look walks every object of an event (about 15 % more
 * than the strict check and JSON of a fleet snapshot of 2,000 drivers), and most processes never
 * read a field they do not know.
 */
export const anyUnknownFields = (): boolean => anyGiven;

/**
 * Gives `target` these unknown fields (an enumerable own property, so copies by spread carry
 * them). Returns `target`.
 */
export const withUnknownFields = <Target extends object>(
  target: Target,
  fields: UnknownFields | undefined,
): Target => {
  if (fields !== undefined && Object.keys(fields).length > 0) {
    (target as Carrier)[UNKNOWN_FIELDS] = fields;
    anyGiven = true;
  }
  return target;
};

/**
 * Copies the unknown fields of every object in `from` onto the object at the same place in `to`
 * (by key, arrays by index), e.g. after `structuredClone`, which drops symbols. Returns `to`.
 */
export const copyUnknownFields = <Value>(from: unknown, to: Value): Value => {
  if (!anyGiven || !isObject(from) || !isObject(to)) return to;
  withUnknownFields(to, unknownFieldsOf(from));
  for (const key of Object.keys(from)) copyUnknownFields(from[key], to[key]);
  return to;
};

type Path = readonly PropertyKey[];

const at = (value: unknown, path: Path): unknown =>
  path.reduce<unknown>((node, key) => (isObject(node) ? node[key as string] : undefined), value);

/** A dictionary of own data properties, `__proto__` included, whatever the names. */
const fieldsFrom = (entries: [string, unknown][]): UnknownFields => Object.fromEntries(entries);

export interface SetAside {
  readonly path: Path;
  readonly fields: UnknownFields;
}

/**
 * Moves the keys a strict schema reported as unrecognized out of `input` (parsed JSON, which the
 * caller owns) and returns them with where they were. Validating `input` again then checks only
 * the fields this version knows.
 */
export const setAsideUnknownFields = (
  input: unknown,
  issues: readonly z.core.$ZodIssue[],
): SetAside[] =>
  issues.flatMap((issue) => {
    const node = issue.code === 'unrecognized_keys' ? at(input, issue.path) : undefined;
    if (issue.code !== 'unrecognized_keys' || !isObject(node)) return [];
    const fields = fieldsFrom(issue.keys.map((key) => [key, node[key]]));
    for (const key of issue.keys) delete node[key];
    return [{ path: issue.path, fields }];
  });

/** Puts fields set aside back, as unknown fields, on the objects at the same places in `value`. */
export const attachUnknownFields = <Value>(value: Value, setAside: readonly SetAside[]): Value => {
  for (const { path, fields } of setAside) {
    const node = at(value, path);
    if (isObject(node)) withUnknownFields(node, fields);
  }
  return value;
};

/** A field `addCarriedFields` wrote: the object it went into, and its name. */
export interface CarriedField {
  readonly target: Record<string, unknown>;
  readonly key: string;
}

const setData = (target: Record<string, unknown>, key: string, value: unknown) =>
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });

/**
 * The validated `known` (what a writer set) with the unknown fields its `source` carries, at the
 * same places; each one written is listed in `added`. A carried field never replaces a field the
 * writer set. Copies only the objects that gain fields (and those above them): without any, it
 * returns `known` itself, having allocated nothing.
 */
export const addCarriedFields = (
  known: unknown,
  source: unknown,
  added: CarriedField[],
): unknown => {
  if (!isObject(known) || !isObject(source)) return known;
  if (Array.isArray(known)) {
    let items: unknown[] | undefined;
    for (let i = 0; i < known.length; i++) {
      const inner = addCarriedFields(known[i], source[i], added);
      if (inner !== known[i]) (items ??= [...known])[i] = inner;
    }
    return items ?? known;
  }
  let copy: Record<string, unknown> | undefined;
  for (const key in known) {
    const inner = addCarriedFields(known[key], source[key], added);
    if (inner !== known[key]) (copy ??= { ...known })[key] = inner;
  }
  const carried = unknownFieldsOf(source);
  if (carried !== undefined) {
    for (const key of Object.keys(carried)) {
      if (Object.hasOwn(known, key)) continue;
      copy ??= { ...known };
      setData(copy, key, carried[key]);
      added.push({ target: copy, key });
    }
  }
  return copy ?? known;
};

/** The object at `path` in `value`, if it is one (for zod issues' paths). */
export const objectAt = (value: unknown, path: Path): Record<string, unknown> | undefined => {
  const node = at(value, path);
  return isObject(node) ? node : undefined;
};
