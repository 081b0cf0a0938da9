import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { CommitHandler } from '../commit/commit-pipeline';
import { insertRows } from '../db/json-rows';
import { HubError, validationError } from '../errors';
import { commitAndAnswer } from '../http/answers';
import { keepingBytes } from '../http/body-parsers';
import { requireCaller } from '../http/authentication';
import { toVietnamTime } from '../time';
import { settledOn } from './payment.repository';
import { parseSettlementFile } from './settlement/parse-settlement';
import { reconcile, type ReconciliationResult } from './settlement/reconcile';
import { SETTLEMENT_FORMATS, SettlementFileError, type SettlementFormat } from './settlement/settlement-line';

/**
 * Reconciliation: an operator uploads a provider's settlement file for one day; the hub
 * checks it line by line against its ledger (successful payments and refunds of that
 * provider, received that day in Vietnam time) and keeps the report. Reports name every
 * payment of every agency, so this takes the `admin` scope.
 */
const FILE_LIMIT = 32 * 1024 * 1024;

interface Report extends ReconciliationResult {
  reconciliationId: string;
  provider: string;
  date: string;
  format: SettlementFormat;
  fileSha256: string;
  createdAt: string;
}

const storeReport: CommitHandler<{ report: Report; partyCode: string; createdAt: Date }> = {
  weight: () => 1,
  keys: () => [],
  async execute(_trx, jobs) {
    const rows = jobs.map((j) => j.payload);
    return {
      answers: rows.map((r) => ({ status: 201, body: r.report, outcome: 'OK' })),
      events: [],
      writes: [
        {
          statement: insertRows(
            'reconciliations',
            [
              { name: 'id', value: (r) => r.report.reconciliationId },
              { name: 'provider', value: (r) => r.report.provider },
              { name: 'settlement_date', value: (r) => r.report.date },
              { name: 'format', value: (r) => r.report.format },
              { name: 'file_sha256', value: (r) => r.report.fileSha256 },
              { name: 'party_code', value: (r) => r.partyCode },
              { name: 'result', value: (r) => r.report },
              { name: 'created_at', value: (r) => r.createdAt },
            ],
            rows,
          ),
        },
      ],
    };
  },
};

export default async function reconciliationRoutes(app: FastifyInstance): Promise<void> {
  const { providers } = app.hub.payments;
  for (const type of ['text/csv', 'text/plain', 'application/octet-stream']) {
    app.addContentTypeParser(type, { parseAs: 'buffer', bodyLimit: FILE_LIMIT }, keepingBytes((bytes) => bytes.toString('utf8')));
  }

  app.post<{ Querystring: { provider: string; date: string; format?: SettlementFormat }; Body: string }>(
    '/v1/reconciliations',
    {
      bodyLimit: FILE_LIMIT,
      schema: {
        summary: 'Reconcile a provider’s settlement file against the hub’s ledger',
        description:
          'The body is the file itself (`Content-Type: text/csv` or `text/plain`). Formats: `csv` (the hub’s documented CSV: reference, provider_transaction_id, amount, type, occurred_at) and `napas` (fixed-width HR / DR / TR records with checksums). Default: `napas` for a Napas provider, else `csv`.',
        tags: ['payments'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          required: ['provider', 'date'],
          properties: { provider: { type: 'string', maxLength: 64 }, date: { type: 'string', format: 'date' }, format: { type: 'string', enum: SETTLEMENT_FORMATS } },
        },
        headers: { type: 'object', properties: { 'idempotency-key': { type: 'string' } } },
        consumes: ['text/csv', 'text/plain'],
        response: { 201: { $ref: 'Reconciliation#' }, '4xx': { $ref: 'Problem#' }, '5xx': { $ref: 'Problem#' } },
      },
      config: { scope: 'admin', idempotent: true },
    },
    async (request, reply) => {
      const caller = requireCaller(request);
      const provider = providers.get(request.query.provider);
      if (!provider) throw new HubError('PROVIDER_NOT_ENABLED', `provider ${request.query.provider} is not connected`, { errors: [{ path: '/provider', message: 'is not a connected provider', in: 'query' }] });
      if (typeof request.body !== 'string' || request.body.length === 0) throw validationError([{ path: '', message: 'send the settlement file as the body (Content-Type: text/csv or text/plain)', in: 'body' }]);
      const format = request.query.format ?? (provider.connector.kind === 'napas' ? 'napas' : 'csv');
      let file;
      try {
        file = parseSettlementFile(format, request.body);
      } catch (error) {
        if (!(error instanceof SettlementFileError)) throw error;
        throw validationError(
          error.problems.map((p) => ({ path: `/line/${p.line}/${p.field}`, message: p.message, in: 'body' as const })),
          error.message,
        );
      }
      const ledger = await settledOn(app.hub.db, provider.id, request.query.date);
      const now = new Date();
      const report: Report = {
        reconciliationId: randomUUID(),
        provider: provider.id,
        date: request.query.date,
        format,
        fileSha256: request.bodySha256!,
        ...reconcile(file.lines, ledger),
        createdAt: toVietnamTime(now),
      };
      return commitAndAnswer(app, request, reply, storeReport, { report, partyCode: caller.partyCode, createdAt: now });
    },
  );

  app.get<{ Params: { reconciliationId: string } }>(
    '/v1/reconciliations/:reconciliationId',
    {
      schema: {
        summary: 'A reconciliation report',
        tags: ['payments'],
        params: { type: 'object', required: ['reconciliationId'], properties: { reconciliationId: { type: 'string', format: 'uuid' } } },
        response: { 200: { $ref: 'Reconciliation#' }, '4xx': { $ref: 'Problem#' }, '5xx': { $ref: 'Problem#' } },
      },
      config: { scope: 'admin' },
    },
    async (request) => {
      const row = await app.hub.db.selectFrom('reconciliations').select('result').where('id', '=', request.params.reconciliationId).executeTakeFirst();
      if (!row) throw new HubError('NOT_FOUND', `reconciliation ${request.params.reconciliationId} does not exist`);
      return row.result;
    },
  );
}
