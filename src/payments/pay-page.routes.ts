import type { FastifyInstance, FastifyReply } from 'fastify';
import QRCode from 'qrcode';
import { HubError } from '../errors';
import { messageRecordOf } from '../http/observability';
import { escapeHtml } from '../sso/pages';
import { startCheckout } from './checkout';
import type { PaymentState } from './payment-model';
import { findPayment } from './payment.repository';
import { PAID_STATUSES } from './payment-states';

/**
 * The hub's hosted payment page: where a citizen chooses how to pay a payment, for agencies
 * that do not build their own choice (the portal payment platform's UrlThanhToan leads
 * here). The payment id, a random UUID, is the capability: the page shows no personal data
 * beyond what the citizen is paying for. Plain HTML, no script.
 */
const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action *; base-uri 'none'; frame-ancestors 'none'";
const STATUS_TEXT: Record<string, string> = {
  CREATED: 'Chờ thanh toán',
  PENDING: 'Đang chờ kết quả từ ngân hàng / trung gian thanh toán',
  PAID: 'Đã thanh toán',
  FAILED: 'Thanh toán không thành công — bạn có thể thử lại',
  EXPIRED: 'Đã hết hạn thanh toán',
  CANCELLED: 'Đã huỷ',
  PARTIALLY_REFUNDED: 'Đã thanh toán (hoàn tiền một phần)',
  REFUNDED: 'Đã hoàn tiền',
};
const idParams = { type: 'object', required: ['paymentId'], properties: { paymentId: { type: 'string', format: 'uuid' } } } as const;

function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:34rem;margin:2rem auto;padding:0 1rem;line-height:1.5}.amount{font-size:1.6rem;font-weight:bold}button{font-size:1.05rem;padding:.6rem 1rem;margin:.25rem 0;width:100%}fieldset{border:1px solid #ccc;padding:.8rem}label{display:block;padding:.3rem 0}img{max-width:18rem;width:100%}</style>
</head><body><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`;
}

const vnd = (amount: number) => `${amount.toLocaleString('vi-VN')} đồng`;

function summary(payment: PaymentState): string {
  return `<p>${escapeHtml(payment.request.description)}</p>
<p class="amount">${escapeHtml(vnd(payment.request.amount))}</p>
<p>Đơn vị thu: ${escapeHtml(payment.agencyCode)}${payment.request.dossierCode ? ` — Mã hồ sơ: ${escapeHtml(payment.request.dossierCode)}` : ''}</p>
<p role="status">Trạng thái: <strong>${escapeHtml(STATUS_TEXT[payment.status] ?? payment.status)}</strong></p>`;
}

export default async function payPageRoutes(app: FastifyInstance): Promise<void> {
  const { providers } = app.hub.payments;

  async function paymentOf(paymentId: string): Promise<PaymentState> {
    const payment = await findPayment(app.hub.db, paymentId);
    if (!payment) throw new HubError('NOT_FOUND', 'no such payment');
    return payment;
  }

  const html = (reply: FastifyReply, body: string) => reply.header('content-security-policy', PAGE_CSP).type('text/html; charset=utf-8').send(body);

  app.get<{ Params: { paymentId: string } }>('/pay/:paymentId', { schema: { hide: true, params: idParams } }, async (request, reply) => {
    const payment = await paymentOf(request.params.paymentId);
    const open = ['CREATED', 'PENDING', 'FAILED'].includes(payment.status) && payment.expiresAt > new Date();
    const choices = providers
      .ids()
      .map((id, i) => `<label><input type="radio" name="provider" value="${escapeHtml(id)}"${i === 0 ? ' checked' : ''}> ${escapeHtml(providers.get(id)!.name)}</label>`)
      .join('');
    const form = open
      ? `<form method="post" action="/pay/${escapeHtml(payment.id)}"><fieldset><legend>Chọn cách thanh toán</legend>${choices}</fieldset><button type="submit">Thanh toán</button></form>`
      : '';
    return html(reply, page('Thanh toán trực tuyến', summary(payment) + form));
  });

  app.post<{ Params: { paymentId: string }; Body: { provider?: string } }>('/pay/:paymentId', { schema: { hide: true, params: idParams } }, async (request, reply) => {
    const payment = await paymentOf(request.params.paymentId);
    const owner = app.hub.parties.party(payment.ownerPartyCode);
    if (!owner) throw new HubError('NOT_FOUND', 'no such payment');
    const answer = await startCheckout(
      app,
      payment,
      { provider: String(request.body?.provider ?? ''), clientIp: request.ip, locale: 'vi' },
      {
        // The citizen acts for the agency that asked for the payment.
        caller: { partyCode: owner.code, clientId: 'hosted-payment-page', jurisdiction: owner.jurisdiction, requestId: request.id },
        log: { ...messageRecordOf(request), partyCode: owner.code },
        instance: request.url,
      },
    );
    request.messageLogged = true;
    if (answer.status !== 200) throw new HubError('PAYMENT_STATE_CONFLICT', (answer.body as { detail: string }).detail);
    const checkout = answer.body as { redirectUrl?: string; qr?: { payload: string } };
    if (checkout.redirectUrl) return reply.redirect(checkout.redirectUrl, 303);
    const image = await QRCode.toDataURL(checkout.qr!.payload, { errorCorrectionLevel: 'M', margin: 2, width: 320 });
    return html(
      reply,
      page(
        'Quét mã VietQR để chuyển khoản',
        `${summary(payment)}<p><img src="${image}" alt="Mã VietQR: mở ứng dụng ngân hàng và quét để chuyển ${escapeHtml(vnd(payment.request.amount))}"></p><p>Giữ nguyên nội dung chuyển khoản. Trang này không tự cập nhật: mở lại <a href="/pay/${escapeHtml(payment.id)}">trang thanh toán</a> sau khi chuyển.</p>`,
      ),
    );
  });

  /** Where the citizen lands after paying when the agency gave no page of its own (portal payment platform INIT): the hub's return handler adds paymentId and status. */
  app.get<{ Querystring: { paymentId: string } }>(
    '/pay/returned',
    { schema: { hide: true, querystring: { type: 'object', required: ['paymentId'], properties: { paymentId: { type: 'string', format: 'uuid' }, status: { type: 'string' } } } } },
    async (request, reply) => {
      const payment = await paymentOf(request.query.paymentId);
      const closing = PAID_STATUSES.has(payment.status) ? '<p>Cảm ơn bạn. Đơn vị thu đã được thông báo.</p>' : `<p><a href="/pay/${escapeHtml(payment.id)}">Quay lại trang thanh toán</a></p>`;
      return html(reply, page('Kết quả thanh toán', summary(payment) + closing));
    },
  );
}
