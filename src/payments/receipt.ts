import type { FastifyInstance } from 'fastify';
import { maskIdNumber } from '../dossiers/dossier-resource';
import type { PaymentState } from './payment-model';
import { paidAttempt } from './payment-resource';
import { renderReceipt } from './receipt/receipt-pdf';

/** The e-receipt of a paid payment: the hub's record laid out by the PDF renderer. */
export async function paymentReceipt(app: FastifyInstance, payment: PaymentState, viewerIsOwner: boolean): Promise<Buffer> {
  const { request } = payment;
  const attempt = paidAttempt(payment)!;
  const provider = app.hub.payments.providers.get(attempt.provider);
  const agency = app.hub.parties.all().find((p) => p.code === payment.agencyCode);
  return renderReceipt({
    receiptNumber: `BL-${payment.id.slice(0, 8).toUpperCase()}`,
    issuedAt: payment.paidAt!,
    paymentId: payment.id,
    kind: request.kind,
    description: request.description,
    amount: request.amount,
    refundedAmount: payment.refundedAmount,
    paidAt: payment.paidAt!,
    provider: { id: attempt.provider, name: provider?.name ?? attempt.provider },
    providerTransactionId: attempt.providerTransactionId,
    dossierCode: request.dossierCode ?? null,
    procedureCode: request.procedureCode ?? null,
    agency: { code: payment.agencyCode, name: agency?.name ?? payment.agencyCode },
    payer: {
      name: request.payer.name,
      idNumber: request.payer.idNumber ? (viewerIsOwner ? request.payer.idNumber : maskIdNumber(request.payer.idNumber)) : null,
      address: request.payer.address ?? null,
    },
    beneficiary: request.beneficiary,
    items: request.items.map((item) => ({ code: item.code ?? null, name: item.name, amount: item.amount })),
    fine: request.fine ?? null,
    verifyUrl: `${app.hub.config.publicUrl}/v1/payments/${payment.id}`,
  });
}
