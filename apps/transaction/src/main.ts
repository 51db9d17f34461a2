import { growOldSpace, runService } from '@taxi/service-kit';
import { start } from './app';
import { transactionEnv } from './config';

growOldSpace(100);
void runService({ service: 'transaction', env: transactionEnv, start });
