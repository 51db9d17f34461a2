import { runService } from '@taxi/service-kit';
import { start } from './app';
import { transactionEnv } from './config';

void runService({ service: 'transaction', env: transactionEnv, start });
