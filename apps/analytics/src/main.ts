import { runService } from '@taxi/service-kit';
import { start } from './app';
import { analyticsEnv } from './config';

void runService({ service: 'analytics', env: analyticsEnv, start });
