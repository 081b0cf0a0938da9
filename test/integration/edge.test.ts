import { describeEachEngine } from '../support/databases';
import { type TestHub, as, dossierHeader, newDossierCode, startTestHub } from '../support/test-hub';

describeEachEngine('HTTP edge', (engine) => {
  let hub: TestHub;
  let token: string;
  beforeAll(async () => {
    hub = await startTestHub(engine);
    token = await hub.token('hanoi');
  });
  afterAll(() => hub.close());

  const raw = (method: 'PUT' | 'POST', url: string, payload: string, contentType: string) =>
    hub.app.inject({ method, url, payload, headers: { authorization: `Bearer ${token}`, 'content-type': contentType } });

  it('refuses malformed JSON with a problem document', async () => {
    const response = await raw('PUT', `/v1/dossiers/${newDossierCode()}`, '{"agencyCode": ', 'application/json');
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.json()).toMatchObject({ code: 'MALFORMED_REQUEST', status: 400 });
  });

  it('refuses prototype-poisoning JSON', async () => {
    const response = await raw('PUT', `/v1/dossiers/${newDossierCode()}`, '{"__proto__": {"admin": true}}', 'application/json');
    expect(response.json().code).toBe('MALFORMED_REQUEST');
  });

  it('refuses a body over the limit with 413 PAYLOAD_TOO_LARGE', async () => {
    const response = await raw('PUT', `/v1/dossiers/${newDossierCode()}`, JSON.stringify({ ...dossierHeader(), summary: 'x'.repeat(300 * 1024) }), 'application/json');
    expect([response.statusCode, response.json().code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
  });

  it('refuses a body that is not JSON with 415', async () => {
    const response = await raw('PUT', `/v1/dossiers/${newDossierCode()}`, 'agencyCode=1', 'text/plain');
    expect([response.statusCode, response.json().code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
  });

  it('echoes a valid X-Request-Id and replaces an invalid one', async () => {
    const kept = await hub.app.inject({ method: 'GET', url: '/health/live', headers: { 'x-request-id': 'onestop-42:abc' } });
    expect(kept.headers['x-request-id']).toBe('onestop-42:abc');
    const replaced = await hub.app.inject({ method: 'GET', url: '/health/live', headers: { 'x-request-id': 'x'.repeat(129) } });
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const problem = await as(hub.app, token).get('/v1/dossiers/000.00.00.H26-261124-9999', { 'x-request-id': 'trace-me' });
    expect(problem.json().requestId).toBe('trace-me');
  });

  it('answers an unknown route with a NOT_FOUND problem', async () => {
    const response = await hub.app.inject({ method: 'GET', url: '/v1/nothing-here' });
    expect([response.statusCode, response.json().code]).toEqual([404, 'NOT_FOUND']);
  });

  it('serves the problem catalogue behind each problem type', async () => {
    const response = await hub.app.inject({ method: 'GET', url: '/problems/STALE_EVENT' });
    expect(response.json()).toMatchObject({ code: 'STALE_EVENT', status: 409 });
  });

  it('serves the OpenAPI document and Swagger UI', async () => {
    const document = await hub.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(document.json().paths['/v1/dossiers/{dossierCode}/events'].post.security).toEqual([{ oauth2: ['dossiers:write'] }]);
    expect((await hub.app.inject({ method: 'GET', url: '/docs/' })).statusCode).toBe(200);
  });

  it('exposes Prometheus metrics per route and party', async () => {
    await as(hub.app, token).get(`/v1/dossiers/${newDossierCode()}`);
    const metrics = await hub.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/hub_http_request_duration_seconds_count\{method="GET",route="\/v1\/dossiers\/:dossierCode",status="404",party="000.00.00.H26"\} \d+/);
    expect(metrics.body).toContain('hub_outbox_lag_seconds');
  });

  it('reports readiness with the database engine and outbox lag', async () => {
    const ready = await hub.app.inject({ method: 'GET', url: '/health/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ status: 'ready', checks: { database: { status: 'ok', detail: engine }, migrations: { status: 'ok' } } });
  });
});

describeEachEngine('rate limit', (engine) => {
  let hub: TestHub;
  beforeAll(async () => (hub = await startTestHub(engine, { env: { RATE_LIMIT_MAX: '5' } })));
  afterAll(() => hub.close());

  it('answers 429 RATE_LIMITED with Retry-After once a party exceeds its limit, without touching other parties', async () => {
    const h26 = as(hub.app, await hub.token('hanoi'));
    const statuses: number[] = [];
    let limited;
    for (let i = 0; i < 6; i++) {
      const response = await h26.get('/v1/dossiers');
      statuses.push(response.statusCode);
      if (response.statusCode === 429) limited = response;
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    expect(limited!.json().code).toBe('RATE_LIMITED');
    expect(Number(limited!.headers['retry-after'])).toBeGreaterThan(0);
    expect((await as(hub.app, await hub.token('mof')).get('/v1/dossiers')).statusCode).toBe(200);
  });
});

describeEachEngine('internal errors', (engine) => {
  it('answers a 5xx with the request id only, never SQL or stack', async () => {
    const hub = await startTestHub(engine);
    const h26 = as(hub.app, await hub.token('hanoi'));
    await hub.database.close(); // the database goes away under the hub
    const response = await h26.get(`/v1/dossiers/${newDossierCode()}`, { 'x-request-id': 'support-ticket-1' });
    expect(response.statusCode).toBe(500);
    expect(response.json()).toMatchObject({ code: 'INTERNAL', requestId: 'support-ticket-1' });
    expect(Object.keys(response.json()).sort()).toEqual(['code', 'detail', 'instance', 'requestId', 'status', 'title', 'type']);
    expect(response.json().detail).toBe('internal error; quote the requestId when reporting it');
    await hub.app.close();
  });
});
