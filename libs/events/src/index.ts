export * from './codec';
export * from './dispatch';
export * from './envelope';
export * from './geo';
export * from './internal';
export * from './json-schema';
export * from './new-event';
export * from './rides';
export * from './topics';
export * from './fixtures';
export * from './topic-roles';
// The codec's own helpers (set aside, attach, carry) stay inside.
export {
  copyUnknownFields,
  UNKNOWN_FIELDS,
  unknownFieldsOf,
  withUnknownFields,
  type UnknownFields,
} from './unknown-fields';
export * from './versions';
export * from './examples';
