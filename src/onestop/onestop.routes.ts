import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CanonicalCommand, InboundItem, ItemOutcome, NativeAnswer, OneStopAdapter } from '../../adapters/onestop/onestop-adapter';
import { oneStopAdapters } from '../../adapters/onestop/registry';
import { authenticateClient } from '../auth/client-authentication';
import { OAuthError } from '../auth/oauth-error';
import type { DossierCommand } from '../dossiers/dossier-model';
import { dossierResource } from '../dossiers/dossier-resource';
import { findDossier } from '../dossiers/dossier.repository';
import { type DossierJob, dossierCommitHandler } from '../dossiers/dossier.service';
import { HubError } from '../errors';
import { callerOfToken } from '../http/authentication';
import { keepingBytes } from '../http/body-parsers';
import { messageRecordOf } from '../http/observability';
import { sharedSchemaValidators } from '../http/validation';
import { SHARED_SCHEMAS } from '../schemas';

/**
 * Portal-compatible one-stop endpoints (api-contract.md): systems written against the
 * national portal's own format (or a vendor's) keep it and change a base URL. Each adapter
 * (adapters/onestop) turns a native message into canonical dossier commands, which are
 * validated by the canonical schemas and applied by the canonical dossier service through
 * the group commit: the same rules, jurisdiction, transitions, outbox and message log as
 * `/v1/dossiers`. The portal's login (`/compat/dvcqg/login`) hands out an access token of the
 * client as its `session`, so a session is checked exactly like a bearer token.
 */
const MAX_BODY = 8 * 1024 * 1024;

export default async function oneStopRoutes(app: FastifyInstance): Promise<void> {
  const { parties, assertions, config } = app.hub;
  const validators = sharedSchemaValidators(SHARED_SCHEMAS, {
    upsert: 'DossierHeader',
    event: 'DossierEvent',
    // Result papers synced this way may lack their hash and media type (api-contract.md).
    result: 'DossierResultFromOneStop',
  } satisfies Record<CanonicalCommand['kind'], string>);

  // Native bodies are read as text whatever their type (JSON, SOAP XML): the adapter parses them.
  const asText = keepingBytes((bytes) => bytes.toString('utf8'));
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_BODY }, asText);
  app.removeContentTypeParser(['application/json']);
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: MAX_BODY }, asText);

  const send = (reply: FastifyReply, answer: NativeAnswer) => reply.code(answer.status).type(answer.contentType).send(answer.body);

  app.post<{ Body: string }>(
    '/compat/dvcqg/login',
    { schema: { summary: 'The portal’s session login: {username, password} = your client id and secret', tags: ['portal-compatible'] }, bodyLimit: 64 * 1024 },
    async (request, reply) => {
      let credentials: { username?: unknown; password?: unknown };
      try {
        credentials = JSON.parse(request.body) as typeof credentials;
      } catch {
        return reply.code(400).send({ session: null, error_code: 400, message: 'the body must be JSON {username, password}' });
      }
      if (typeof credentials?.username !== 'string' || typeof credentials.password !== 'string') {
        return reply.code(400).send({ session: null, error_code: 400, message: 'username and password are required' });
      }
      try {
        const client = await authenticateClient(request, { client_id: credentials.username, client_secret: credentials.password }, parties, assertions);
        request.caller = { partyCode: client.party.code, clientId: client.client.clientId, jurisdiction: client.party.jurisdiction, requestId: request.id };
        const session = app.jwt.sign({ sub: client.client.clientId, party: client.party.code, scope: [...client.party.scopes].join(' '), jti: crypto.randomUUID() });
        request.outcome = 'OK';
        return { session, error_code: 0, expires_in: config.accessTokenTtlSeconds };
      } catch (error) {
        if (!(error instanceof OAuthError)) throw error;
        request.outcome = 'UNAUTHENTICATED';
        return reply.code(401).send({ session: null, error_code: 401, message: 'sai tên đăng nhập hoặc mật khẩu (wrong username or password)' });
      }
    },
  );

  app.post<{ Params: { adapter: string }; Body: string }>(
    '/compat/:adapter/service',
    {
      bodyLimit: MAX_BODY,
      schema: {
        summary: 'A one-stop system’s native message (dvcqg: DongBoHoSoMC, CapNhatTienDoHoSoMC, TraCuuHoSo; vendor-soap: its SOAP operations)',
        tags: ['portal-compatible'],
        params: { type: 'object', required: ['adapter'], properties: { adapter: { type: 'string', maxLength: 40 } } },
      },
    },
    async (request, reply) => {
      const adapter = oneStopAdapters[request.params.adapter];
      if (!adapter) throw new HubError('NOT_FOUND', `no one-stop adapter ${request.params.adapter} (${Object.keys(oneStopAdapters).join(', ')})`);
      const receivedAt = new Date();
      const inbound = adapter.read(typeof request.body === 'string' ? request.body : '', { receivedAt });
      if (inbound.operation === 'refused') return send(reply, adapter.answerRefusal(inbound.code, inbound.message));

      const token = inbound.session ?? request.headers.authorization?.replace(/^Bearer\s+/i, '');
      if (!token) return send(reply, adapter.answerRefusal('UNAUTHENTICATED', 'log in first (session) or send Authorization: Bearer <access token>'));
      let authorized;
      try {
        authorized = callerOfToken(app, token, request.id);
      } catch (error) {
        if (error instanceof HubError) return send(reply, adapter.answerRefusal('UNAUTHENTICATED', error.message));
        throw error;
      }
      const { caller, scopes } = authorized;
      request.caller = caller;
      const needed = inbound.operation === 'sync' ? 'dossiers:write' : 'dossiers:read';
      if (!scopes.includes(needed)) return send(reply, adapter.answerRefusal('FORBIDDEN', `this needs the scope ${needed}`));
      if (!caller.jurisdiction.covers(inbound.agencyCode)) return send(reply, adapter.answerRefusal('FORBIDDEN', `agency ${inbound.agencyCode} is outside your jurisdiction`));

      if (inbound.operation === 'lookup') {
        const now = new Date();
        const found = await Promise.all(inbound.dossierCodes.map((code) => findDossier(app.hub.db, code)));
        const views = found.flatMap((state) => (state && caller.jurisdiction.covers(state.agencyCode) ? [dossierResource(state, caller.partyCode, now)] : []));
        return send(reply, adapter.answerLookup(views, inbound.dossierCodes));
      }
      return sync(request, reply, adapter, inbound.items);
    },
  );

  /** The items' commands, schema-checked, through the dossier service; one native answer naming each refused item. */
  async function sync(request: FastifyRequest, reply: FastifyReply, adapter: OneStopAdapter, items: readonly InboundItem[]) {
    const outcomes: (ItemOutcome | undefined)[] = items.map((item) => {
      const problem = item.problem ?? commandProblem(item.commands);
      return problem ? { index: item.index, dossierCode: item.dossierCode, status: 422, code: 'VALIDATION_FAILED', detail: `${problem.path} ${problem.message}` } : undefined;
    });
    const commands: DossierCommand[] = [];
    const spans: { item: number; first: number; count: number }[] = [];
    items.forEach((item, i) => {
      if (outcomes[i]) return;
      spans.push({ item: i, first: commands.length, count: item.commands.length });
      commands.push(...item.commands);
    });
    const respond: DossierJob['respond'] = (results) => {
      for (const span of spans) {
        const own = results.slice(span.first, span.first + span.count);
        const refused = own.find((o) => o.error);
        const decisive = refused ?? own.at(-1)!;
        const item = items[span.item]!;
        outcomes[span.item] = { index: item.index, dossierCode: item.dossierCode, status: decisive.status, ...(refused ? { code: refused.error!.code, detail: refused.error!.message } : {}) };
      }
      const all = outcomes as ItemOutcome[];
      const native = adapter.answerSync(all);
      const refusedCount = all.filter((o) => o.status >= 400).length;
      return { status: native.status, body: native, outcome: refusedCount ? `OK_${all.length - refusedCount}_OF_${all.length}` : 'OK' };
    };
    const answer =
      commands.length > 0
        ? await app.hub.pipeline.submit(dossierCommitHandler, { payload: { caller: request.caller!, commands, withTimeline: false, respond }, log: messageRecordOf(request) })
        : await app.hub.pipeline.record(messageRecordOf(request), 200, 'REFUSED_ALL').then(() => respond([], new Date()));
    request.messageLogged = true;
    request.outcome = answer.outcome;
    return send(reply, answer.body as NativeAnswer);
  }

  function commandProblem(commands: readonly CanonicalCommand[]): { path: string; message: string } | undefined {
    for (const command of commands) {
      const value = command.kind === 'upsert' ? command.header : command.kind === 'event' ? command.event : command.result;
      const [problem] = validators[command.kind](value);
      if (problem) return { path: `${command.kind}${problem.path}`, message: problem.message };
    }
    return undefined;
  }
}
