import { growOldSpace, runService } from '@taxi/service-kit';
import { start } from './app';
import { emailEnv } from './config';

growOldSpace(100);
void runService({ service: 'email', env: emailEnv, start });
