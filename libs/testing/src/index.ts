export * from './events';
export * from './kafka';
export * from './logger';
export * from './names';
export * from './docs';
export * from './deploy-files';
export * from './deployed-environments';
export * from './deploy-parity';
