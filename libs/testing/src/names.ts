import { randomUUID } from 'node:crypto';

/** A name no other test uses: each test gets its own topics and consumer groups. */
export const uniqueName = (prefix: string): string => `${prefix}-${randomUUID().slice(0, 8)}`;
