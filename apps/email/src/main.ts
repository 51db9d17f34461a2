import { runService } from '@taxi/service-kit';
import { start } from './app';
import { emailEnv } from './config';

void runService({ service: 'email', env: emailEnv, start });
