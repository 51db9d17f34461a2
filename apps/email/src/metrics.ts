import { Counter, Histogram, type Registry } from 'prom-client';

export const emailMetrics = (registry: Registry) => ({
  emails: new Counter({
    name: 'taxi_emails_total',
    help: 'Ride emails by kind (confirmation, rejection) and outcome (sent, already_sent, failed)',
    labelNames: ['kind', 'outcome'] as const,
    registers: [registry],
  }),
  sendDuration: new Histogram({
    name: 'taxi_email_send_seconds',
    help: 'Time to hand one email to the mail server (or write it to the outbox)',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  }),
  batchDuration: new Histogram({
    name: 'taxi_email_batch_seconds',
    help: 'Time to send one batch of a partition and record it in the ledger',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  }),
});

export type EmailMetrics = ReturnType<typeof emailMetrics>;
