import pino, { type Logger } from 'pino';

/** Silent unless TEST_LOG_LEVEL is set (e.g. `TEST_LOG_LEVEL=debug npm run test:int`). */
export const testLogger = (): Logger => pino({ level: process.env['TEST_LOG_LEVEL'] ?? 'silent' });
