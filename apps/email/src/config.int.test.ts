import { describeBadConfiguration } from '@taxi/stack-harness/jest';

// The built service (dist/apps/email) started with bad configuration, as config.ts defines it.
describeBadConfiguration('email', [
  ['SMTP_URL', 'http://mail.example.com'],
  ['SMTP_POOL_SIZE', '0'],
  ['EMAIL_FROM', 'x'],
  ['MESSAGE_ID_DOMAIN', 'bad domain'],
  ['SEND_RETRY_ATTEMPTS', '0'],
  ['SEND_RETRY_MAX_DELAY_MS', 'soon'],
  ['PARTITIONS_CONSUMED_CONCURRENTLY', '-1'],
]);
