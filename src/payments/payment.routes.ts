import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HubError, validationError } from '../errors';
import { answerCommitted, commitAndAnswer, sendAnswer } from '../http/answers';
import { requireCaller } from '../http/authentication';
import { messageRecordOf } from '../http/observability';
import type { PaymentRefund, PaymentRequest, PaymentState } from './payment-model';
import { findPayment } from './payment.repository';
import { paidAttempt, paymentResource } from './payment-resource';
import { startCheckout } from './checkout';
import { createPaymentHandler, referenceToken, reserveRefundHandler, settleRefundHandler } from './payment.service';
import { PAID_STATUSES } from './payment-states';
import { notifyTarget } from './payment-notifications';
import { paymentReceipt } from './receipt';
import { requestRefund } from './refund-request';
import { webhookUrlProblem } from '../webhooks/endpoint-guard';

const problems = { '4xx': { $ref: 'Problem#' }, '5xx': { $ref: 'Problem#' } } as const;
const idParams = { type: 'object', required: ['paymentId'], properties: { paymentId: { type: 'string', format: 'uuid' } } } as const;
const idempotencyHeader = { type: 'object', properties: { 'idempotency-key': { type: 'string' } } } as const;

/** URLs already checked against the webhook rules (public addresses only), so that a busy agency's notifyUrl is resolved once in a while, not per payment. */
const CHECKED_URL_TTL_MS = 10 * 60_000;
const CHECKED_URL_LIMIT = 1000;

export default async function paymentRoutes(app: FastifyInstance): Promise<void> {
  const { providers } = app.hub.payments;
  const checkedUrls = new Map<string, { problem: string | undefined; at: number }>();

  /** The payment's notification target, or a refusal naming /notifyUrl. */
  async function notifyTargetOf(request: FastifyRequest, url: string | undefined) {
    if (url === undefined) return undefined;
    const party = app.hub.parties.party(requireCaller(request).partyCode)!;
    const secret = party.declaration.webhookSecret;
    if (!secret) throw validationError([{ path: '/notifyUrl', message: 'needs a webhookSecret declared for your party in the parties file, to sign the notifications', in: 'body' }]);
    let checked = checkedUrls.get(url);
    if (!checked || Date.now() - checked.at > CHECKED_URL_TTL_MS) {
      if (checkedUrls.size >= CHECKED_URL_LIMIT) checkedUrls.clear();
      checked = { problem: await webhookUrlProblem(url, app.hub.config.webhookAllowPrivateNetworks), at: Date.now() };
      checkedUrls.set(url, checked);
    }
    if (checked.problem) throw validationError([{ path: '/notifyUrl', message: checked.problem, in: 'body' }]);
    return notifyTarget(party.code, url, secret);
  }

  /** The payment, if it exists and the caller may act for its agency. */
  async function visiblePayment(request: FastifyRequest, paymentId: string): Promise<PaymentState> {
    const caller = requireCaller(request);
    const payment = await findPayment(app.hub.db, paymentId);
    if (!payment) throw new HubError('NOT_FOUND', `payment ${paymentId} does not exist`);
    if (!caller.jurisdiction.covers(payment.agencyCode)) throw new HubError('FORBIDDEN', `payment ${paymentId} belongs to agency ${payment.agencyCode}, outside your jurisdiction`);
    return payment;
  }

  app.post<{ Body: PaymentRequest }>(
    '/v1/payments',
    {
      schema: {
        summary: 'Ask for a payment',
        description: 'The citizen then pays it through a checkout with one of the `providers`. `amount` must equal the sum of `items`.',
        tags: ['payments'],
        headers: idempotencyHeader,
        body: { $ref: 'NewPayment#' },
        response: { 201: { $ref: 'Payment#' }, ...problems },
      },
      config: { scope: 'payments:write', idempotent: true },
    },
    async (request, reply) =>
      commitAndAnswer(app, request, reply, createPaymentHandler, {
        caller: requireCaller(request),
        request: request.body,
        providerIds: providers.ids(),
        notify: await notifyTargetOf(request, request.body.notifyUrl),
        instance: request.url,
      }),
  );

  app.post<{ Params: { paymentId: string }; Body: { provider: string; bankCode?: string; clientIp: string; locale?: 'vi' | 'en' } }>(
    '/v1/payments/:paymentId/checkout',
    {
      schema: {
        summary: 'Send the citizen to a provider',
        description: 'Answers where to send the citizen (`redirectUrl`) or what to show (`qr.payload`). The payment becomes PENDING. A provider that does not answer → 502 PROVIDER_UNAVAILABLE; the payment is unchanged and can be checked out again.',
        tags: ['payments'],
        params: idParams,
        headers: idempotencyHeader,
        body: { $ref: 'NewCheckout#' },
        response: { 200: { $ref: 'Checkout#' }, ...problems },
      },
      config: { scope: 'payments:write', idempotent: true },
    },
    async (request, reply) => {
      const payment = await visiblePayment(request, request.params.paymentId);
      const { provider, clientIp, bankCode, locale = 'vi' } = request.body;
      return answerCommitted(app, request, reply, () =>
        startCheckout(app, payment, { provider, clientIp, bankCode, locale }, { caller: requireCaller(request), log: messageRecordOf(request), idempotency: request.idempotency ?? undefined, instance: request.url }),
      );
    },
  );

  app.get<{ Params: { paymentId: string } }>(
    '/v1/payments/:paymentId',
    {
      schema: { summary: 'A payment: status, attempts, provider transaction id, refunds', tags: ['payments'], params: idParams, response: { 200: { $ref: 'Payment#' }, ...problems } },
      config: { scope: 'payments:read' },
    },
    async (request) => {
      const payment = await visiblePayment(request, request.params.paymentId);
      return paymentResource(payment, providers.ids(), payment.ownerPartyCode === request.caller!.partyCode);
    },
  );

  app.post<{ Params: { paymentId: string }; Body: { amount: number; reason: string; expectedRefundableAmount: number } }>(
    '/v1/payments/:paymentId/refunds',
    {
      schema: {
        summary: 'Refund some or all of a paid payment',
        description:
          'State the amount you believe is still refundable (`expectedRefundableAmount`, the payment’s `refundableAmount`): a different figure at the hub (another refund went first) → 409 REFUND_AMOUNT_MISMATCH. 201 when the provider confirmed at once; 202 while it has not (PENDING).',
        tags: ['payments'],
        params: idParams,
        headers: idempotencyHeader,
        body: { $ref: 'NewRefund#' },
        response: { 201: { $ref: 'Refund#' }, 202: { $ref: 'Refund#' }, ...problems },
      },
      config: { scope: 'payments:write', idempotent: true },
    },
    (request, reply) => refund(request, reply),
  );

  async function refund(request: FastifyRequest<{ Params: { paymentId: string }; Body: { amount: number; reason: string; expectedRefundableAmount: number } }>, reply: FastifyReply) {
    const caller = requireCaller(request);
    const payment = await visiblePayment(request, request.params.paymentId);
    const attempt = paidAttempt(payment);
    const provider = attempt && providers.get(attempt.provider);
    if (!attempt || !provider) throw new HubError('PAYMENT_STATE_CONFLICT', `payment ${payment.id} is ${payment.status}: only a paid payment can be refunded`, { extensions: { paymentStatus: payment.status } });
    const now = new Date();
    const refund: PaymentRefund = {
      id: crypto.randomUUID(),
      provider: provider.id,
      reference: provider.connector.reference(referenceToken(), now),
      amount: request.body.amount,
      reason: request.body.reason,
      status: 'PENDING',
      providerRefundId: null,
      providerCode: null,
      requestedBy: caller.partyCode,
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
    };
    // First the amount is reserved (the message is logged with that answer if refused), then the provider is asked.
    const reserved = await app.hub.pipeline.submit(reserveRefundHandler, {
      payload: { caller, paymentId: payment.id, refund, expectedRefundableAmount: request.body.expectedRefundableAmount, instance: request.url },
      log: messageRecordOf(request),
    });
    if (reserved.status >= 400) return sendAnswer(request, reply, reserved);
    const report = await requestRefund(providers, provider, payment, attempt, refund, request.log);
    const settled = await app.hub.pipeline.submit(settleRefundHandler, {
      payload: { paymentId: payment.id, refundId: refund.id, provider, report, actor: caller, providerIds: providers.ids() },
      idempotency: request.idempotency ?? undefined,
    });
    request.messageLogged = true;
    const pending = (settled.body as { status: string }).status === 'PENDING';
    return reply.code(pending ? 202 : 201).send(settled.body);
  }

  app.post<{ Params: { paymentId: string; refundId: string }; Body: { result: 'SUCCEEDED' | 'FAILED'; providerRefundId?: string; note: string } }>(
    '/v1/payments/:paymentId/refunds/:refundId/settlement',
    {
      schema: {
        summary: 'Settle a PENDING refund by hand (operators)',
        description: 'For providers without a refund API (Payoo, bank transfers by VietQR), or a refund the provider confirmed outside the hub: the operator records what the provider did. The ledger keeps who and why.',
        tags: ['payments'],
        params: { type: 'object', required: ['paymentId', 'refundId'], properties: { paymentId: { type: 'string', format: 'uuid' }, refundId: { type: 'string', format: 'uuid' } } },
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['result', 'note'],
          properties: { result: { type: 'string', enum: ['SUCCEEDED', 'FAILED'] }, providerRefundId: { type: 'string', minLength: 1, maxLength: 100 }, note: { type: 'string', minLength: 1, maxLength: 500 } },
        },
        response: { 200: { $ref: 'Refund#' }, ...problems },
      },
      config: { scope: 'admin' },
    },
    async (request, reply) => {
      const caller = requireCaller(request);
      const payment = await visiblePayment(request, request.params.paymentId);
      const refund = payment.refunds.find((r) => r.id === request.params.refundId);
      if (!refund) throw new HubError('NOT_FOUND', `payment ${payment.id} has no refund ${request.params.refundId}`);
      if (refund.status !== 'PENDING') throw new HubError('PAYMENT_STATE_CONFLICT', `refund ${refund.id} is ${refund.status} already`, { extensions: { refundStatus: refund.status } });
      const provider = providers.get(refund.provider);
      if (!provider) throw new HubError('PROVIDER_NOT_ENABLED', `provider ${refund.provider} is no longer connected`);
      const { result, providerRefundId, note } = request.body;
      const settled = await app.hub.pipeline.submit(settleRefundHandler, {
        payload: {
          paymentId: payment.id,
          refundId: refund.id,
          provider,
          report: { result, providerRefundId, providerCode: 'MANUAL', raw: JSON.stringify({ settledBy: caller.partyCode, clientId: caller.clientId, note }) },
          actor: caller,
          providerIds: providers.ids(),
        },
        log: messageRecordOf(request),
      });
      request.messageLogged = true;
      return reply.code(200).send(settled.body);
    },
  );

  app.get<{ Params: { paymentId: string } }>(
    '/v1/payments/:paymentId/receipt',
    {
      schema: {
        summary: 'The e-receipt (biên lai) of a paid payment, as PDF',
        tags: ['payments'],
        params: idParams,
        produces: ['application/pdf'],
        response: { 200: { description: 'PDF', type: 'string', format: 'binary' }, ...problems },
      },
      config: { scope: 'payments:read' },
    },
    async (request, reply) => {
      const payment = await visiblePayment(request, request.params.paymentId);
      if (!PAID_STATUSES.has(payment.status)) throw new HubError('PAYMENT_STATE_CONFLICT', `payment ${payment.id} is ${payment.status}: a receipt exists only once it is paid`, { extensions: { paymentStatus: payment.status } });
      const pdf = await paymentReceipt(app, payment, payment.ownerPartyCode === request.caller!.partyCode);
      return reply.type('application/pdf').header('content-disposition', `inline; filename="bien-lai-${payment.id}.pdf"`).send(pdf);
    },
  );
}
