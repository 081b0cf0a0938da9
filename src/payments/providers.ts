import { randomBytes } from 'node:crypto';
import Ajv from 'ajv';
import type { ConnectorContext, PaymentConnector, ProviderSettings } from '../../adapters/payment/connector';
import { paymentConnectors } from '../../adapters/payment/registry';
import type { Party } from '../parties/party';
import type { PartyRegistry } from '../parties/registry';
import { UndiciProviderHttp } from './provider-http';

/**
 * The payment providers this hub is connected to: every PAYMENT_PROVIDER party, with the
 * connector its `provider` names and its validated settings. A provider's id is its party
 * code, so one connector can serve several merchant accounts (two VNPay merchants are two
 * parties). Settings are checked at boot: a bad one stops the hub with the field named.
 */
export interface PaymentProvider {
  id: string;
  name: string;
  party: Party;
  connector: PaymentConnector;
  settings: ProviderSettings;
}

export class PaymentProviders {
  private readonly providers = new Map<string, PaymentProvider>();
  readonly http: UndiciProviderHttp;

  constructor(
    parties: PartyRegistry,
    private readonly options: { publicUrl: string; providerTimeoutMs: number },
  ) {
    const ajv = new Ajv({ allErrors: true, strict: false });
    for (const party of parties.all()) {
      if (party.kind !== 'PAYMENT_PROVIDER') continue;
      const kind = party.declaration.provider ?? '';
      const connector = paymentConnectors[kind];
      if (!connector) throw new Error(`party ${party.code}: provider "${kind}" is not a payment connector of this hub (${Object.keys(paymentConnectors).join(', ')})`);
      const settings = kind === 'sandbox' ? this.sandboxSettings(party.declaration.settings) : (party.declaration.settings ?? {});
      const validate = ajv.compile(connector.settingsSchema);
      if (!validate(settings)) {
        const problems = (validate.errors ?? []).map((e) => `settings${e.instancePath} ${e.message ?? 'is invalid'}${e.keyword === 'additionalProperties' ? ` (${(e.params as { additionalProperty: string }).additionalProperty})` : ''}`);
        throw new Error(`party ${party.code}: ${problems.join('; ')}`);
      }
      this.providers.set(party.code, { id: party.code, name: party.name, party, connector, settings });
    }
    this.http = new UndiciProviderHttp(options.providerTimeoutMs);
  }

  /** The sandbox bank lives inside the hub: its URL is the hub's, and its secret is made per process unless declared. */
  private sandboxSettings(declared: Record<string, unknown> | undefined): ProviderSettings {
    return { baseUrl: `${this.options.publicUrl}/sandbox`, secret: randomBytes(24).toString('base64url'), ...declared };
  }

  get(id: string): PaymentProvider | undefined {
    return this.providers.get(id);
  }

  ids(): string[] {
    return [...this.providers.keys()];
  }

  /** The sandbox provider, when one is connected (its bank is then served under /sandbox). */
  sandbox(): PaymentProvider | undefined {
    return [...this.providers.values()].find((p) => p.connector.kind === 'sandbox');
  }

  context(provider: PaymentProvider, now: Date): ConnectorContext {
    return {
      settings: provider.settings,
      http: this.http,
      now,
      callbackUrl: `${this.options.publicUrl}/v1/callbacks/${encodeURIComponent(provider.id)}`,
      returnUrl: `${this.options.publicUrl}/v1/payments/return/${encodeURIComponent(provider.id)}`,
    };
  }

  close(): Promise<void> {
    return this.http.close();
  }
}
