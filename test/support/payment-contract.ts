import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type CallbackOutcome,
  type CheckoutOrder,
  type ConnectorContext,
  ProviderUnavailableError,
  type RawHttpRequest,
} from '../../adapters/payment/connector';
import { UndiciProviderHttp } from '../../src/payments/provider-http';
import type { ConnectorHarness, ProviderSimulator } from './payment-simulators/simulator';

/**
 * The contract every payment connector passes, against its provider's simulator over real
 * HTTP: checkout, callbacks (paid, failed, forged, garbage), status queries, refunds, the
 * provider being down or silent, and an answer for every outcome. Call it from the
 * connector's own test file, next to that provider's published test vectors.
 */
const OUTCOMES: CallbackOutcome[] = ['ACCEPTED', 'ALREADY_CONFIRMED', 'UNKNOWN_ORDER', 'AMOUNT_MISMATCH', 'MERCHANT_MISMATCH', 'INVALID_SIGNATURE', 'MALFORMED', 'RETRY_LATER'];
const PROVIDER_TIMEOUT_MS = 700;

/** Where the simulator posts its callbacks: answers them as the hub would (ACCEPTED) and keeps them. */
class CallbackCatcher {
  readonly received: RawHttpRequest[] = [];
  private readonly server: http.Server;

  constructor(answer: () => { status: number; contentType?: string; body: string }) {
    this.server = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(request.headers)) if (typeof value === 'string') headers[name] = value;
        this.received.push({ method: request.method as 'GET' | 'POST', url: request.url!, headers, body: Buffer.concat(chunks).toString('utf8') });
        const { status, contentType, body } = answer();
        response.writeHead(status, contentType ? { 'content-type': contentType } : {}).end(body);
      });
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

let tokenCounter = 0;
/** A fresh 12-character [0-9A-Z] token, as the hub makes them. */
export function testToken(): string {
  tokenCounter += 1;
  return `${Date.now().toString(36).toUpperCase()}${tokenCounter.toString(36).toUpperCase()}`.padStart(12, '0').slice(-12);
}

export function describeConnectorContract(name: string, harness: ConnectorHarness): void {
  const { connector } = harness;

  describe(`payment connector contract: ${name}`, () => {
    const catcher = new CallbackCatcher(() => connector.answerCallback('ACCEPTED'));
    const http = new UndiciProviderHttp(PROVIDER_TIMEOUT_MS);
    let simulator: ProviderSimulator;
    let context: ConnectorContext;

    beforeAll(async () => {
      const base = await catcher.start();
      const callbackUrl = `${base}/v1/callbacks/${connector.kind}`;
      const returnUrl = `${base}/v1/payments/return/${connector.kind}`;
      simulator = await harness.startSimulator({ callbackUrl, returnUrl });
      context = { settings: simulator.settings, http, now: new Date(), callbackUrl, returnUrl };
    });

    afterAll(async () => {
      await simulator?.stop();
      await http.close();
      await catcher.stop();
    });

    afterEach(() => {
      for (const api of harness.apis) simulator.fault(api, undefined);
    });

    function newOrder(amount = 150_000): CheckoutOrder {
      const createdAt = new Date();
      return {
        reference: connector.reference(testToken(), createdAt),
        amount,
        description: 'Lệ phí cấp giấy phép lái xe 000.00.00.H26-260101-0001',
        clientIp: '203.0.113.7',
        locale: 'vi',
        createdAt,
        expiresAt: new Date(createdAt.getTime() + 15 * 60_000),
      };
    }

    async function paid(outcome: 'success' | 'failure' = 'success', amount?: number) {
      const order = newOrder(amount);
      const checkout = await connector.createCheckout({ ...context, now: order.createdAt }, order);
      const { callback, browserReturn } = await simulator.complete(checkout, order, outcome);
      return { order, checkout, callback, browserReturn };
    }

    /** The callback of a paid order (every provider sends one on success). */
    async function paidWithCallback(amount?: number) {
      const result = await paid('success', amount);
      if (!result.callback) throw new Error(`the ${name} simulator sent no callback for a successful payment`);
      return { ...result, callback: result.callback };
    }

    const attemptOf = (order: CheckoutOrder, providerTransactionId?: string) => ({
      reference: order.reference,
      amount: order.amount,
      createdAt: order.createdAt,
      clientIp: order.clientIp,
      providerTransactionId,
      providerOrderId: undefined,
    });

    it('makes distinct references from distinct tokens, each at most 40 characters of [0-9A-Za-z_.-]', () => {
      const now = new Date();
      const a = connector.reference('0000000000AB', now);
      const b = connector.reference('0000000000AC', now);
      expect(a).not.toBe(b);
      for (const reference of [a, b]) expect(reference).toMatch(/^[0-9A-Za-z_.-]{1,40}$/);
    });

    it('starts a checkout the provider accepts: a redirect URL or a QR payload', async () => {
      const order = newOrder();
      const checkout = await connector.createCheckout(context, order);
      expect(checkout.redirectUrl ?? checkout.qr?.payload).toBeTruthy();
      if (checkout.redirectUrl) expect(() => new URL(checkout.redirectUrl!)).not.toThrow();
    });

    it('verifies the callback of a paid order: reference, integer VND amount, merchant, SUCCEEDED', async () => {
      const { order, callback } = await paidWithCallback(215_000);
      expect(catcher.received).toContainEqual(expect.objectContaining({ body: callback.body, url: callback.url }));
      const notice = connector.parseCallback(context, callback);
      expect(notice).toMatchObject({ verified: true, reference: order.reference, amount: 215_000, result: 'SUCCEEDED' });
      if (notice.verified) {
        expect(notice.merchantCode).toBe(connector.merchantCode(simulator.settings));
        expect(notice.eventKey).toBeTruthy();
        // The same notice twice is the same ledger entry.
        expect(connector.parseCallback(context, callback)).toEqual(notice);
      }
    });

    it(harness.notifiesFailures ? 'verifies the callback of a failed payment as FAILED' : 'sends no callback for a failed payment', async () => {
      const failed = await paid('failure');
      if (!harness.notifiesFailures) {
        expect(failed.callback).toBeUndefined();
        return;
      }
      expect(connector.parseCallback(context, failed.callback!)).toMatchObject({ verified: true, reference: failed.order.reference, result: 'FAILED' });
    });

    it('refuses a callback whose amount was changed after signing', async () => {
      const { callback } = await paidWithCallback();
      expect(connector.parseCallback(context, harness.tamperAmount(callback))).toMatchObject({ verified: false, problem: 'INVALID_SIGNATURE' });
    });

    it('refuses a callback signed with another key', async () => {
      const order = newOrder();
      const created = await connector.createCheckout(context, order);
      const { callback } = await simulator.complete(created, order, 'success', { deliver: false });
      if (!callback) throw new Error(`the ${name} simulator sent no callback for a successful payment`);
      const otherKey = { ...context, settings: Object.fromEntries(Object.entries(simulator.settings).map(([k, v]) => [k, typeof v === 'string' && /secret|key|token|checksum/i.test(k) ? `${v}x` : v])) };
      expect(connector.parseCallback(otherKey, callback)).toMatchObject({ verified: false });
    });

    it('reads garbage as MALFORMED without throwing', () => {
      const garbage: RawHttpRequest[] = [
        { method: 'POST', url: `/v1/callbacks/${connector.kind}`, headers: { 'content-type': 'application/json' }, body: '{"not":' },
        { method: 'POST', url: `/v1/callbacks/${connector.kind}`, headers: { 'content-type': 'application/json' }, body: '[]' },
        { method: 'GET', url: `/v1/callbacks/${connector.kind}?x=1`, headers: {}, body: '' },
        { method: 'POST', url: `/v1/callbacks/${connector.kind}`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=%ZZ' },
      ];
      for (const request of garbage) {
        const notice = connector.parseCallback(context, request);
        expect(notice.verified).toBe(false);
      }
    });

    it('answers every outcome the way the provider expects, always the same way', () => {
      for (const outcome of OUTCOMES) {
        const answer = connector.answerCallback(outcome);
        expect(answer.status).toBeGreaterThanOrEqual(200);
        expect(connector.answerCallback(outcome)).toEqual(answer);
      }
    });

    it('verifies the browser return when the provider sends one', async () => {
      const { order, browserReturn } = await paid();
      if (!browserReturn) return;
      const notice = connector.parseReturn(context, browserReturn);
      expect(notice).toMatchObject({ verified: true, reference: order.reference });
    });

    it('queries status: SUCCEEDED with amount and transaction id after payment, FAILED (or PENDING where nobody reports failures) after a failure', async () => {
      const success = await paidWithCallback(99_000);
      const notice = connector.parseCallback(context, success.callback);
      const report = await connector.queryStatus(context, attemptOf(success.order, notice.verified ? notice.providerTransactionId : undefined));
      expect(report).toMatchObject({ result: 'SUCCEEDED', amount: 99_000 });
      expect(report.eventKey).toBeTruthy();
      expect(report.raw).toBeTruthy();

      const failure = await paid('failure');
      expect((await connector.queryStatus(context, attemptOf(failure.order))).result).toBe(harness.reportsFailures === false ? 'PENDING' : 'FAILED');
    });

    it('queries status of an order nobody paid yet as PENDING', async () => {
      const order = newOrder();
      await connector.createCheckout(context, order);
      expect((await connector.queryStatus(context, attemptOf(order))).result).toBe('PENDING');
    });

    if (harness.apis.includes('query')) {
      it.each(['timeout', 'down'] as const)('throws ProviderUnavailableError when the query API is %s', async (kind) => {
        const order = newOrder();
        await connector.createCheckout(context, order);
        simulator.fault('query', kind);
        await expect(connector.queryStatus(context, attemptOf(order))).rejects.toBeInstanceOf(ProviderUnavailableError);
      });
    }

    if (harness.apis.includes('create')) {
      it.each(['timeout', 'down'] as const)('throws ProviderUnavailableError when the create API is %s', async (kind) => {
        simulator.fault('create', kind);
        await expect(connector.createCheckout(context, newOrder())).rejects.toBeInstanceOf(ProviderUnavailableError);
      });
    }

    if (connector.refund) {
      it('refunds part, then the rest, of a paid order', async () => {
        const { order, callback } = await paidWithCallback(300_000);
        const notice = connector.parseCallback(context, callback);
        const providerTransactionId = notice.verified ? notice.providerTransactionId : undefined;
        const refundOrder = (reference: string, amount: number) => ({
          reference,
          amount,
          attempt: attemptOf(order, providerTransactionId),
          paidAmount: 300_000,
          paidAt: new Date(),
          reason: 'Hồ sơ không đủ điều kiện',
          requestedBy: '000.00.00.H26',
        });
        const first = connector.reference(testToken(), new Date());
        const second = connector.reference(testToken(), new Date());
        expect(await connector.refund!(context, refundOrder(first, 100_000))).toMatchObject({ result: 'SUCCEEDED' });
        expect(await connector.refund!(context, refundOrder(second, 200_000))).toMatchObject({ result: 'SUCCEEDED' });
        expect(simulator.refunds.slice(-2)).toEqual([
          { reference: first, amount: 100_000 },
          { reference: second, amount: 200_000 },
        ]);
      });

      if (harness.apis.includes('refund')) {
        it('throws ProviderUnavailableError when the refund API does not answer', async () => {
          const { order } = await paid();
          simulator.fault('refund', 'timeout');
          const refund = { reference: connector.reference(testToken(), new Date()), amount: 1000, attempt: attemptOf(order), paidAmount: order.amount, paidAt: new Date(), reason: 'x', requestedBy: 'x' };
          await expect(connector.refund!(context, refund)).rejects.toBeInstanceOf(ProviderUnavailableError);
        });
      }
    }
  });
}
