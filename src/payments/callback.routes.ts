import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CallbackOutcome, RawHttpRequest } from '../../adapters/payment/connector';
import { HubError } from '../errors';
import { keepingBytes } from '../http/body-parsers';
import { messageRecordOf } from '../http/observability';
import { type NoticeAnswer, noticeHandler, rawText } from './payment.service';
import type { PaymentProvider } from './providers';

/**
 * What providers send the hub: server-to-server callbacks (IPN) and the citizen's browser
 * coming back. No bearer token: the provider's own signature authenticates a callback,
 * checked by its connector over the raw bytes. Every callback is answered exactly as its
 * provider expects, and kept in the ledger whatever it was.
 */
const providerParams = { type: 'object', required: ['provider'], properties: { provider: { type: 'string', maxLength: 64 } } } as const;

export default async function callbackRoutes(app: FastifyInstance): Promise<void> {
  const { providers, sweeper } = app.hub.payments;
  const outcomes = app.hub.metrics.paymentCallbacks;

  // Providers post JSON, forms, XML or plain text: every body is kept as bytes, and read by the connector.
  app.addContentTypeParser('*', { parseAs: 'buffer' }, keepingBytes(() => undefined));

  function providerOf(request: FastifyRequest<{ Params: { provider: string } }>): PaymentProvider {
    const provider = providers.get(request.params.provider);
    if (!provider) throw new HubError('NOT_FOUND', `no payment provider ${request.params.provider}`);
    return provider;
  }

  function rawRequest(request: FastifyRequest): RawHttpRequest {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) if (typeof value === 'string') headers[name] = value;
    return { method: request.method === 'GET' ? 'GET' : 'POST', url: request.url, headers, body: request.rawBody?.toString('utf8') ?? '' };
  }

  async function record(request: FastifyRequest, provider: PaymentProvider, source: 'CALLBACK' | 'RETURN', raw: RawHttpRequest): Promise<NoticeAnswer> {
    const context = providers.context(provider, new Date());
    const notice = source === 'CALLBACK' ? provider.connector.parseCallback(context, raw) : provider.connector.parseReturn(context, raw);
    const answer = await app.hub.pipeline.submit(noticeHandler, {
      payload: { provider, source, notice, raw: rawText(raw), requestId: request.id, providerIds: providers.ids() },
      log: { ...messageRecordOf(request), partyCode: provider.party.code },
    });
    request.messageLogged = true;
    const decided = answer.body as NoticeAnswer;
    request.outcome = decided.outcome;
    if (decided.queryPaymentId) sweeper.queryNow(decided.queryPaymentId);
    return decided;
  }

  async function callback(request: FastifyRequest<{ Params: { provider: string } }>, reply: FastifyReply) {
    const provider = providerOf(request);
    let outcome: CallbackOutcome;
    try {
      outcome = (await record(request, provider, 'CALLBACK', rawRequest(request))).outcome;
    } catch (error) {
      // Nothing was recorded: the provider must send it again.
      request.log.error({ err: error, provider: provider.id }, 'payments: a callback could not be recorded; the provider is asked to send it again');
      outcome = 'RETRY_LATER';
    }
    outcomes.inc({ provider: provider.id, outcome });
    const answer = provider.connector.answerCallback(outcome);
    reply.code(answer.status);
    if (answer.contentType) reply.type(answer.contentType);
    return reply.send(answer.status === 204 ? undefined : answer.body);
  }

  const callbackSchema = {
    summary: 'A provider’s notification (IPN)',
    description: 'Authenticated by the provider’s own signature over the raw request, and answered in the provider’s own format (VNPay `{RspCode, Message}`, MoMo 204, ZaloPay `{return_code, return_message}`, Payoo `NOTIFY_RECEIVED`, ...).',
    tags: ['payment callbacks'],
    params: providerParams,
  };
  app.get('/v1/callbacks/:provider', { schema: callbackSchema, config: { public: true } }, callback);
  app.post('/v1/callbacks/:provider', { schema: callbackSchema, config: { public: true } }, callback);

  app.get<{ Params: { provider: string } }>(
    '/v1/payments/return/:provider',
    {
      schema: {
        summary: 'The citizen’s browser coming back from a provider',
        description: 'Verified like a callback, then redirected (302) to the payment’s returnUrl with `paymentId` and `status`. An unverifiable return changes nothing: the hub asks the provider.',
        tags: ['payment callbacks'],
        params: providerParams,
      },
      config: { public: true },
    },
    async (request, reply) => {
      const provider = providerOf(request);
      const decided = await record(request, provider, 'RETURN', rawRequest(request));
      if (!decided.payment) throw new HubError('NOT_FOUND', 'this return does not belong to a payment of the hub');
      const target = new URL(decided.payment.returnUrl);
      target.searchParams.set('paymentId', decided.payment.id);
      target.searchParams.set('status', decided.payment.status);
      return reply.redirect(target.toString(), 302);
    },
  );
}
