import { growOldSpace, runService } from '@taxi/service-kit';
import { start } from './app';
import { analyticsEnv } from './config';

growOldSpace(100);
void runService({ service: 'analytics', env: analyticsEnv, start });
