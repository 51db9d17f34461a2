import { runService } from '@taxi/service-kit';
import { start } from './app';
import { webEnv } from './config';

void runService({ service: 'web', env: webEnv, start });
