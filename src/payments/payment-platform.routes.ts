import type { FastifyInstance } from 'fastify';
import type { QueryMessage } from '../../adapters/onestop/dvcqg/payment-platform/messages';
import { verifyMaXacThuc } from '../../adapters/onestop/dvcqg/payment-platform/signature';
import {
  describeProblems,
  errorAnswer,
  initAnswer,
  queryAnswer,
  queryRefusal,
  readPortalMessage,
  toCanonicalPayment,
} from '../../adapters/onestop/dvcqg/payment-platform/translate';
import { HubError } from '../errors';
import { requireCaller } from '../http/authentication';
import { messageRecordOf } from '../http/observability';
import { notifyTarget } from './payment-notifications';
import { paidAttempt } from './payment-resource';
import { findPaymentByExternalReference } from './payment.repository';
import { createPaymentHandler } from './payment.service';
import { PAID_STATUSES } from './payment-states';
import { paymentReceipt } from './receipt';

/**
 * The portal payment platform's endpoint (message version 1.0.6): one-stop systems written
 * against the platform switch to the hub by changing its URL. INIT creates a canonical payment
 * (its MaThamChieu is the agency's reference) and answers the hub's payment page as
 * UrlThanhToan; QUERY answers the platform's status; GET_BILL the PDF receipt. When the
 * payment ends, the Confirm message goes to the party's paymentPlatform.confirmUrl, through
 * webhook delivery (retries, attempts logged). Answers are the platform's, HTTP 200 with its
 * own error codes, as its clients expect.
 */
export default async function paymentPlatformRoutes(app: FastifyInstance): Promise<void> {
  const { config, parties, payments } = app.hub;

  app.post(
    '/compat/dvcqg/payment',
    {
      schema: {
        summary: 'Portal payment platform 1.0.6: INIT, QUERY, GET_BILL',
        description: 'The portal payment platform’s own messages (`LoaiBanTin`, `MaXacThuc` = SHA-256 over the pipe-joined fields and your paymentPlatform.secret). Answers in the platform’s style.',
        tags: ['portal-compatible'],
        body: { type: 'object' },
      },
      config: { scope: 'payments:write' },
    },
    async (request, reply) => {
      const caller = requireCaller(request);
      const party = parties.party(caller.partyCode)!;
      const platform = party.declaration.paymentPlatform;
      if (!platform) throw new HubError('FORBIDDEN', 'your party has no paymentPlatform declared in the parties file');
      const reading = readPortalMessage(request.body);
      if (!reading.ok) return errorAnswer('MALFORMED', describeProblems(reading.problems));
      const message = reading.message;
      const refuse = (refusal: Parameters<typeof errorAnswer>[0], detail?: string) =>
        message.LoaiBanTin === 'QUERY' ? queryRefusal(refusal, detail) : errorAnswer(refusal, detail);
      if (message.MaDoiTac !== platform.partnerCode) return refuse('PARTNER_MISMATCH');
      if (!verifyMaXacThuc(message, platform.secret)) return refuse('INVALID_SIGNATURE');

      const existing = await findPaymentByExternalReference(app.hub.db, party.code, message.MaThamChieu);
      const payUrl = (paymentId: string) => `${config.publicUrl}/pay/${paymentId}`;

      if (message.LoaiBanTin === 'INIT') {
        if (existing) {
          // The same INIT again (a retry): the same page while the payment is open; otherwise the reference is spent.
          const open = ['CREATED', 'PENDING', 'FAILED'].includes(existing.status) && existing.request.amount === message.SoTien;
          return open ? initAnswer(payUrl(existing.id)) : errorAnswer('DUPLICATE_REFERENCE');
        }
        const canonical = toCanonicalPayment(message, `${config.publicUrl}/pay/returned`);
        const answer = await app.hub.pipeline.submit(createPaymentHandler, {
          payload: {
            caller,
            // The Confirm goes where the operator declared; as the payment's notifyUrl it is what the dispatcher matches.
            request: { ...canonical.request, notifyUrl: platform.confirmUrl },
            externalReference: canonical.externalReference,
            providerIds: payments.providers.ids(),
            notify: notifyTarget(party.code, platform.confirmUrl, platform.secret, 'payment-confirm'),
            instance: request.url,
          },
          log: messageRecordOf(request),
        });
        request.messageLogged = true;
        request.outcome = answer.outcome;
        if (answer.status !== 201) return errorAnswer('MALFORMED', (answer.body as { detail: string }).detail);
        return initAnswer(payUrl((answer.body as { paymentId: string }).paymentId));
      }

      if (!existing || !caller.jurisdiction.covers(existing.agencyCode)) return refuse('UNKNOWN_REFERENCE');
      if (message.LoaiBanTin === 'QUERY') {
        const attempt = paidAttempt(existing) ?? existing.attempts.at(-1);
        return queryAnswer(
          message as QueryMessage,
          {
            status: existing.status,
            amount: existing.request.amount,
            providerTransactionId: attempt?.providerTransactionId ?? undefined,
            bankCode: attempt?.provider,
            paidAt: existing.paidAt ?? undefined,
            description: existing.request.description,
          },
          platform.secret,
        );
      }
      if (!PAID_STATUSES.has(existing.status)) return refuse('NOT_PAID');
      // GET_BILL: the platform's clients save whatever body comes back as the receipt file.
      return reply.type('application/pdf').send(await paymentReceipt(app, existing, true));
    },
  );
}
