import { runService } from '@taxi/service-kit';
import { start } from './app';
import { emailEnv } from './config';

// V8's own old-space growing, unlike the other services: at 100 % email's RSS read 148-153 MB at
// a million rides, over issue 8's 150 (ADR 030).
void runService({ service: 'email', env: emailEnv, start });
