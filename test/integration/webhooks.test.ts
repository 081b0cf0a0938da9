import { Webhook } from 'standardwebhooks';
import { buildApp } from '../../src/app';
import { describeEachEngine } from '../support/databases';
import { SECRETS, TEST_PARTIES } from '../support/parties';
import { type TestHub, as, dossierHeader, newDossierCode, startTestHub } from '../support/test-hub';
import { type ReceivedRequest, WebhookReceiver } from '../support/webhook-receiver';
import { until as waitFor } from '../support/until';

/**
 * Webhook subscriptions and delivery, against a real HTTP receiver on 127.0.0.1 (so these
 * hubs allow private networks), with signatures checked by the official Standard Webhooks
 * library. The retry schedule is shortened and the scheduling clock is the test's, so
 * retries and Retry-After are tested without waiting minutes.
 */
const UPSERTED = 'vn.gov.dvc.dossier.upserted.v1';
const STATUS_CHANGED = 'vn.gov.dvc.dossier.status_changed.v1';
const SCHEDULE = [0, 100, 200, 300];
const TIMEOUT_MS = 1000;
const at = (minute: number) => `2026-11-24T10:${String(minute).padStart(2, '0')}:00+07:00`;

interface CloudEvent {
  id: string;
  type: string;
  subject: string;
  data: Record<string, unknown>;
}

interface Delivery {
  id: string;
  eventId: string;
  attempt: number;
  status: string;
  responseStatus: number | null;
  attemptedAt: string | null;
  nextAttemptAt: string | null;
  attempts: { attempt: number; attemptedAt: string; responseStatus: number | null; durationMs: number; error: string | null }[];
}

type Client = ReturnType<typeof as>;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function verify(secret: string, request: ReceivedRequest): CloudEvent {
  return new Webhook(secret).verify(request.body, request.headers as Record<string, string>) as CloudEvent;
}

const webhookId = (request: ReceivedRequest) => request.headers['webhook-id'] as string;

/** Polls (waking the hub's webhook loops) until `probe` gives a truthy value. */
const until = <T>(hub: TestHub, what: string, probe: () => Promise<T | undefined | false | null> | T | undefined | false | null) =>
  waitFor(what, probe, { wake: () => hub.app.hub.webhooks.wake() });

describeEachEngine('webhook subscriptions and delivery', (engine) => {
  let receiver: WebhookReceiver;
  let hub: TestHub;
  let h26: Client;
  let mof: Client;
  let portal: Client;
  let clockOffsetMs = 0;
  const now = () => new Date(Date.now() + clockOffsetMs);

  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
    hub = await startTestHub(engine, {
      env: { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' },
      webhooks: { retrySchedule: SCHEDULE, now, requestTimeoutMs: TIMEOUT_MS },
    });
    h26 = as(hub.app, await hub.token('hanoi'));
    mof = as(hub.app, await hub.token('mof'));
    portal = as(hub.app, await hub.token('portal'));
  });
  afterAll(async () => {
    await hub.close();
    await receiver.close();
  });

  let agencies = 0;
  /** An agency of Hà Nội no other test uses, so that each test's subscriptions see only its own events. */
  const newAgency = () => `000.00.${String(++agencies).padStart(2, '0')}.H26`;

  async function subscribe(client: Client, body: Record<string, unknown>): Promise<{ id: string; secret: string }> {
    const response = await client.post('/v1/subscriptions', body);
    expect(response.statusCode).toBe(201);
    return response.json();
  }

  async function putDossier(client: Client, agencyCode: string): Promise<string> {
    const code = newDossierCode(agencyCode);
    expect((await client.put(`/v1/dossiers/${code}`, dossierHeader(agencyCode))).statusCode).toBe(201);
    return code;
  }

  async function statusEvent(code: string, status: string, sequence: number): Promise<void> {
    expect((await h26.post(`/v1/dossiers/${code}/events`, { status, occurredAt: at(sequence), sequence })).statusCode).toBe(201);
  }

  async function deliveries(client: Client, subscriptionId: string): Promise<Delivery[]> {
    const response = await client.get(`/v1/subscriptions/${subscriptionId}/deliveries?limit=500`);
    expect(response.statusCode).toBe(200);
    return response.json().items;
  }


  /** Waits until every committed event has been fanned out to subscriptions. */
  async function dispatched(): Promise<void> {
    await hub.app.hub.sealer.flush();
    const { db } = hub.app.hub;
    await until(hub, 'the dispatcher to reach the feed head', async () => {
      const head = await db.selectFrom('seal_head').select('outbox_position').executeTakeFirstOrThrow();
      const consumer = await db.selectFrom('feed_consumers').select('position').where('name', '=', 'webhooks').executeTakeFirstOrThrow();
      return Number(consumer.position) === Number(head.outbox_position);
    });
  }

  async function metricsText(): Promise<string> {
    return (await hub.app.inject({ method: 'GET', url: '/metrics' })).body;
  }

  async function feedOf(agencyCode: string): Promise<CloudEvent[]> {
    await hub.app.hub.sealer.flush();
    return (await portal.get(`/v1/events?agencyCode=${agencyCode}&limit=500`)).json().items;
  }

  it('delivers an accepted dossier event to the subscribed URL as its CloudEvent, signed per Standard Webhooks', async () => {
    const agency = newAgency();
    const url = receiver.endpoint('signed');
    const created = await h26.post('/v1/subscriptions', { url, types: [UPSERTED, STATUS_CHANGED], agencyCodes: [agency] });
    expect(created.statusCode).toBe(201);
    const subscription = created.json();
    expect(subscription).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), url, types: [UPSERTED, STATUS_CHANGED], agencyCodes: [agency], secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{43}=$/), createdAt: expect.stringMatching(/\+07:00$/) });
    expect(Buffer.from(subscription.secret.slice('whsec_'.length), 'base64')).toHaveLength(32);

    const code = await putDossier(h26, agency);
    await statusEvent(code, 'RECEIVED', 1);
    const requests = await until(hub, 'two deliveries', () => receiver.requests('signed').length >= 2 && receiver.requests('signed'));

    const feed = await feedOf(agency);
    expect(feed.map((e) => e.type)).toEqual([UPSERTED, STATUS_CHANGED]);
    requests.forEach((request, i) => {
      expect(request.method).toBe('POST');
      expect(request.headers['content-type']).toBe('application/json');
      expect(verify(subscription.secret, request)).toEqual(feed[i]);
      expect(webhookId(request)).toBe(feed[i]!.id);
      expect(Math.abs(Number(request.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(30);
    });
    expect(verify(subscription.secret, requests[1]!)).toMatchObject({ subject: code, data: { dossierCode: code, agencyCode: agency, status: 'RECEIVED', sequence: 1 } });
    // The check can fail: a changed body, or another secret, is refused.
    expect(() => new Webhook(subscription.secret).verify(requests[1]!.body.replace('RECEIVED', 'REJECTED'), requests[1]!.headers as Record<string, string>)).toThrow();
    expect(() => new Webhook(`whsec_${Buffer.alloc(32, 1).toString('base64')}`).verify(requests[1]!.body, requests[1]!.headers as Record<string, string>)).toThrow();

    const listed = (await h26.get('/v1/subscriptions')).json().items.find((s: { id: string }) => s.id === subscription.id);
    expect(listed).toEqual({ id: subscription.id, url, types: [UPSERTED, STATUS_CHANGED], agencyCodes: [agency], createdAt: subscription.createdAt, origin: 'api', disabledAt: null, disabledReason: null });
    const items = await until(hub, 'both deliveries recorded', async () => {
      const list = await deliveries(h26, subscription.id);
      return list.length === 2 && list.every((d) => d.status === 'SUCCEEDED') && list;
    });
    expect(items.map((d) => d.eventId)).toEqual([feed[1]!.id, feed[0]!.id]);
    expect(items[0]).toMatchObject({ attempt: 1, responseStatus: 200, nextAttemptAt: null, attempts: [{ attempt: 1, responseStatus: 200, error: null }] });
    expect(items[0]!.attemptedAt).toBe(items[0]!.attempts[0]!.attemptedAt);
    const firstPage = (await h26.get(`/v1/subscriptions/${subscription.id}/deliveries?limit=1`)).json();
    const secondPage = (await h26.get(`/v1/subscriptions/${subscription.id}/deliveries?limit=1&cursor=${firstPage.nextCursor}`)).json();
    expect([...firstPage.items, ...secondPage.items].map((d: Delivery) => d.id)).toEqual(items.map((d) => d.id));
    expect(await metricsText()).toContain(`hub_webhook_deliveries_total{subscription="${subscription.id}",outcome="succeeded"} 2`);
  });

  it('delivers only the event types asked for, within the party’s jurisdiction and agencyCodes', async () => {
    const agency = newAgency();
    const other = newAgency();
    const own = await subscribe(h26, { url: receiver.endpoint('own-agency'), types: [UPSERTED], agencyCodes: [agency] });
    const ministry = await subscribe(mof, { url: receiver.endpoint('ministry'), types: [UPSERTED, STATUS_CHANGED] });
    const national = await subscribe(portal, { url: receiver.endpoint('national'), types: [UPSERTED], agencyCodes: [agency, '000.00.00.G12'] });

    const inAgency = await putDossier(h26, agency);
    await statusEvent(inAgency, 'RECEIVED', 1);
    await putDossier(h26, other);
    const ofMinistry = await putDossier(mof, '000.00.00.G12');
    await dispatched();
    await until(hub, 'deliveries to settle', () => receiver.requests('national').length >= 2 && receiver.requests('ministry').length >= 1 && receiver.requests('own-agency').length >= 1);

    const subjects = (name: string, secret: string) => receiver.requests(name).map((r) => `${verify(secret, r).type} ${verify(secret, r).subject}`);
    expect(subjects('own-agency', own.secret)).toEqual([`${UPSERTED} ${inAgency}`]);
    expect(subjects('ministry', ministry.secret)).toEqual([`${UPSERTED} ${ofMinistry}`]);
    expect(subjects('national', national.secret).sort()).toEqual([`${UPSERTED} ${inAgency}`, `${UPSERTED} ${ofMinistry}`].sort());
    expect(await deliveries(h26, own.id)).toHaveLength(1);
  });

  it('refuses event types it does not know and agencies outside the party’s jurisdiction, naming the field', async () => {
    const url = receiver.endpoint('refused');
    const unknownType = await h26.post('/v1/subscriptions', { url, types: [UPSERTED, 'vn.gov.dvc.nothing.v1'] });
    expect(unknownType.statusCode).toBe(422);
    expect(unknownType.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(unknownType.json()).toMatchObject({ code: 'VALIDATION_FAILED', errors: [expect.objectContaining({ path: '/types/1', in: 'body' })] });
    expect((await h26.post('/v1/subscriptions', { url, types: [] })).json().errors[0]).toMatchObject({ path: '/types' });
    expect((await h26.post('/v1/subscriptions', { url, types: [UPSERTED], secret: 'whsec_mine' })).json().errors[0]).toMatchObject({ path: '/secret', message: 'is not a known field' });
    expect((await h26.post('/v1/subscriptions', { url: 'ftp://example.com/x', types: [UPSERTED] })).json().errors[0]).toMatchObject({ path: '/url' });

    const outside = await h26.post('/v1/subscriptions', { url, types: [UPSERTED], agencyCodes: ['000.00.00.H26', '*.G12'] });
    expect(outside.statusCode).toBe(403);
    expect(outside.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(outside.json()).toMatchObject({ code: 'FORBIDDEN', errors: [{ path: '/agencyCodes/1', in: 'body', message: expect.stringContaining('*.G12 is outside your jurisdiction') }] });
    expect((await h26.post('/v1/subscriptions', { url, types: [UPSERTED], agencyCodes: ['*'] })).json().errors).toEqual([expect.objectContaining({ path: '/agencyCodes/0' })]);
    expect((await mof.post('/v1/subscriptions', { url, types: [UPSERTED], agencyCodes: ['000.00.00.H26'] })).statusCode).toBe(403);
    expect((await h26.get('/v1/subscriptions')).json().items.filter((s: { url: string }) => s.url === url)).toEqual([]);
  });

  it('answers a creation repeated with its Idempotency-Key with the same subscription, and no second one', async () => {
    const body = { url: receiver.endpoint('idempotent'), types: [UPSERTED], agencyCodes: [newAgency()] };
    const first = await h26.post('/v1/subscriptions', body, { 'idempotency-key': 'subscribe-1' });
    const again = await h26.post('/v1/subscriptions', body, { 'idempotency-key': 'subscribe-1' });
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
    expect((await h26.post('/v1/subscriptions', { ...body, types: [STATUS_CHANGED] }, { 'idempotency-key': 'subscribe-1' })).json()).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
    expect((await h26.get('/v1/subscriptions?limit=500')).json().items.filter((s: { url: string }) => s.url === body.url)).toHaveLength(1);
  });

  it('shows, deletes and replays a subscription only for the party that made it', async () => {
    const subscription = await subscribe(h26, { url: receiver.endpoint('private-to-h26'), types: [UPSERTED], agencyCodes: [newAgency()] });
    const deliveryPath = `/v1/subscriptions/${subscription.id}/deliveries`;
    expect((await mof.get('/v1/subscriptions')).json().items.map((s: { id: string }) => s.id)).not.toContain(subscription.id);
    const foreign = await mof.get(deliveryPath);
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json()).toMatchObject({ code: 'NOT_FOUND', detail: expect.stringContaining('subscription') });
    expect((await mof.post(`${deliveryPath}/1/retry`, undefined)).statusCode).toBe(404);
    expect((await hub.app.inject({ method: 'DELETE', url: `/v1/subscriptions/${subscription.id}`, headers: { authorization: `Bearer ${await hub.token('mof')}` } })).statusCode).toBe(404);
    expect((await h26.get(deliveryPath)).statusCode).toBe(200);

    const h26Token = await hub.token('hanoi');
    const remove = () => hub.app.inject({ method: 'DELETE', url: `/v1/subscriptions/${subscription.id}`, headers: { authorization: `Bearer ${h26Token}` } });
    expect((await remove()).statusCode).toBe(204);
    expect((await remove()).statusCode).toBe(404);
    expect((await h26.get(deliveryPath)).statusCode).toBe(404);
    expect((await h26.get('/v1/subscriptions')).json().items.map((s: { id: string }) => s.id)).not.toContain(subscription.id);
    expect((await h26.get('/v1/subscriptions/not-a-uuid/deliveries')).json().errors[0]).toMatchObject({ path: '/id', in: 'path' });

    const all = (await h26.get('/v1/subscriptions?limit=500')).json().items.map((s: { id: string }) => s.id);
    const paged: string[] = [];
    let cursor = '';
    for (;;) {
      const page = (await h26.get(`/v1/subscriptions?limit=2${cursor ? `&cursor=${cursor}` : ''}`)).json();
      paged.push(...page.items.map((s: { id: string }) => s.id));
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    expect(all.length).toBeGreaterThan(2);
    expect(paged).toEqual(all);
  });

  it('keeps one dossier’s events in order when the first attempt fails', async () => {
    const agency = newAgency();
    const subscription = await subscribe(h26, { url: receiver.endpoint('ordered', (n) => ({ status: n === 0 ? 500 : 200 })), types: [UPSERTED, STATUS_CHANGED], agencyCodes: [agency] });
    const code = await putDossier(h26, agency);
    await statusEvent(code, 'RECEIVED', 1);
    await statusEvent(code, 'PROCESSING', 2);
    await statusEvent(code, 'RESOLVED', 3);

    const requests = await until(hub, 'four events delivered', () => receiver.requests('ordered').filter((r) => r.answeredWith === 200).length >= 4 && receiver.requests('ordered'));
    const feed = await feedOf(agency);
    expect(requests.map((r) => [verify(subscription.secret, r).id, r.answeredWith])).toEqual([
      [feed[0]!.id, 500],
      [feed[0]!.id, 200],
      [feed[1]!.id, 200],
      [feed[2]!.id, 200],
      [feed[3]!.id, 200],
    ]);
  });

  it('retries an endpoint answering 500 on the schedule, gives up after the last slot, and replays on request', async () => {
    const agency = newAgency();
    const subscription = await subscribe(h26, { url: receiver.endpoint('failing', () => ({ status: 500 })), types: [UPSERTED], agencyCodes: [agency] });
    await putDossier(h26, agency);

    const [failed] = await until(hub, 'the delivery to be given up', async () => {
      const list = await deliveries(h26, subscription.id);
      return list[0]?.status === 'FAILED' && list;
    });
    expect(failed).toMatchObject({ attempt: SCHEDULE.length, responseStatus: 500, nextAttemptAt: null });
    expect(failed!.attempts.map((a) => [a.attempt, a.responseStatus, a.error])).toEqual(SCHEDULE.map((_, i) => [i + 1, 500, 'the endpoint answered HTTP 500']));
    const times = failed!.attempts.map((a) => Date.parse(a.attemptedAt));
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(SCHEDULE[i]!);
    expect(receiver.requests('failing').map(webhookId)).toEqual(Array(SCHEDULE.length).fill(failed!.eventId));
    const metrics = await metricsText();
    expect(metrics).toContain(`hub_webhook_deliveries_total{subscription="${subscription.id}",outcome="failed_attempt"} ${SCHEDULE.length - 1}`);
    expect(metrics).toContain(`hub_webhook_deliveries_total{subscription="${subscription.id}",outcome="gave_up"} 1`);

    receiver.script('failing', () => ({ status: 204 }));
    const replay = await h26.post(`/v1/subscriptions/${subscription.id}/deliveries/${failed!.id}/retry`, undefined);
    expect(replay.statusCode).toBe(202);
    expect(replay.json()).toMatchObject({ id: failed!.id, status: 'PENDING', attempt: SCHEDULE.length });
    const [replayed] = await until(hub, 'the replay to succeed', async () => {
      const list = await deliveries(h26, subscription.id);
      return list[0]?.status === 'SUCCEEDED' && list;
    });
    expect(replayed!.attempts.map((a) => a.responseStatus)).toEqual([...SCHEDULE.map(() => 500), 204]);
    expect(replayed).toMatchObject({ attempt: SCHEDULE.length + 1, responseStatus: 204 });
    expect((await h26.post(`/v1/subscriptions/${subscription.id}/deliveries/999999999/retry`, undefined)).statusCode).toBe(404);
  });

  it('retries an endpoint that does not answer in time', async () => {
    const agency = newAgency();
    const subscription = await subscribe(h26, { url: receiver.endpoint('slow', (n) => ({ status: 200, delayMs: n === 0 ? TIMEOUT_MS * 3 : 0 })), types: [UPSERTED], agencyCodes: [agency] });
    await putDossier(h26, agency);
    const [delivered] = await until(hub, 'the second attempt to succeed', async () => {
      const list = await deliveries(h26, subscription.id);
      return list[0]?.status === 'SUCCEEDED' && list;
    });
    expect(delivered!.attempts).toEqual([
      expect.objectContaining({ attempt: 1, responseStatus: null, error: `no answer within ${TIMEOUT_MS} ms` }),
      expect.objectContaining({ attempt: 2, responseStatus: 200, error: null }),
    ]);
    expect(delivered!.attempts[0]!.durationMs).toBeGreaterThanOrEqual(TIMEOUT_MS - 20);
    expect(receiver.requests('slow')).toHaveLength(2);
  });

  it('disables a subscription whose endpoint answers 410 Gone, and delivers nothing more to it', async () => {
    const agency = newAgency();
    const subscription = await subscribe(h26, { url: receiver.endpoint('gone', () => ({ status: 410 })), types: [UPSERTED], agencyCodes: [agency] });
    await putDossier(h26, agency);
    const listed = await until(hub, 'the subscription to be disabled', async () =>
      (await h26.get('/v1/subscriptions')).json().items.find((s: { id: string; disabledAt: string | null }) => s.id === subscription.id && s.disabledAt),
    );
    expect(listed).toMatchObject({ disabledAt: expect.stringMatching(/\+07:00$/), disabledReason: expect.stringContaining('410') });
    const [gone] = await deliveries(h26, subscription.id);
    expect(gone).toMatchObject({ status: 'DISABLED', attempt: 1, responseStatus: 410, nextAttemptAt: null });

    await putDossier(h26, agency);
    await dispatched();
    await sleep(100);
    expect(await deliveries(h26, subscription.id)).toHaveLength(1);
    expect(receiver.requests('gone')).toHaveLength(1);
    const replay = await h26.post(`/v1/subscriptions/${subscription.id}/deliveries/${gone!.id}/retry`, undefined);
    expect(replay.statusCode).toBe(409);
    expect(replay.json()).toMatchObject({ code: 'SUBSCRIPTION_DISABLED', type: '/problems/SUBSCRIPTION_DISABLED' });
    expect(await metricsText()).toContain(`hub_webhook_deliveries_total{subscription="${subscription.id}",outcome="disabled"} 1`);
  });

  it('waits as long as a 429 or 503 answer’s Retry-After asks (seconds or an HTTP date)', async () => {
    const agency = newAgency();
    const url = receiver.endpoint('busy', (n) => {
      if (n === 0) return { status: 429, headers: { 'retry-after': '120' } };
      if (n === 1) return { status: 503, headers: { 'retry-after': new Date(now().getTime() + 3_600_000).toUTCString() } };
      return { status: 200 };
    });
    const subscription = await subscribe(h26, { url, types: [UPSERTED], agencyCodes: [agency] });
    await putDossier(h26, agency);
    const waitAfter = async (attempt: number) => {
      const [delivery] = await until(hub, `attempt ${attempt} to be recorded`, async () => {
        const list = await deliveries(h26, subscription.id);
        return list[0]?.attempt === attempt && list;
      });
      expect(delivery!.status).toBe('PENDING');
      return Date.parse(delivery!.nextAttemptAt!) - Date.parse(delivery!.attemptedAt!);
    };

    const first = await waitAfter(1);
    expect(first).toBeGreaterThanOrEqual(120_000);
    expect(first).toBeLessThan(121_000);
    hub.app.hub.webhooks.wake();
    await sleep(200);
    expect(receiver.requests('busy')).toHaveLength(1);

    clockOffsetMs += 121_000;
    const second = await waitAfter(2);
    // An HTTP date has whole seconds.
    expect(second).toBeGreaterThan(3_598_000);
    expect(second).toBeLessThan(3_601_000);

    clockOffsetMs += 3_601_000;
    const [delivered] = await until(hub, 'the third attempt to succeed', async () => {
      const list = await deliveries(h26, subscription.id);
      return list[0]?.status === 'SUCCEEDED' && list;
    });
    expect(delivered!.attempts.map((a) => a.responseStatus)).toEqual([429, 503, 200]);
  });
});

describeEachEngine('webhook URLs on private networks (WEBHOOK_ALLOW_PRIVATE_NETWORKS off)', (engine) => {
  let receiver: WebhookReceiver;
  let hub: TestHub;
  let h26: Client;
  const secret = `whsec_${Buffer.alloc(32, 3).toString('base64')}`;

  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
    // The operator declared loopback endpoints: they are refused when connecting, by name and by address.
    const parties = TEST_PARTIES.map((p) =>
      p.code === '000.00.00.H26' ? { ...p, notifyUrl: receiver.endpoint('by-name', undefined, 'localhost'), webhookSecret: secret } : p.code === '000.00.00.G12' ? { ...p, notifyUrl: receiver.endpoint('by-address'), webhookSecret: secret } : p,
    );
    hub = await startTestHub(engine, { parties, webhooks: { retrySchedule: [0], requestTimeoutMs: TIMEOUT_MS } });
    h26 = as(hub.app, await hub.token('hanoi'));
  });
  afterAll(async () => {
    await hub.close();
    await receiver.close();
  });

  it.each([
    'http://127.0.0.1:8080/hook',
    'http://10.0.0.1/hook',
    'https://192.168.1.20/hook',
    'http://169.254.169.254/latest/meta-data',
    'http://[::1]/hook',
    'http://[fd00::1]/hook',
    'http://[::ffff:127.0.0.1]/hook',
    'http://localhost/hook',
    'http://2130706433/hook',
  ])('refuses %s at subscription, naming /url', async (url) => {
    const response = await h26.post('/v1/subscriptions', { url, types: [UPSERTED] });
    expect(response.statusCode).toBe(422);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json()).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ path: '/url', in: 'body', message: expect.stringContaining('non-public address') }] });
  });

  it('refuses a host that does not resolve, and accepts a public address', async () => {
    expect((await h26.post('/v1/subscriptions', { url: 'https://hooks.example.invalid/x', types: [UPSERTED] })).json().errors[0]).toMatchObject({ path: '/url', message: expect.stringContaining('does not resolve') });
    // An agency nothing is sent for: the test makes no request to the internet.
    expect((await h26.post('/v1/subscriptions', { url: 'https://8.8.8.8/hook', types: [UPSERTED], agencyCodes: ['000.99.99.H26'] })).statusCode).toBe(201);
  });

  it('refuses to connect to a declared notifyUrl on a private address', async () => {
    const mof = as(hub.app, await hub.token('mof'));
    await h26.put(`/v1/dossiers/${newDossierCode()}`, dossierHeader());
    await mof.put(`/v1/dossiers/${newDossierCode('000.00.00.G12')}`, dossierHeader('000.00.00.G12'));
    for (const client of [h26, mof]) {
      const [declared] = (await client.get('/v1/subscriptions')).json().items;
      expect(declared).toMatchObject({ origin: 'parties-file' });
      const deadline = Date.now() + 15_000;
      let delivery: Delivery | undefined;
      while (delivery?.status !== 'FAILED' && Date.now() < deadline) {
        hub.app.hub.webhooks.wake();
        await sleep(20);
        [delivery] = (await client.get(`/v1/subscriptions/${declared.id}/deliveries`)).json().items;
      }
      expect(delivery).toMatchObject({ status: 'FAILED', responseStatus: null, attempts: [{ error: expect.stringMatching(/^refused: .*not a public address/) }] });
    }
    expect(receiver.requests('by-name')).toEqual([]);
    expect(receiver.requests('by-address')).toEqual([]);
  });
});

describeEachEngine('webhooks declared in the parties file, and restarts', (engine) => {
  let receiver: WebhookReceiver;
  const secret = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;
  const tuning = { retrySchedule: SCHEDULE, requestTimeoutMs: TIMEOUT_MS };
  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
  });
  afterAll(() => receiver.close());

  async function tokenOf(app: Awaited<ReturnType<typeof buildApp>>): Promise<string> {
    const response = await app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { authorization: `Basic ${Buffer.from(`hanoi:${SECRETS.hanoi}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'grant_type=client_credentials',
    });
    return response.json().access_token;
  }


  it('delivers to a party’s notifyUrl without any API call, and keeps it for the operator to change', async () => {
    const url = receiver.endpoint('declared');
    const parties = TEST_PARTIES.map((p) => (p.code === '000.00.00.H26' ? { ...p, notifyUrl: url, webhookSecret: secret } : p));
    const hub = await startTestHub(engine, { env: { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' }, parties, webhooks: tuning });
    let running = hub.app;
    try {
      const h26 = as(hub.app, await hub.token('hanoi'));
      const code = newDossierCode();
      await h26.put(`/v1/dossiers/${code}`, dossierHeader());
      await h26.put(`/v1/dossiers/${newDossierCode('000.00.00.G12')}`, dossierHeader('000.00.00.G12')).then((r) => expect(r.statusCode).toBe(403));
      await as(hub.app, await hub.token('mof')).put(`/v1/dossiers/${newDossierCode('000.00.00.G12')}`, dossierHeader('000.00.00.G12'));
      const [request] = await until(hub, 'the declared delivery', () => receiver.requests('declared').length >= 1 && receiver.requests('declared'));
      expect(new Webhook(secret).verify(request!.body, request!.headers as Record<string, string>)).toMatchObject({ type: UPSERTED, subject: code });
      await hub.app.hub.sealer.flush();
      await sleep(200);
      expect(receiver.requests('declared')).toHaveLength(1); // not the ministry's dossier

      const [declared] = (await h26.get('/v1/subscriptions')).json().items;
      expect(declared).toMatchObject({ url, origin: 'parties-file', agencyCodes: null, disabledAt: null });
      expect(declared).not.toHaveProperty('secret');
      const removal = await hub.app.inject({ method: 'DELETE', url: `/v1/subscriptions/${declared.id}`, headers: { authorization: `Bearer ${await hub.token('hanoi')}` } });
      expect(removal.statusCode).toBe(409);
      expect(removal.json()).toMatchObject({ code: 'SUBSCRIPTION_DECLARED' });

      // The operator removes the notifyUrl: after a restart the subscription is disabled; declaring it again enables it.
      const listAfterRestart = async (declarations: typeof parties) => {
        await running.close();
        running = await buildApp({ config: hub.config, database: hub.database, parties: declarations, webhooks: tuning });
        return (await as(running, await tokenOf(running)).get('/v1/subscriptions')).json().items;
      };
      expect(await listAfterRestart(TEST_PARTIES)).toEqual([expect.objectContaining({ id: declared.id, disabledAt: expect.any(String), disabledReason: 'no longer declared in the parties file' })]);
      expect(await listAfterRestart(parties)).toEqual([expect.objectContaining({ id: declared.id, disabledAt: null, disabledReason: null })]);
    } finally {
      await running.close();
      await hub.database.close();
    }
  });

  it('fans each event out once, and delivers it once, across a restart', async () => {
    const hub = await startTestHub(engine, { env: { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' }, webhooks: tuning });
    const { database, config } = hub;
    let running = hub.app;
    try {
      const h26 = as(hub.app, await hub.token('hanoi'));
      // The endpoint is down at first: deliveries are pending when the hub stops.
      const url = receiver.endpoint('restart', (n) => ({ status: n < 3 ? 503 : 200 }));
      const subscription = (await h26.post('/v1/subscriptions', { url, types: [UPSERTED] })).json();
      for (let i = 0; i < 5; i++) await h26.put(`/v1/dossiers/${newDossierCode()}`, dossierHeader());
      const countDeliveries = async () => Number((await database.db.selectFrom('webhook_deliveries').select((eb) => eb.fn.countAll().as('n')).where('subscription_id', '=', subscription.id).executeTakeFirstOrThrow()).n);
      await until(hub, 'fan-out and a first failed attempt', async () => (await countDeliveries()) === 5 && receiver.requests('restart').length >= 1);
      await running.close();

      // As if the dispatcher's progress had been lost: it reads the whole feed again.
      await database.db.updateTable('feed_consumers').set({ position: 0 }).where('name', '=', 'webhooks').execute();
      running = await buildApp({ config, database, parties: TEST_PARTIES, webhooks: tuning });
      const app = running;
      const settled = async () => {
        app.hub.webhooks.wake();
        const rows = await database.db.selectFrom('webhook_deliveries').select(['status', 'event_id']).where('subscription_id', '=', subscription.id).execute();
        return rows.every((r) => r.status === 'SUCCEEDED') && rows;
      };
      const deadline = Date.now() + 15_000;
      let rows = await settled();
      while (!rows && Date.now() < deadline) {
        await sleep(20);
        rows = await settled();
      }
      expect(rows && rows.length).toBe(5);
      // The dispatcher went over the same events again without failing, and is back at the head of the feed.
      await app.hub.sealer.flush();
      const head = await database.db.selectFrom('seal_head').select('outbox_position').executeTakeFirstOrThrow();
      const consumer = await database.db.selectFrom('feed_consumers').select('position').where('name', '=', 'webhooks').executeTakeFirstOrThrow();
      expect(Number(consumer.position)).toBe(Number(head.outbox_position));
      const delivered = receiver.requests('restart').filter((r) => r.answeredWith === 200).map(webhookId);
      expect(delivered.sort()).toEqual((rows as { event_id: string }[]).map((r) => r.event_id).sort());
    } finally {
      await running.close();
      await database.close();
    }
  });
});
