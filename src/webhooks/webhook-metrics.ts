import { Counter, Histogram, type Registry } from 'prom-client';

export type DeliveryOutcome = 'succeeded' | 'failed_attempt' | 'gave_up' | 'disabled';

/** Delivery outcomes per endpoint (subscription id) and how long endpoints take to answer. */
export class WebhookMetrics {
  readonly outcomes: Counter<'subscription' | 'outcome'>;
  readonly duration: Histogram;

  constructor(registry: Registry) {
    this.outcomes = new Counter({
      name: 'hub_webhook_deliveries_total',
      help: 'Webhook delivery attempts by subscription and outcome (succeeded, failed_attempt: retried later, gave_up: schedule spent, disabled: 410 Gone)',
      labelNames: ['subscription', 'outcome'] as const,
      registers: [registry],
    });
    this.duration = new Histogram({
      name: 'hub_webhook_delivery_duration_seconds',
      help: 'Duration of one webhook delivery attempt, until the answer or the failure',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
  }

  observe(subscriptionId: string, outcome: DeliveryOutcome, durationMs: number): void {
    this.outcomes.inc({ subscription: subscriptionId, outcome });
    this.duration.observe(durationMs / 1000);
  }
}
