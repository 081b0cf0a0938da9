import type { PartyDeclaration } from '../../src/parties/party';
import { PartyRegistry } from '../../src/parties/registry';
import { PaymentProviders } from '../../src/payments/providers';

/** Payment provider parties are checked at boot: a bad one stops the hub, naming the party and the field. */
const providers = (party: PartyDeclaration) => new PaymentProviders(new PartyRegistry([party]), { publicUrl: 'http://hub.test', providerTimeoutMs: 1000 });

describe('payment providers from the parties file', () => {
  const vnpay: PartyDeclaration = {
    code: 'vnpay-hanoi',
    name: 'VNPAY (Hà Nội merchant)',
    kind: 'PAYMENT_PROVIDER',
    provider: 'vnpay',
    settings: { tmnCode: 'HANOI001', hashSecret: 'secret-0123456789', baseUrl: 'https://sandbox.vnpayment.vn', apiUrl: 'https://sandbox.vnpayment.vn/merchant_webapi/api/transaction' },
  };

  it('takes a valid provider under its party code, with the connector its `provider` names', () => {
    const registry = providers(vnpay);
    expect(registry.ids()).toEqual(['vnpay-hanoi']);
    expect(registry.get('vnpay-hanoi')?.connector.kind).toBe('vnpay');
    expect(registry.context(registry.get('vnpay-hanoi')!, new Date()).callbackUrl).toBe('http://hub.test/v1/callbacks/vnpay-hanoi');
    void registry.close();
  });

  it('refuses missing and unknown settings, naming them', () => {
    const { hashSecret: _missing, ...settings } = vnpay.settings as Record<string, unknown>;
    expect(() => providers({ ...vnpay, settings: { ...settings, hashSecrett: 'typo' } })).toThrow(/party vnpay-hanoi: .*hashSecret.*hashSecrett/s);
  });

  it('refuses a provider the hub has no connector for', () => {
    expect(() => providers({ ...vnpay, provider: 'paypal' })).toThrow(/party vnpay-hanoi: provider "paypal" is not a payment connector/);
  });

  it('fills the sandbox bank’s settings itself', () => {
    const registry = providers({ code: 'sandbox', name: 'Sandbox', kind: 'PAYMENT_PROVIDER', provider: 'sandbox' });
    expect(registry.sandbox()?.settings).toMatchObject({ baseUrl: 'http://hub.test/sandbox', secret: expect.any(String) });
    void registry.close();
  });
});
