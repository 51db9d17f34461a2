export * from './events';
export * from './kafka';
export * from './logger';
export * from './names';
export * from './docs';
export * from './eventually';
