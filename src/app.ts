import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { ClientAssertionVerifier } from './auth/client-assertion';
import { loadOrCreateSigningKey } from './auth/signing-key';
import tokenRoutes from './auth/token.routes';
import { CommitPipeline } from './commit/commit-pipeline';
import type { Config } from './config';
import type { DatabaseHandle } from './db/connect';
import { migrateToLatest } from './db/migrate';
import dossierRoutes from './dossiers/dossier.routes';
import eventFeedRoutes from './events/event-feed.routes';
import { kafkaRelay } from './events/relay';
import type { Hub } from './hub';
import authentication from './http/authentication';
import bodyParsers from './http/body-parsers';
import docs from './http/docs';
import idempotency from './http/idempotency';
import observability from './http/observability';
import problemHandler from './http/problem-handler';
import rateLimit from './http/rate-limit';
import { installValidators } from './http/validation';
import { startMaintenance } from './maintenance';
import healthRoutes from './ops/health.routes';
import { HubMetrics, metricsRoutes } from './ops/metrics';
import type { PartyDeclaration } from './parties/party';
import { PartyRegistry } from './parties/registry';
import callbackRoutes from './payments/callback.routes';
import oneStopRoutes from './onestop/onestop.routes';
import { PortalSync } from './onestop/portal-sync';
import { SubmissionPushWorker } from './submissions/push-worker';
import submissionRoutes from './submissions/submission.routes';
import payPageRoutes from './payments/pay-page.routes';
import paymentPlatformRoutes from './payments/payment-platform.routes';
import paymentRoutes from './payments/payment.routes';
import { PaymentProviders } from './payments/providers';
import reconciliationRoutes from './payments/reconciliation.routes';
import { sandboxBank } from './payments/sandbox/sandbox-bank';
import { PaymentSweeper, type SweeperTuning } from './payments/sweeper';
import { SHARED_SCHEMAS } from './schemas';
import ssoRoutes from './sso/sso.routes';
import { Sealer } from './audit/sealer';
import subscriptionRoutes from './webhooks/subscription.routes';
import { type WebhookTuning, Webhooks } from './webhooks/webhooks';
import './http/request-context';

const REQUEST_ID = /^[\x20-\x7e]{1,128}$/;
/** Most messages one group-commit transaction carries (a 1,000-event batch counts 1,000). */
const MAX_BATCH_WEIGHT = 2000;

export interface AppOptions {
  config: Config;
  database: DatabaseHandle;
  parties: readonly PartyDeclaration[];
  /** The hub's logger; none in tests. */
  logger?: FastifyBaseLogger;
  /** Webhook delivery timing (tests shorten the retry schedule and move the clock). */
  webhooks?: WebhookTuning;
  /** Payment sweeper timing (tests shorten it and move its clock). */
  paymentSweeper?: SweeperTuning;
  /** The submission pusher's clock (tests move it instead of waiting out its backoff). */
  submissionsNow?: () => Date;
}

/** Builds the hub (migrated database, parties, plugins, routes) without listening. */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { config, database } = options;
  await migrateToLatest(database.db);

  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.bodyLimit,
    trustProxy: config.trustProxy,
    requestIdHeader: false,
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    ajv: { customOptions: { removeAdditional: false } },
    routerOptions: { ignoreTrailingSlash: true },
  });

  const metrics = new HubMetrics(database.db);
  const sealer = new Sealer(database.db, (error) => app.log.error({ err: error }, 'sealing the message log and outbox failed; retrying on the next commit'));
  const parties = new PartyRegistry(options.parties);
  const paymentProviders = new PaymentProviders(parties, { publicUrl: config.publicUrl, providerTimeoutMs: config.paymentProviderTimeoutMs });
  const pipeline = new CommitPipeline(database.db, {
    maxBatchWeight: MAX_BATCH_WEIGHT,
    // PGlite has one connection: batches would only queue for it.
    maxConcurrentBatches: database.engine === 'pglite' ? 1 : Math.max(1, Math.floor(config.databasePoolSize / 2)),
    onBatch: (messages, ms) => {
      metrics.commitBatchSize.observe(messages);
      metrics.commitDuration.observe(ms / 1000);
    },
    onError: (error) => app.log.warn({ err: error }, 'a group commit failed; retrying its messages one by one'),
    onCommitted: () => sealer.poke(),
  });
  const portalSyncSettings = parties.all().find((p) => p.declaration.portalSync)?.declaration.portalSync;
  const sweeper = new PaymentSweeper({ db: database.db, pipeline, providers: paymentProviders, log: app.log, ...options.paymentSweeper });
  const hub: Hub = {
    config,
    db: database.db,
    engine: database.engine,
    parties,
    signingKey: await loadOrCreateSigningKey(database.db),
    assertions: new ClientAssertionVerifier(database.db, [`${config.publicUrl}/oauth/token`, config.publicUrl]),
    metrics,
    pipeline,
    sealer,
    webhooks: new Webhooks({ db: database.db, config, parties, metrics, log: app.log, ...options.webhooks }),
    payments: { providers: paymentProviders, sweeper },
    submissions: new SubmissionPushWorker({
      db: database.db,
      parties,
      allowPrivateNetworks: config.webhookAllowPrivateNetworks,
      timeoutMs: 10_000,
      log: app.log,
      ...(options.submissionsNow ? { now: options.submissionsNow } : {}),
    }),
    portalSync: portalSyncSettings ? new PortalSync({ db: database.db, settings: portalSyncSettings, log: app.log, timeoutMs: 10_000 }) : undefined,
    relay: config.kafkaBrokers.length && config.relayInProcess ? kafkaRelay(config, database.db, app.log, metrics.registry) : undefined,
  };
  app.decorate('hub', hub);

  for (const schema of SHARED_SCHEMAS) app.addSchema(schema);
  installValidators(app, SHARED_SCHEMAS);

  await app.register(bodyParsers);
  await app.register(problemHandler);
  await app.register(docs);
  await app.register(observability);
  await app.register(authentication);
  await app.register(rateLimit);
  await app.register(idempotency);

  await app.register(healthRoutes);
  await app.register(metricsRoutes);
  await app.register(tokenRoutes);
  await app.register(dossierRoutes);
  await app.register(eventFeedRoutes);
  await app.register(subscriptionRoutes);
  await app.register(ssoRoutes);
  await app.register(paymentRoutes);
  await app.register(callbackRoutes);
  await app.register(reconciliationRoutes);
  await app.register(payPageRoutes);
  await app.register(paymentPlatformRoutes);
  await app.register(oneStopRoutes);
  await app.register(submissionRoutes);
  const sandbox = paymentProviders.sandbox();
  if (sandbox) await app.register(sandboxBank, { prefix: '/sandbox', secret: sandbox.settings.secret as string });

  const stopMaintenance = startMaintenance(database.db, hub.assertions, app.log);
  sealer.start();
  sealer.onFed(() => hub.webhooks.wake());
  await hub.webhooks.start();
  hub.payments.sweeper.start();
  hub.submissions.start();
  if (hub.portalSync) {
    const portalSync = hub.portalSync;
    sealer.onFed(() => portalSync.wake());
    portalSync.start();
  }
  if (hub.relay) {
    const relay = hub.relay;
    sealer.onFed(() => relay.wake());
    relay.start();
  }
  app.addHook('onClose', async () => {
    stopMaintenance();
    await hub.payments.sweeper.stop();
    await hub.submissions.stop();
    await hub.portalSync?.stop();
    await hub.webhooks.stop();
    await hub.pipeline.close();
    await sealer.stop();
    await hub.relay?.stop();
    await paymentProviders.close();
  });
  return app;
}
