import { growOldSpace, runService } from '@taxi/service-kit';
import { start } from './app';
import { ridesEnv } from './config';

growOldSpace(100);
void runService({ service: 'rides', env: ridesEnv, start });
