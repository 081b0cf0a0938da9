import { generateKeyPairSync } from 'node:crypto';
import { type Server, createServer } from 'node:http';
import { SignJWT, importJWK } from 'jose';
import { Provider, interactionPolicy } from 'oidc-provider';
import { findFreePort } from '../../bench/children';

/**
 * A real upstream identity provider for tests: a second oidc-provider instance, on
 * http://localhost:<port> (the hub is on 127.0.0.1, so the two never share cookies). Its
 * login page logs in `nextCitizen` at once (or whoever `pickCitizen` names); `fault` makes its token endpoint misbehave the
 * ways a broken or hostile provider could.
 */
export interface UpstreamCitizen {
  subject: string;
  claims: Record<string, unknown>;
  acr: string;
}

export type UpstreamFault = 'none' | 'bad-signature' | 'wrong-audience' | 'replayed-id-token';

export interface UpstreamIdp {
  issuer: string;
  clientId: string;
  clientSecret: string;
  nextCitizen: UpstreamCitizen;
  /** Who logs in at the next login page; `nextCitizen` unless replaced (the bench rotates over many citizens). */
  pickCitizen: () => UpstreamCitizen;
  fault: UpstreamFault;
  /** Authorization requests it received (query parameters), newest last. */
  authorizationRequests: URLSearchParams[];
  close(): Promise<void>;
}

export const UPSTREAM_SECRET = 'upstream-client-secret-0123456789';

export async function startUpstreamIdp(options: { hubCallbackUrl: string; clientId?: string; port?: number }): Promise<UpstreamIdp> {
  const port = options.port ?? (await findFreePort());
  const issuer = `http://localhost:${port}`;
  const clientId = options.clientId ?? 'lien-thong-hub';
  const signingKey = { ...generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }), kid: 'upstream-1', alg: 'ES256', use: 'sig' };
  const citizens = new Map<string, UpstreamCitizen>();
  let lastIdToken: string | undefined;

  const policy = interactionPolicy.base();
  policy.remove('consent');
  const provider = new Provider(issuer, {
    clients: [{ client_id: clientId, client_secret: UPSTREAM_SECRET, redirect_uris: [options.hubCallbackUrl], id_token_signed_response_alg: 'ES256' }],
    jwks: { keys: [signingKey as never] },
    cookies: { keys: ['upstream-cookie-key-0123456789'], names: { session: 'up_session', interaction: 'up_interaction', resume: 'up_resume' } },
    claims: { openid: ['sub'], profile: ['name', 'birthdate', 'id_number', 'gender', 'account_type'], email: ['email'], acr: null },
    acrValues: ['LoA1', 'LoA2', 'LoA3', 'IAL2'],
    features: { devInteractions: { enabled: false } },
    pkce: { required: () => true },
    interactions: { url: async (_ctx, interaction) => `/interaction/${interaction.uid}`, policy },
    async loadExistingGrant(ctx) {
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client!.clientId, accountId: ctx.oidc.session!.accountId });
      grant.addOIDCScope([...ctx.oidc.requestParamOIDCScopes].join(' '));
      await grant.save();
      return grant;
    },
    async findAccount(_ctx, sub) {
      const citizen = citizens.get(sub);
      return citizen && { accountId: sub, claims: () => ({ sub, ...citizen.claims }) };
    },
  });

  const upstream: UpstreamIdp = {
    issuer,
    clientId,
    clientSecret: UPSTREAM_SECRET,
    nextCitizen: { subject: 'vneid-0001', claims: { name: 'Bùi Thị Lan', id_number: '001190099999', birthdate: '1990-05-17' }, acr: 'LoA2' },
    pickCitizen: () => upstream.nextCitizen,
    fault: 'none',
    authorizationRequests: [],
    close: async () => undefined,
  };

  const key = await importJWK(signingKey, 'ES256');
  provider.use(async (ctx, next) => {
    if (ctx.path === '/auth') upstream.authorizationRequests.push(new URLSearchParams(ctx.querystring));
    await next();
    if (ctx.path !== '/token' || ctx.status !== 200) return;
    const body = ctx.body as { id_token?: string };
    if (!body?.id_token) return;
    const [header, payload] = body.id_token.split('.').slice(0, 2).map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()));
    if (upstream.fault === 'bad-signature') {
      const otherKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
      body.id_token = await new SignJWT(payload).setProtectedHeader(header).sign(otherKey);
    } else if (upstream.fault === 'wrong-audience') {
      body.id_token = await new SignJWT({ ...payload, aud: 'another-relying-party' }).setProtectedHeader(header).sign(key);
    } else if (upstream.fault === 'replayed-id-token' && lastIdToken) {
      body.id_token = lastIdToken;
    }
    lastIdToken = body.id_token;
  });

  const callback = provider.callback();
  const server: Server = createServer(async (request, response) => {
    const match = /^\/interaction\/([^/?]+)/.exec(request.url ?? '');
    if (!match) return callback(request, response);
    // The upstream's login page: the test's citizen logs in at once.
    const citizen = upstream.pickCitizen();
    citizens.set(citizen.subject, citizen);
    await provider.interactionFinished(request, response, { login: { accountId: citizen.subject, acr: citizen.acr } }, { mergeWithLastSubmission: false });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  upstream.close = async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  };
  return upstream;
}
