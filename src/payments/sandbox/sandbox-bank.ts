import { randomInt } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { request as httpRequest } from 'undici';
import { SIGNATURE_HEADER, type SandboxNotice, sign, signQuery, signedQuery, verify } from '../../../adapters/payment/sandbox/sandbox-protocol';
import { HubError } from '../../errors';
import { escapeHtml } from '../../sso/pages';

/**
 * DEMO ONLY: the sandbox bank, a pretend provider served by the hub under /sandbox so that a
 * newcomer can walk a payment end to end after `npm start` (the sandbox connector speaks to
 * it like to any provider: signed redirect, signed callback, query and refund APIs). It keeps
 * its transactions in memory: a restart forgets them, as a sandbox may.
 */
interface Transaction {
  reference: string;
  amount: number;
  status: 'SUCCEEDED' | 'FAILED';
  transactionId: string;
  refunded: number;
}

export interface SandboxBankOptions {
  secret: string;
  /** Called with every callback the bank sends (tests watch them). */
  onNotice?: (notice: { url: string; body: string; signature: string }) => void;
  /** When false, the bank does not send its callbacks (a lost IPN). */
  sendNotices?: () => boolean;
}

const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action *; base-uri 'none'; frame-ancestors 'none'";
const vnd = (amount: number) => `${amount.toLocaleString('vi-VN')} đ`;

function payPage(query: URLSearchParams): string {
  const hidden = [...query].map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`).join('');
  return `<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Ngân hàng thử nghiệm — thanh toán</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem}button{font-size:1.1rem;padding:.7rem 1.2rem;margin:.3rem}.amount{font-size:1.6rem;font-weight:bold}</style></head>
<body><main>
<p role="note"><strong>Ngân hàng thử nghiệm (sandbox)</strong>: không có tiền thật nào được chuyển. / Sandbox bank: no real money moves.</p>
<h1>Thanh toán</h1>
<p>${escapeHtml(query.get('description') ?? '')}</p>
<p class="amount">${escapeHtml(vnd(Number(query.get('amount'))))}</p>
<p>Mã tham chiếu / Reference: <code>${escapeHtml(query.get('reference') ?? '')}</code></p>
<form method="post" action="pay">${hidden}
<button type="submit" name="action" value="pay">Thanh toán / Pay</button>
<button type="submit" name="action" value="cancel">Huỷ / Cancel</button>
</form>
</main></body></html>`;
}

export async function sandboxBank(app: FastifyInstance, options: SandboxBankOptions): Promise<void> {
  const transactions = new Map<string, Transaction>();
  const refunds = new Set<string>();

  /** The order, if its signature holds and it has not expired. */
  function order(fields: Record<string, string>): URLSearchParams {
    const query = new URLSearchParams(Object.entries(fields).filter(([name]) => name !== 'action'));
    if (!verify(options.secret, signedQuery(query), query.get('sig') ?? undefined)) throw new HubError('FORBIDDEN', 'the payment link is not signed by the hub');
    if (Date.parse(query.get('expiresAt') ?? '') < Date.now()) throw new HubError('FORBIDDEN', 'the payment link has expired');
    return query;
  }

  async function notify(url: string, notice: SandboxNotice): Promise<void> {
    const body = JSON.stringify(notice);
    const signature = sign(options.secret, body);
    options.onNotice?.({ url, body, signature });
    if (options.sendNotices && !options.sendNotices()) return;
    try {
      const response = await httpRequest(url, { method: 'POST', headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signature }, body, signal: AbortSignal.timeout(5000) });
      await response.body.dump();
    } catch (error) {
      // A lost callback is what the hub's status queries are for.
      app.log.warn({ err: error }, 'sandbox bank: the callback could not be delivered');
    }
  }

  function signedAnswer(body: Record<string, unknown>): { text: string; signature: string } {
    const text = JSON.stringify(body);
    return { text, signature: sign(options.secret, text) };
  }

  app.get<{ Querystring: Record<string, string> }>('/pay', { config: { public: true }, schema: { hide: true } }, async (request, reply) => {
    const query = order(request.query);
    const done = transactions.get(query.get('reference')!);
    if (done) return reply.code(409).type('text/plain; charset=utf-8').send(`Giao dịch đã ${done.status === 'SUCCEEDED' ? 'thanh toán' : 'huỷ'}.`);
    return reply.header('content-security-policy', PAGE_CSP).type('text/html; charset=utf-8').send(payPage(query));
  });

  app.post<{ Body: Record<string, string> }>('/pay', { config: { public: true }, schema: { hide: true } }, async (request, reply) => {
    const query = order(request.body);
    const reference = query.get('reference')!;
    const amount = Number(query.get('amount'));
    const existing = transactions.get(reference);
    const transaction: Transaction = existing ?? {
      reference,
      amount,
      status: request.body.action === 'pay' ? 'SUCCEEDED' : 'FAILED',
      transactionId: `SBX${Date.now()}${randomInt(1000, 9999)}`,
      refunded: 0,
    };
    transactions.set(reference, transaction);
    if (!existing) {
      await notify(query.get('callbackUrl')!, { reference, amount, result: transaction.status, transactionId: transaction.transactionId, merchant: 'sandbox', at: new Date().toISOString() });
    }
    const back = signQuery(options.secret, { reference, amount: String(amount), result: transaction.status, transactionId: transaction.transactionId });
    return reply.redirect(`${query.get('returnUrl')!}?${back}`, 303);
  });

  const api = { config: { public: true }, schema: { hide: true } };
  app.post<{ Body: Record<string, unknown> }>('/api/query', api, async (request, reply) => {
    if (!verify(options.secret, request.rawBody?.toString('utf8') ?? '', request.headers[SIGNATURE_HEADER] as string | undefined)) throw new HubError('UNAUTHENTICATED', 'unsigned request');
    const transaction = transactions.get(String(request.body.reference));
    const { text, signature } = signedAnswer(
      transaction
        ? { reference: transaction.reference, status: transaction.status, amount: transaction.amount, transactionId: transaction.transactionId }
        : { reference: request.body.reference, status: 'PENDING' },
    );
    return reply.header(SIGNATURE_HEADER, signature).type('application/json').send(text);
  });

  app.post<{ Body: Record<string, unknown> }>('/api/refund', api, async (request, reply) => {
    if (!verify(options.secret, request.rawBody?.toString('utf8') ?? '', request.headers[SIGNATURE_HEADER] as string | undefined)) throw new HubError('UNAUTHENTICATED', 'unsigned request');
    const transaction = transactions.get(String(request.body.paymentReference));
    const amount = Number(request.body.amount);
    const reference = String(request.body.reference);
    let status: 'SUCCEEDED' | 'FAILED' = 'FAILED';
    if (refunds.has(reference)) status = 'SUCCEEDED';
    else if (transaction?.status === 'SUCCEEDED' && Number.isSafeInteger(amount) && amount > 0 && transaction.refunded + amount <= transaction.amount) {
      transaction.refunded += amount;
      refunds.add(reference);
      status = 'SUCCEEDED';
    }
    const { text, signature } = signedAnswer({ reference, status, refundId: status === 'SUCCEEDED' ? `SBXR-${reference}` : null });
    return reply.header(SIGNATURE_HEADER, signature).type('application/json').send(text);
  });
}
