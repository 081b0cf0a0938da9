import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { findFreePort } from '../bench/children';
import { UpstreamHttpClient } from '../../src/sso/upstream-http';

/** The identity providers' HTTP client answers and fails as fetch() does, which openid-client and the adapters rely on. */
describe('the HTTP client of identity provider adapters', () => {
  let server: Server;
  let base: string;
  const client = new UpstreamHttpClient();
  const seen: { method: string; headers: Record<string, unknown>; body: string }[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        seen.push({ method: request.method!, headers: request.headers, body });
        if (request.url === '/hang') return; // never answers
        if (request.url === '/empty') return void response.writeHead(204).end();
        response.setHeader('set-cookie', ['a=1', 'b=2']);
        response.writeHead(request.url === '/refused' ? 400 : 200, { 'content-type': 'application/json' }).end(JSON.stringify({ error: request.url === '/refused' ? 'invalid_grant' : undefined, ok: true }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await client.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('sends the method, headers and form, and answers a standard Response with every header', async () => {
    const answer = await client.call(`${base}/token`, { method: 'POST', headers: { authorization: 'Basic eDp5', 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=authorization_code&code=c' });
    expect(answer).toBeInstanceOf(Response);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('application/json');
    expect(answer.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(await answer.json()).toEqual({ ok: true });
    expect(seen.at(-1)).toMatchObject({ method: 'POST', headers: { authorization: 'Basic eDp5' }, body: 'grant_type=authorization_code&code=c' });
  });

  it('answers error statuses and bodiless ones as they came', async () => {
    const refused = await client.call(`${base}/refused`, { method: 'POST', headers: {}, body: '' });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: 'invalid_grant' });
    const empty = await client.call(`${base}/empty`, { method: 'GET', headers: {} });
    expect(empty.status).toBe(204);
    expect(empty.body).toBeNull();
  });

  it('fails with a TypeError when nobody answers, and with the signal’s TimeoutError when the answer is too slow', async () => {
    const closed = `http://127.0.0.1:${await findFreePort()}`;
    await expect(client.call(`${closed}/token`, { method: 'GET', headers: {} })).rejects.toBeInstanceOf(TypeError);
    const started = Date.now();
    await expect(client.call(`${base}/hang`, { method: 'GET', headers: {}, signal: AbortSignal.timeout(300) })).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
