import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { XMLValidator } from 'fast-xml-parser';
import type { CanonicalCommand, DossierView, InboundItem, InboundRequest, ItemOutcome, NativeAnswer, OneStopAdapter } from '../../adapters/onestop/onestop-adapter';
import { DOSSIER_CODE } from '../../schemas/common';
import { Dossier, DossierEvent, DossierHeader, DossierResultFromOneStop } from '../../schemas/dossier';
import type { DossierHeaderInput } from '../../src/dossiers/dossier-model';
import { isRfc3339 } from '../../src/time';

/**
 * The contract every one-stop adapter passes: recorded native messages read to commands the
 * canonical schemas accept, times in +07:00, unknown statuses and bad dates become problems of
 * their own item, garbage never throws, answers tell accepted from refused, look-ups name
 * their dossiers, and a rendered submission reads back to the same commands. Call it from the
 * adapter's own test file, next to its format-specific tests.
 */
export interface OneStopHarness {
  adapter: OneStopAdapter;
  /** Recorded sync messages (no lookups), every item of which translates. */
  fixtures: { name: string; body: string; expectItems: number }[];
  /** A sync message with one item whose status code is outside 1–10, and where its problem points. */
  unknownStatusBody: string;
  unknownStatusPath: string;
  /** A sync message with one item holding an impossible date, and where its problem points. */
  badDateBody: string;
  badDatePath: string;
  /** A lookup of the dossier codes in `lookupCodes`. */
  lookupBody: string;
  lookupCodes: string[];
  /** A sync message of 1,001 items. */
  tooLargeBody: string;
  /** Format-specific unreadable bodies, on top of the suite's own. */
  garbage: string[];
  /** How this format says "every item accepted" (read from the native answer, not from the adapter). */
  saysAllAccepted(answer: NativeAnswer): boolean;
  /** A receiving system's answers to a pushed submission: one taking it, one refusing it. */
  submissionAnswers: { accepted: { status: number; body: string }; refused: { status: number; body: string } };
}

const REFUSAL_CODES = ['MALFORMED', 'UNKNOWN_SERVICE', 'TOO_LARGE', 'UNAUTHENTICATED', 'FORBIDDEN', 'RETRY_LATER'] as const;
const TIME_FIELDS = new Set(['receivedAt', 'dueAt', 'occurredAt', 'issuedAt', 'requestedAt', 'completedAt']);
const CONTEXT = { receivedAt: new Date('2026-11-25T03:04:05.678Z') };

function canonicalValidators() {
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv, ['email', 'uri', 'date', 'uuid', 'ipv4', 'ipv6']);
  ajv.addFormat('date-time', { type: 'string', validate: isRfc3339 });
  for (const schema of [DossierHeader, DossierEvent, DossierResultFromOneStop, Dossier]) ajv.addSchema(schema);
  const get = (id: string) => ajv.getSchema(id) as ValidateFunction;
  return { upsert: get('DossierHeader'), event: get('DossierEvent'), result: get('DossierResultFromOneStop'), dossier: get('Dossier') };
}

const validators = canonicalValidators();

/** Schema errors of one command, [] when it is valid. */
export function commandErrors(command: CanonicalCommand): string[] {
  const validate = validators[command.kind];
  const body = command.kind === 'upsert' ? command.header : command.kind === 'event' ? command.event : command.result;
  return validate(body) ? [] : (validate.errors ?? []).map((e) => `${command.kind} ${command.dossierCode}${e.instancePath} ${e.message ?? ''}`);
}

/** Every time-valued field in commands, with its path. */
function timesIn(value: unknown, path = ''): { path: string; time: string }[] {
  if (Array.isArray(value)) return value.flatMap((entry, i) => timesIn(entry, `${path}/${i}`));
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, entry]) =>
    TIME_FIELDS.has(key) && typeof entry === 'string' ? [{ path: `${path}/${key}`, time: entry }] : timesIn(entry, `${path}/${key}`),
  );
}

export function syncItems(request: InboundRequest): InboundItem[] {
  if (request.operation !== 'sync') throw new Error(`expected a sync, got ${JSON.stringify(request).slice(0, 300)}`);
  return request.items;
}

const STATUS_NAMES = ['SUBMITTED', 'RECEIVED', 'REJECTED', 'PROCESSING', 'SUPPLEMENT_REQUESTED', 'PAYMENT_REQUESTED', 'WITHDRAWAL_REQUESTED', 'STOPPED', 'RESOLVED', 'RESULT_RETURNED'];
const statusNameOf = (status: string | number) => (typeof status === 'number' ? STATUS_NAMES[status - 1] : status);

/** A dossier as GET /v1/dossiers/{code} shows it, built from a header and the statuses it went through. */
export function dossierViewOf(dossierCode: string, header: DossierHeaderInput, statuses: { status: string; occurredAt: string }[], result?: unknown): DossierView {
  const last = statuses.at(-1);
  const finishing = statuses.find((s) => ['REJECTED', 'STOPPED', 'RESOLVED', 'RESULT_RETURNED'].includes(s.status));
  return {
    dossierCode,
    ...header,
    status: last?.status ?? null,
    statusCode: last ? STATUS_NAMES.indexOf(last.status) + 1 : null,
    dueAt: header.dueAt ?? null,
    finishedAt: finishing?.occurredAt ?? null,
    onTime: null,
    overdue: false,
    timeline: statuses.map((s, i) => ({
      status: s.status,
      statusCode: STATUS_NAMES.indexOf(s.status) + 1,
      occurredAt: s.occurredAt,
      sequence: null,
      actor: null,
      note: null,
      dueAt: null,
      supplement: null,
      applied: true,
      recordedAt: statuses[i]!.occurredAt,
    })),
    result: result ?? null,
  };
}

function expectWellFormed(answer: NativeAnswer): void {
  expect(answer.contentType).toMatch(/json|xml/);
  if (answer.contentType.includes('json')) expect(() => JSON.parse(answer.body)).not.toThrow();
  else expect(XMLValidator.validate(answer.body)).toBe(true);
}

export function describeOneStopContract(name: string, harness: OneStopHarness): void {
  const { adapter } = harness;
  const read = (body: string) => adapter.read(body, CONTEXT);

  describe(`one-stop adapter contract: ${name}`, () => {
    it('has a registry id of lower-case letters, digits and dashes', () => {
      expect(adapter.id).toMatch(/^[a-z0-9-]+$/);
    });

    it.each(harness.fixtures.map((f) => [f.name, f] as const))('reads the recorded %s into valid canonical commands', (_, fixture) => {
      const items = syncItems(read(fixture.body));
      expect(items).toHaveLength(fixture.expectItems);
      items.forEach((item, index) => {
        expect(item.problem).toBeUndefined();
        expect(item.index).toBe(index);
        expect(item.dossierCode).toMatch(new RegExp(DOSSIER_CODE.pattern));
        expect(item.commands.length).toBeGreaterThan(0);
        for (const command of item.commands) {
          expect(command.dossierCode).toBe(item.dossierCode);
          expect(commandErrors(command)).toEqual([]);
        }
      });
    });

    it('writes every time as RFC 3339 in +07:00', () => {
      const times = harness.fixtures.flatMap((fixture) => syncItems(read(fixture.body)).flatMap((item) => timesIn(item.commands)));
      expect(times.length).toBeGreaterThan(0);
      for (const { path, time } of times) expect({ path, time, ok: isRfc3339(time) && time.endsWith('+07:00') }).toEqual({ path, time, ok: true });
    });

    it('reads the same message the same way twice (a pure translation)', () => {
      for (const fixture of harness.fixtures) expect(read(fixture.body)).toEqual(read(fixture.body));
    });

    it('makes an unknown status code the problem of its own item, keeping its index', () => {
      const items = syncItems(read(harness.unknownStatusBody));
      const refused = items.filter((item) => item.problem);
      expect(refused).toHaveLength(1);
      expect(refused[0]!.problem!.path).toBe(harness.unknownStatusPath);
      expect(refused[0]!.commands).toEqual([]);
      expect(items.map((item) => item.index)).toEqual(items.map((_, index) => index));
      for (const item of items.filter((i) => !i.problem)) expect(item.commands.length).toBeGreaterThan(0);
    });

    it('makes an impossible date the problem of its own item, naming the field', () => {
      const items = syncItems(read(harness.badDateBody));
      const refused = items.filter((item) => item.problem);
      expect(refused).toHaveLength(1);
      expect(refused[0]!.problem).toEqual({ path: harness.badDatePath, message: expect.any(String) });
      expect(refused[0]!.commands).toEqual([]);
    });

    it('refuses unreadable bodies without throwing', () => {
      const fixture = harness.fixtures[0]!.body;
      const garbage = [
        '',
        ' ',
        'null',
        '42',
        '"text"',
        '[]',
        '{',
        '<',
        '<?xml version="1.0"?>',
        '\u0000\u0001\u0002',
        '\uFEFF',
        fixture.slice(0, Math.floor(fixture.length / 2)),
        '['.repeat(50_000) + ']'.repeat(50_000),
        '<a>'.repeat(50_000) + '</a>'.repeat(50_000),
        Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)).toString('latin1'),
        ...harness.garbage,
      ];
      for (const body of garbage) {
        const request = read(body);
        expect({ body: body.slice(0, 80), operation: request.operation }).toEqual({ body: body.slice(0, 80), operation: 'refused' });
      }
    });

    it('refuses a message of more than 1,000 items as TOO_LARGE', () => {
      expect(read(harness.tooLargeBody)).toEqual({ operation: 'refused', code: 'TOO_LARGE', message: expect.any(String) });
    });

    describe('answers', () => {
      const items = () => harness.fixtures.flatMap((fixture) => syncItems(read(fixture.body)));

      it('says so when every item was accepted', () => {
        const outcomes: ItemOutcome[] = items().map((item) => ({ index: item.index, dossierCode: item.dossierCode, status: 201 }));
        const answer = adapter.answerSync(outcomes);
        expectWellFormed(answer);
        expect(answer.status).toBeLessThan(300);
        expect(harness.saysAllAccepted(answer)).toBe(true);
      });

      it('names every refused item with its canonical code, escaping what it repeats', () => {
        const [first] = items();
        const injected = 'bad "value" </KetQua><x>&amp; {"error_code":0}';
        const outcomes: ItemOutcome[] = [
          { index: 0, dossierCode: first!.dossierCode, status: 201 },
          { index: 1, dossierCode: '000.00.00.H26-261124-0099', status: 409, code: 'DOSSIER_TRANSITION_NOT_ALLOWED', detail: 'a dossier cannot move from RESULT_RETURNED to PROCESSING' },
          { index: 2, dossierCode: '', status: 422, code: 'VALIDATION_FAILED', detail: injected },
        ];
        const answer = adapter.answerSync(outcomes);
        expectWellFormed(answer);
        expect(harness.saysAllAccepted(answer)).toBe(false);
        expect(answer.body).toContain('000.00.00.H26-261124-0099');
        expect(answer.body).toContain('DOSSIER_TRANSITION_NOT_ALLOWED');
        expect(answer.body).toContain('VALIDATION_FAILED');
        expect(answer.body).not.toContain(injected);
      });

      it('answers a look-up with each dossier found, by its code', () => {
        const request = read(harness.lookupBody);
        expect(request).toMatchObject({ operation: 'lookup', dossierCodes: harness.lookupCodes });
        const header = items().flatMap((item) => item.commands).find((c) => c.kind === 'upsert');
        if (header?.kind !== 'upsert') throw new Error('no fixture carries a dossier header');
        const views = harness.lookupCodes.map((code) => dossierViewOf(code, header.header, [{ status: 'RECEIVED', occurredAt: header.header.receivedAt }]));
        for (const view of views) expect(validators.dossier(view)).toBe(true);
        const answer = adapter.answerLookup(views, harness.lookupCodes);
        expectWellFormed(answer);
        expect(answer.status).toBe(200);
        for (const code of harness.lookupCodes) expect(answer.body).toContain(code);
        const none = adapter.answerLookup([], harness.lookupCodes);
        expectWellFormed(none);
        expect(none.status).toBe(200);
      });

      it.each(REFUSAL_CODES)('answers a refusal %s natively, as a failure', (code) => {
        const answer = adapter.answerRefusal(code, 'refused: <b>"quoted"</b> & more');
        expectWellFormed(answer);
        expect(answer.status).toBeGreaterThanOrEqual(400);
        expect(answer.body).toContain(code);
        expect(answer.body).not.toContain('<b>"quoted"</b>');
        expect(harness.saysAllAccepted(answer)).toBe(false);
      });
    });

    describe('submissions', () => {
      it('renders a submitted dossier that reads back to the same commands', () => {
        const upserts = harness.fixtures.flatMap((fixture) => syncItems(read(fixture.body))).flatMap((item) => item.commands.filter((c) => c.kind === 'upsert'));
        expect(upserts.length).toBeGreaterThan(0);
        for (const upsert of upserts) {
          if (upsert.kind !== 'upsert') continue;
          const header: DossierHeaderInput = { ...upsert.header, channel: 'ONLINE' };
          const view = dossierViewOf(upsert.dossierCode, header, [{ status: 'SUBMITTED', occurredAt: header.receivedAt }]);
          expect(validators.dossier(view)).toBe(true);
          const rendered = adapter.renderSubmission(view, { agencyCode: header.agencyCode });
          expect(rendered.contentType).toMatch(/json|xml/);
          const [item, ...others] = syncItems(read(rendered.body));
          expect(others).toEqual([]);
          expect(item!.problem).toBeUndefined();
          const [back, event, ...rest] = item!.commands;
          expect(rest).toEqual([]);
          expect(back).toEqual({ kind: 'upsert', dossierCode: upsert.dossierCode, header });
          if (event?.kind !== 'event') throw new Error(`expected a status event, got ${JSON.stringify(event)}`);
          expect(statusNameOf(event.event.status)).toBe('SUBMITTED');
          expect(Date.parse(event.event.occurredAt)).toBe(Date.parse(header.receivedAt));
        }
      });

      it('reads the receiving system’s answer: taken, refused, or unreadable, never throwing', () => {
        const { accepted, refused } = harness.submissionAnswers;
        expect(adapter.readSubmissionAnswer(accepted.status, accepted.body)).toEqual({ accepted: true });
        expect(adapter.readSubmissionAnswer(refused.status, refused.body)).toEqual({ accepted: false, reason: expect.any(String) });
        // The right body with a failing HTTP status is not an acceptance.
        expect(adapter.readSubmissionAnswer(500, accepted.body).accepted).toBe(false);
        for (const body of ['', 'null', '<', '{"error_code":', 'Service Unavailable']) {
          expect(adapter.readSubmissionAnswer(502, body)).toEqual({ accepted: false, reason: expect.any(String) });
          expect(adapter.readSubmissionAnswer(200, body).accepted).toBe(false);
        }
      });
    });
  });
}
