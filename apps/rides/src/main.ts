import { runService } from '@taxi/service-kit';
import { start } from './app';
import { ridesEnv } from './config';

void runService({ service: 'rides', env: ridesEnv, start });
