import type { FastifyInstance } from 'fastify';
import { ProviderUnavailableError } from '../../adapters/payment/connector';
import type { Answer } from '../commit/commit-pipeline';
import type { MessageRecord } from '../audit/message-log';
import type { Caller } from '../dossiers/dossier-model';
import { HubError } from '../errors';
import type { IdempotencyRecord } from '../commit/commit-pipeline';
import type { PaymentAttempt, PaymentState } from './payment-model';
import { checkoutHandler, checkoutRefusal, referenceToken } from './payment.service';

/**
 * Starting a checkout, for the API (`POST /v1/payments/{id}/checkout`) and the hub's hosted
 * payment page alike: the provider is asked first (outside any transaction: a provider that
 * does not answer leaves the payment as it was), then the attempt is committed, re-checked
 * against the payment as it stands then.
 */
export interface CheckoutRequest {
  provider: string;
  clientIp: string;
  locale: 'vi' | 'en';
  bankCode?: string | undefined;
}

export async function startCheckout(
  app: FastifyInstance,
  payment: PaymentState,
  wanted: CheckoutRequest,
  commit: { caller: Caller; log?: Omit<MessageRecord, 'statusCode' | 'outcome'>; idempotency?: IdempotencyRecord | undefined; instance: string },
): Promise<Answer> {
  const { providers } = app.hub.payments;
  const now = new Date();
  const refusal = checkoutRefusal(payment, now);
  if (refusal) throw refusal;
  const provider = providers.get(wanted.provider);
  if (!provider) {
    throw new HubError('PROVIDER_NOT_ENABLED', `provider ${wanted.provider} is not enabled; use one of: ${providers.ids().join(', ')}`, {
      errors: [{ path: '/provider', message: 'is not an enabled provider', in: 'body' }],
    });
  }
  const reference = provider.connector.reference(referenceToken(), now);
  let checkout;
  try {
    checkout = await provider.connector.createCheckout(providers.context(provider, now), {
      reference,
      amount: payment.request.amount,
      description: payment.request.description.slice(0, 200),
      clientIp: wanted.clientIp,
      locale: wanted.locale,
      bankCode: wanted.bankCode,
      createdAt: now,
      expiresAt: payment.expiresAt,
    });
  } catch (error) {
    if (error instanceof ProviderUnavailableError) throw new HubError('PROVIDER_UNAVAILABLE', `${provider.id} did not take the order: ${error.message}`);
    throw error;
  }
  const stamp = now.toISOString();
  const attempt: PaymentAttempt = {
    id: crypto.randomUUID(),
    provider: provider.id,
    reference,
    status: 'PENDING',
    amount: payment.request.amount,
    clientIp: wanted.clientIp,
    locale: wanted.locale,
    bankCode: wanted.bankCode ?? null,
    redirectUrl: checkout.redirectUrl ?? null,
    qrPayload: checkout.qr?.payload ?? null,
    providerOrderId: checkout.providerOrderId ?? null,
    providerTransactionId: null,
    providerCode: null,
    createdAt: stamp,
    updatedAt: stamp,
    queriedAt: null,
  };
  return app.hub.pipeline.submit(checkoutHandler, {
    payload: { caller: commit.caller, paymentId: payment.id, provider, providerIds: providers.ids(), attempt, checkout, instance: commit.instance },
    log: commit.log,
    idempotency: commit.idempotency,
  });
}
