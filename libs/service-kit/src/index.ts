export * from './config';
export * from './http-server';
export * from './lifecycle';
export * from './logger';
export * from './metrics';
export * from './ops-routes';
export * from './kafka-runtime';
export * from './tracing';
