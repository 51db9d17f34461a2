export * from './codec';
export * from './envelope';
export * from './geo';
export * from './json-schema';
export * from './new-event';
export * from './rides';
export * from './topics';
export * from './fixtures';
