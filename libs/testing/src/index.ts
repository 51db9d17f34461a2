export * from './events';
export * from './logger';
export * from './names';
export * from './docs';
export * from './eventually';
