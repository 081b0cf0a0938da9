import Fastify from 'fastify';
import { request } from 'undici';
import type { Checkout, CheckoutOrder } from '../../../adapters/payment/connector';
import { SIGNATURE_HEADER } from '../../../adapters/payment/sandbox/sandbox-protocol';
import bodyParsers from '../../../src/http/body-parsers';
import { sandboxBank } from '../../../src/payments/sandbox/sandbox-bank';
import type { CompletedPayment, ProviderSimulator, SimulatedApi } from './simulator';

/**
 * The sandbox bank (src/payments/sandbox) on its own server, for the connector contract
 * suite: the hub serves the same plugin under /sandbox. `complete` is the citizen on its
 * page: it loads the page (so a badly signed link fails), then presses Pay or Cancel.
 */
export async function startSandboxSimulator(): Promise<ProviderSimulator> {
  const secret = 'sandbox-contract-secret-0123456789';
  const notices: { url: string; body: string; signature: string }[] = [];
  let deliver = true;
  const faults = new Map<SimulatedApi, 'timeout' | 'down'>();
  const app = Fastify();
  await app.register(bodyParsers);
  app.addHook('onRequest', async (req, reply) => {
    const api: SimulatedApi | undefined = req.url.endsWith('/api/query') ? 'query' : req.url.endsWith('/api/refund') ? 'refund' : undefined;
    const fault = api && faults.get(api);
    if (fault === 'down') return reply.code(503).send('down');
    if (fault === 'timeout') return new Promise(() => undefined);
    return undefined;
  });
  const refunds: { reference: string; amount: number }[] = [];
  app.addHook('onSend', async (req, _reply, payload) => {
    if (req.url.endsWith('/api/refund') && typeof payload === 'string' && (JSON.parse(payload) as { status: string }).status === 'SUCCEEDED') {
      const body = req.body as { reference: string; amount: number };
      refunds.push({ reference: body.reference, amount: body.amount });
    }
    return payload;
  });
  await app.register(sandboxBank, { prefix: '/sandbox', secret, onNotice: (n) => notices.push(n), sendNotices: () => deliver });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });

  return {
    settings: { baseUrl: `${address}/sandbox`, secret },
    refunds,
    async complete(checkout: Checkout, _order: CheckoutOrder, outcome, options = {}): Promise<CompletedPayment> {
      const page = await request(checkout.redirectUrl!);
      const html = await page.body.text();
      if (page.statusCode !== 200) throw new Error(`the sandbox bank refused the payment link: HTTP ${page.statusCode} ${html}`);
      const query = new URL(checkout.redirectUrl!).searchParams;
      query.set('action', outcome === 'success' ? 'pay' : 'cancel');
      deliver = options.deliver ?? true;
      const pressed = notices.length;
      const answer = await request(`${address}/sandbox/pay`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: query.toString() });
      await answer.body.dump();
      deliver = true;
      const notice = notices[pressed];
      if (!notice) throw new Error('the sandbox bank sent no callback');
      const back = new URL(answer.headers.location as string);
      return {
        callback: { method: 'POST', url: new URL(notice.url).pathname, headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: notice.signature }, body: notice.body },
        browserReturn: { method: 'GET', url: `${back.pathname}${back.search}`, headers: {}, body: '' },
      };
    },
    fault(api, kind) {
      if (kind) faults.set(api, kind);
      else faults.delete(api);
    },
    async stop() {
      await app.close();
    },
  };
}
