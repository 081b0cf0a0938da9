import type { Kysely } from 'kysely';
import type { ClientAssertionVerifier } from './auth/client-assertion';
import type { SigningKey } from './auth/signing-key';
import type { Sealer } from './audit/sealer';
import type { Relay } from './events/relay';
import type { CommitPipeline } from './commit/commit-pipeline';
import type { Config } from './config';
import type { Engine } from './db/connect';
import type { Database } from './db/schema';
import type { HubMetrics } from './ops/metrics';
import type { PartyRegistry } from './parties/registry';
import type { PaymentProviders } from './payments/providers';
import type { PaymentSweeper } from './payments/sweeper';
import type { PortalSync } from './onestop/portal-sync';
import type { SubmissionPushWorker } from './submissions/push-worker';
import type { Webhooks } from './webhooks/webhooks';

/** The hub's shared services, built once at boot and decorated onto Fastify as `app.hub`. */
export interface Hub {
  readonly config: Config;
  readonly db: Kysely<Database>;
  readonly engine: Engine;
  readonly parties: PartyRegistry;
  readonly pipeline: CommitPipeline;
  /** Orders committed outbox events (feed positions) and chains the message log. */
  readonly sealer: Sealer;
  /** Publishes the feed to Kafka, when KAFKA_BROKERS is set and this process runs the relay. */
  readonly relay: Relay | undefined;
  readonly signingKey: SigningKey;
  readonly assertions: ClientAssertionVerifier;
  readonly metrics: HubMetrics;
  /** Fans feed events out to webhook subscriptions and delivers them. */
  readonly webhooks: Webhooks;
  /** The connected payment providers, and the sweeper that asks them about payments they did not report. */
  readonly payments: { readonly providers: PaymentProviders; readonly sweeper: PaymentSweeper };
  /** Pushes online submissions to the one-stop systems that take them by push. */
  readonly submissions: SubmissionPushWorker;
  /** Syncs accepted dossiers to the national portal, when a PORTAL party declares portalSync. */
  readonly portalSync: PortalSync | undefined;
}

declare module 'fastify' {
  interface FastifyInstance {
    hub: Hub;
  }
}
