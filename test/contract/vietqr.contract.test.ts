import Ajv from 'ajv';
import {
  type AttemptRef,
  type CallbackOutcome,
  type CheckoutOrder,
  type ConnectorContext,
  type ProviderHttp,
  type ProviderHttpResponse,
  ProviderUnavailableError,
  type RawHttpRequest,
} from '../../adapters/payment/connector';
import { noticeSignature } from '../../adapters/payment/vietqr/credit-notice';
import { asciiFold, crc16CcittFalse, tlv, withCrc } from '../../adapters/payment/vietqr/emv-qr';
import { findReference } from '../../adapters/payment/vietqr/reference';
import { vietqrConnector } from '../../adapters/payment/vietqr/vietqr-connector';
import { describeConnectorContract, testToken } from '../support/payment-contract';
import { startVietqrSimulator } from '../support/payment-simulators/vietqr-simulator';

/** The notice with a bigger amount, its bearer token and `sign` untouched. */
function tamperAmount(callback: RawHttpRequest): RawHttpRequest {
  const body = JSON.parse(callback.body) as { amount: number | string };
  return { ...callback, body: JSON.stringify({ ...body, amount: Number(body.amount) + 1000 }) };
}

describeConnectorContract('vietqr', {
  connector: vietqrConnector,
  startSimulator: startVietqrSimulator,
  tamperAmount,
  apis: ['query'],
  notifiesFailures: false,
  reportsFailures: false,
});

// The account of the public VietQR example below (subiz/vietqr), and VietQR.vn's published sign secret.
const SETTINGS = {
  bankBin: '970415',
  accountNumber: '0011001932418',
  accountName: 'Nguyễn Văn A',
  noticeToken: 'notice-token-0123456789abcdef',
  noticeSigningKey: 'YWN0aXZlX3NpZ24ga2V5LiBLZWVwIGl0IHNlY3JldCE=',
};
const REFERENCE = vietqrConnector.reference('0000000000AB', new Date());

const unusedHttp: ProviderHttp = {
  request: () => Promise.reject(new Error('this test expects no HTTP call')),
};

function contextWith(settings: Record<string, unknown> = SETTINGS, http: ProviderHttp = unusedHttp): ConnectorContext {
  return { settings, http, now: new Date(), callbackUrl: 'https://hub.example/v1/callbacks/vietqr', returnUrl: 'https://hub.example/v1/payments/return/vietqr' };
}

function noticeFields(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const fields: Record<string, unknown> = {
    transactionid: 'c0e43e2c-75b8-4c7f-8826-b72945d89a9f',
    transactiontime: 1767844560000,
    referencenumber: 'FT26008507756020',
    amount: 150000,
    content: `MBVCB.1234.${REFERENCE.toLowerCase()}.CT tu 0011004 NGUYEN VAN AN`,
    bankaccount: SETTINGS.accountNumber,
    transType: 'C',
    orderId: '',
    ...overrides,
  };
  const amount = Number(fields.amount);
  if (!('sign' in overrides) && Number.isSafeInteger(amount)) {
    fields.sign = noticeSignature(SETTINGS.noticeSigningKey, { transactionId: String(fields.transactionid ?? ''), amount, transactionTime: String(fields.transactiontime ?? ''), orderId: String(fields.orderId ?? '') });
  }
  return fields;
}

/** A notice as the sender posts it; `null` leaves out the Authorization header. */
function noticeRequest(fields: Record<string, unknown>, authorization: string | null = `Bearer ${SETTINGS.noticeToken}`): RawHttpRequest {
  const headers = authorization === null ? { 'content-type': 'application/json' } : { 'content-type': 'application/json', authorization };
  return { method: 'POST', url: '/v1/callbacks/vietqr', headers, body: JSON.stringify(fields) };
}

function order(amount: number, reference = REFERENCE): CheckoutOrder {
  const createdAt = new Date('2024-05-20T17:30:00Z');
  return { reference, amount, description: 'Lệ phí', clientIp: '203.0.113.7', locale: 'vi', createdAt, expiresAt: new Date(createdAt.getTime() + 900_000) };
}

function attempt(amount: number, createdAt = new Date('2024-05-20T17:30:00Z')): AttemptRef {
  return { reference: REFERENCE, amount, createdAt, clientIp: '203.0.113.7', providerTransactionId: undefined, providerOrderId: undefined };
}

const LOOKUP = { ...SETTINGS, transactionsUrl: 'https://my.sepay.example/userapi/transactions/list', apiToken: 'sepay-api-token' };

/** A transaction list that answers once with `response` and records what it was asked. */
function listAnswering(response: Partial<ProviderHttpResponse>) {
  const asked: { url: string; headers: Record<string, string> | undefined }[] = [];
  const http: ProviderHttp = {
    request: (request) => {
      asked.push({ url: request.url, headers: request.headers });
      return Promise.resolve({ status: 200, headers: {}, body: '', ...response });
    },
  };
  return { http, asked };
}

function sepayList(rows: Record<string, unknown>[]): string {
  return JSON.stringify({ status: 200, error: null, messages: { success: true }, transactions: rows });
}

function sepayRow(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: '49682',
    bank_brand_name: 'Vietcombank',
    account_number: SETTINGS.accountNumber,
    transaction_date: '2024-05-21 00:35:12',
    amount_out: '0.00',
    amount_in: '150000.00',
    accumulated: '1200541768.00',
    transaction_content: `${REFERENCE.slice(0, 5)} ${REFERENCE.slice(5).toLowerCase()} chuyen tien`,
    reference_number: 'FT24142000000001',
    code: null,
    sub_account: null,
    bank_account_id: '19',
    ...overrides,
  };
}

describe('vietqr published test vectors', () => {
  it('reproduces the CRC of payments.md', () => {
    const fields = '00020101021138480010A00000072701300006970403011621129950446040255204581253037045802VN5910PHUONG CAC6005HANOI62110307NPS6869';
    expect(crc16CcittFalse(`${fields}6304`)).toBe('5802');
    expect(withCrc(fields)).toBe(`${fields}63045802`);
  });

  it('reproduces the CRC of the subiz/vietqr example, and builds the same fields for the same account and amount', async () => {
    const example = '00020101021238570010A00000072701270006970415011300110019324180208QRIBFTTA530370454061200005802VN62170813ung ho lu lut6304';
    expect(crc16CcittFalse(example)).toBe('C15C');

    const { qr } = await vietqrConnector.createCheckout(contextWith(), order(120_000));
    const fields = `00020101021238570010A00000072701270006970415011300110019324180208QRIBFTTA530370454061200005802VN62200816${REFERENCE}6304`;
    expect(qr?.payload).toBe(`${fields}${crc16CcittFalse(fields)}`);
  });

  it("reproduces VietQR.vn's published transaction-sync signature, and verifies a notice carrying it", () => {
    // doc.vietqr.vn "Tài liệu kết nối VietQR": HMAC-SHA256 over {transactionId}{amount, 10 digits}{transactionTime}{orderId}.
    const published = {
      transactionId: '0a4cc317-3af3-4055-bc83-7296adb624bf',
      amount: 100000,
      transactionTime: '2024-05-1701:53',
      orderId: '0a4cc317-3af3-4055-bc83-7296adb624bf',
    };
    const sign = '241fad517529e1abfef81756f615a6edd0a765846f0e926563ee88540c4a9ef1';
    expect(noticeSignature(SETTINGS.noticeSigningKey, published)).toBe(sign);

    const fields = noticeFields({ transactionid: published.transactionId, amount: '100000', transactiontime: published.transactionTime, orderId: published.orderId, sign });
    expect(vietqrConnector.parseCallback(contextWith(), noticeRequest(fields))).toMatchObject({ verified: true, amount: 100_000, reference: REFERENCE });
    expect(vietqrConnector.parseCallback(contextWith(), noticeRequest({ ...fields, amount: '100001' }))).toEqual({ verified: false, problem: 'INVALID_SIGNATURE', reference: REFERENCE });
  });
});

describe('vietqr answers to the credit-notice sender', () => {
  const expected: Record<CallbackOutcome, { status: number; body: string }> = {
    ACCEPTED: { status: 200, body: '{"error":false,"errorReason":null,"toastMessage":"Recorded","object":null}' },
    ALREADY_CONFIRMED: { status: 200, body: '{"error":false,"errorReason":null,"toastMessage":"Already recorded","object":null}' },
    UNKNOWN_ORDER: { status: 200, body: '{"error":true,"errorReason":"UNKNOWN_ORDER","toastMessage":"No payment awaits this transfer","object":null}' },
    AMOUNT_MISMATCH: { status: 200, body: '{"error":true,"errorReason":"AMOUNT_MISMATCH","toastMessage":"The amount differs from the payment","object":null}' },
    MERCHANT_MISMATCH: { status: 200, body: '{"error":true,"errorReason":"ACCOUNT_MISMATCH","toastMessage":"The account is not the payment account","object":null}' },
    INVALID_SIGNATURE: { status: 401, body: '{"error":true,"errorReason":"INVALID_AUTH","toastMessage":"Invalid bearer token or sign","object":null}' },
    MALFORMED: { status: 400, body: '{"error":true,"errorReason":"INVALID_REQUEST","toastMessage":"Unreadable notice or no payment reference","object":null}' },
    RETRY_LATER: { status: 503, body: '{"error":true,"errorReason":"RETRY_LATER","toastMessage":"Temporarily unavailable, send again","object":null}' },
  };

  it.each(Object.entries(expected))('%s', (outcome, { status, body }) => {
    expect(vietqrConnector.answerCallback(outcome as CallbackOutcome)).toEqual({ status, contentType: 'application/json', body });
  });
});

describe('vietqr status mapping', () => {
  it.each([
    ['C', 'SUCCEEDED'],
    ['c', 'SUCCEEDED'],
    ['X', 'PENDING'],
    [undefined, 'PENDING'],
  ])('reads transType %s as %s', (transType, result) => {
    const notice = vietqrConnector.parseCallback(contextWith(), noticeRequest(noticeFields({ transType })));
    expect(notice).toMatchObject({ verified: true, result, reference: REFERENCE, providerTransactionId: 'FT26008507756020', merchantCode: SETTINGS.accountNumber });
  });

  it('keeps the code of a notice it cannot call a credit, and keys it apart from the credit', () => {
    const unknown = vietqrConnector.parseCallback(contextWith(), noticeRequest(noticeFields({ transType: 'X' })));
    const credit = vietqrConnector.parseCallback(contextWith(), noticeRequest(noticeFields()));
    expect(unknown).toMatchObject({ providerCode: 'X' });
    expect(credit).toMatchObject({ providerCode: undefined, eventKey: `${REFERENCE}:FT26008507756020:SUCCEEDED` });
    if (unknown.verified && credit.verified) expect(unknown.eventKey).not.toBe(credit.eventKey);
  });

  it('reads a notice without transType as a credit when the party says its sender leaves it out', () => {
    const notice = vietqrConnector.parseCallback(contextWith({ ...SETTINGS, creditWithoutTransType: true }), noticeRequest(noticeFields({ transType: undefined })));
    expect(notice).toMatchObject({ verified: true, result: 'SUCCEEDED' });
  });

  it('never reads a debit as a payment: MALFORMED, with no reference to query', () => {
    expect(vietqrConnector.parseCallback(contextWith(), noticeRequest(noticeFields({ transType: 'D' })))).toEqual({ verified: false, problem: 'MALFORMED', reference: undefined });
  });

  it('looks up SUCCEEDED when a credit of the amount carries the reference, with the same key as its notice', async () => {
    const { http } = listAnswering({ body: sepayList([sepayRow({ reference_number: 'FT26008507756020' })]) });
    const report = await vietqrConnector.queryStatus(contextWith(LOOKUP, http), attempt(150_000));
    const notice = vietqrConnector.parseCallback(contextWith(), noticeRequest(noticeFields()));
    expect(report).toEqual({
      result: 'SUCCEEDED',
      amount: 150_000,
      providerTransactionId: 'FT26008507756020',
      providerCode: undefined,
      eventKey: notice.verified ? notice.eventKey : 'a verified notice',
      raw: JSON.stringify(sepayRow({ reference_number: 'FT26008507756020' })),
    });
  });

  it.each([
    ['another amount', [sepayRow({ amount_in: '149000.00' })]],
    ['another reference', [sepayRow({ transaction_content: vietqrConnector.reference('0000000000AC', new Date()) })]],
    ['another account', [sepayRow({ account_number: '9999999999' })]],
    ['money going out', [sepayRow({ amount_in: '150000.00', amount_out: '150000.00' })]],
    ['no bank transaction code', [sepayRow({ reference_number: '' })]],
    ['no transactions', []],
  ])('looks up PENDING for %s (a transfer never fails; the hub expires the attempt)', async (_case, rows) => {
    const { http } = listAnswering({ body: sepayList(rows) });
    const report = await vietqrConnector.queryStatus(contextWith(LOOKUP, http), attempt(150_000));
    expect(report).toMatchObject({ result: 'PENDING', amount: undefined, providerTransactionId: undefined, eventKey: `${REFERENCE}:PENDING` });
  });

  it('answers PENDING without asking anyone when no lookup is configured', async () => {
    const report = await vietqrConnector.queryStatus(contextWith(), attempt(150_000));
    expect(report.result).toBe('PENDING');
    expect(report.raw).toMatch(/no transaction lookup is configured/);
  });

  it.each([
    ['HTTP 401', { status: 401, body: '{"status":401,"error":"Unauthorized","messages":{"success":false}}' }],
    ['success false', { body: '{"status":200,"error":"x","messages":{"success":false},"transactions":[]}' }],
    ['no list', { body: '{"status":200,"messages":{"success":true}}' }],
    ['not JSON', { body: '<html>' }],
  ])('throws ProviderUnavailableError when the list answers %s', async (_case, response) => {
    const { http } = listAnswering(response);
    await expect(vietqrConnector.queryStatus(contextWith(LOOKUP, http), attempt(150_000))).rejects.toBeInstanceOf(ProviderUnavailableError);
  });
});

describe('vietqr protocol details', () => {
  describe('reference', () => {
    it('is LT, the token and two check characters: 16 upper-case letters and digits', () => {
      expect(REFERENCE).toMatch(/^LT0000000000AB[0-9A-Z]{2}$/);
      expect(vietqrConnector.reference(testToken(), new Date())).toMatch(/^LT[0-9A-Z]{14}$/);
    });

    it('refuses a token that is not 12 characters of [0-9A-Z]', () => {
      for (const token of ['0000000000ab', '0000000000A', '0000000000A-B']) expect(() => vietqrConnector.reference(token, new Date())).toThrow();
    });

    it.each([
      ['as written', REFERENCE],
      ['lower-cased', REFERENCE.toLowerCase()],
      ['split by spaces and punctuation', `${REFERENCE.slice(0, 4)} ${REFERENCE.slice(4, 9)}-${REFERENCE.slice(9)}.`],
      ['inside bank text', `MBVCB.3279.${REFERENCE.toLowerCase()}.CT tu 0011004 NGUYỄN VĂN ÂN toi 0011001932418`],
      ['after text ending in LT', `THANH TOAN VOLT${REFERENCE}`],
      ['twice', `${REFERENCE} ${REFERENCE}`],
    ])('is found in a memo %s', (_case, memo) => {
      expect(findReference(memo)).toBe(REFERENCE);
    });

    it('is not found with one character changed, or when two different references make it ambiguous', () => {
      const changed = `${REFERENCE.slice(0, 8)}${REFERENCE[8] === '0' ? '1' : '0'}${REFERENCE.slice(9)}`;
      expect(findReference(changed)).toBeUndefined();
      const swapped = `${REFERENCE.slice(0, 12)}${REFERENCE[13]}${REFERENCE[12]}${REFERENCE.slice(14)}`;
      expect(findReference(swapped)).toBeUndefined();
      expect(findReference(`${REFERENCE} ${vietqrConnector.reference('0000000000AC', new Date())}`)).toBeUndefined();
    });
  });

  describe('QR payload', () => {
    it('counts lengths in ASCII characters and refuses other text', () => {
      expect(tlv('08', REFERENCE)).toBe(`0816${REFERENCE}`);
      expect(asciiFold('Nguyễn Văn Đức')).toBe('Nguyen Van Duc');
      expect(() => tlv('59', 'Nguyễn')).toThrow();
      expect(() => tlv('08', 'x'.repeat(100))).toThrow();
    });

    it('puts the integer VND amount in tag 54 and the reference in 62.08, and ends with a valid CRC', async () => {
      const { qr, redirectUrl } = await vietqrConnector.createCheckout(contextWith(), order(2_500_000));
      expect(redirectUrl).toBeUndefined();
      expect(qr?.payload).toContain(`54072500000`);
      expect(qr?.payload).toContain(`62200816${REFERENCE}6304`);
      const payload = qr?.payload ?? '';
      expect(crc16CcittFalse(payload.slice(0, -4))).toBe(payload.slice(-4));
    });

    it('refuses amounts that are not positive integers of VND, and references it did not make', async () => {
      for (const amount of [0, -1000, 1500.5, 1e14]) await expect(vietqrConnector.createCheckout(contextWith(), order(amount))).rejects.toThrow();
      await expect(vietqrConnector.createCheckout(contextWith(), order(1000, 'ORDER-1'))).rejects.toThrow();
    });
  });

  describe('credit notice', () => {
    it.each([
      ['a JSON number', 150000, 150_000],
      ['a string of digits', '150000', 150_000],
      ['a Java double', 150000.0, 150_000],
    ])('reads the amount given as %s', (_case, amount, expected) => {
      expect(vietqrConnector.parseCallback(contextWith(), noticeRequest(noticeFields({ amount })))).toMatchObject({ verified: true, amount: expected });
    });

    it.each([
      ['a fraction', '150000.5'],
      ['a negative number', -150000],
      ['zero', 0],
      ['eleven digits', 12345678901],
      ['text', 'một trăm'],
    ])('refuses an amount that is %s as MALFORMED', (_case, amount) => {
      expect(vietqrConnector.parseCallback(contextWith(), noticeRequest(noticeFields({ amount, sign: 'x' })))).toEqual({ verified: false, problem: 'MALFORMED', reference: REFERENCE });
    });

    it.each([
      ['no Authorization', null],
      ['another token', 'Bearer notice-token-0123456789abcdeX'],
      ['a token of another length', 'Bearer short'],
      ['another scheme', `Basic ${SETTINGS.noticeToken}`],
    ])('refuses %s as INVALID_SIGNATURE, keeping the reference for a query', (_case, authorization) => {
      expect(vietqrConnector.parseCallback(contextWith(), noticeRequest(noticeFields(), authorization))).toEqual({ verified: false, problem: 'INVALID_SIGNATURE', reference: REFERENCE });
    });

    it('accepts the scheme in any case', () => {
      expect(vietqrConnector.parseCallback(contextWith(), noticeRequest(noticeFields(), `bearer ${SETTINGS.noticeToken}`)).verified).toBe(true);
    });

    it('requires `sign` when the party has a signing key, and not otherwise', () => {
      const unsigned = noticeRequest(noticeFields({ sign: '' }));
      expect(vietqrConnector.parseCallback(contextWith(), unsigned)).toMatchObject({ verified: false, problem: 'INVALID_SIGNATURE' });
      const { noticeSigningKey: _key, ...bearerOnly } = SETTINGS;
      expect(vietqrConnector.parseCallback(contextWith(bearerOnly), unsigned)).toMatchObject({ verified: true });
    });

    it('refuses a notice whose memo carries no reference as MALFORMED without a reference', () => {
      expect(vietqrConnector.parseCallback(contextWith(), noticeRequest(noticeFields({ content: 'chuyen tien le phi' })))).toEqual({ verified: false, problem: 'MALFORMED', reference: undefined });
    });

    it('uses the transaction id when the bank code is missing, and refuses a notice with neither', () => {
      expect(vietqrConnector.parseCallback(contextWith(), noticeRequest(noticeFields({ referencenumber: undefined })))).toMatchObject({ verified: true, providerTransactionId: 'c0e43e2c-75b8-4c7f-8826-b72945d89a9f' });
      expect(vietqrConnector.parseCallback(contextWith(), noticeRequest(noticeFields({ referencenumber: undefined, transactionid: undefined })))).toEqual({ verified: false, problem: 'MALFORMED', reference: REFERENCE });
    });

    it('names the credited account as the merchant, so that the hub refuses a notice for another account', () => {
      const notice = vietqrConnector.parseCallback(contextWith(), noticeRequest(noticeFields({ bankaccount: '9999999999' })));
      expect(notice).toMatchObject({ verified: true, merchantCode: '9999999999' });
      expect(vietqrConnector.merchantCode(SETTINGS)).toBe(SETTINGS.accountNumber);
    });

    it('has no browser return and no refund API', () => {
      const browser: RawHttpRequest = { method: 'GET', url: `/v1/payments/return/vietqr?ref=${REFERENCE}`, headers: {}, body: '' };
      expect(vietqrConnector.parseReturn(contextWith(), browser)).toEqual({ verified: false, problem: 'MALFORMED', reference: undefined });
      expect(vietqrConnector.refund).toBeUndefined();
    });
  });

  describe('status lookup request', () => {
    it('asks for the account, the amount and the attempt day in GMT+7, with the bearer API token', async () => {
      const { http, asked } = listAnswering({ body: sepayList([]) });
      // 17:30 UTC on 20 May is 00:30 on 21 May in Vietnam; 15 minutes of clock margin keep it on the 21st.
      await vietqrConnector.queryStatus(contextWith(LOOKUP, http), attempt(150_000, new Date('2024-05-20T17:30:00Z')));
      // 17:10 UTC is 00:10 GMT+7; the margin reaches back to 23:55 on the 20th.
      await vietqrConnector.queryStatus(contextWith(LOOKUP, http), attempt(150_000, new Date('2024-05-20T17:10:00Z')));
      const [first, second] = asked.map(({ url }) => new URL(url));
      expect(`${first?.origin}${first?.pathname}`).toBe(LOOKUP.transactionsUrl);
      expect(Object.fromEntries(first?.searchParams ?? [])).toEqual({ account_number: SETTINGS.accountNumber, transaction_date_min: '2024-05-21', amount_in: '150000' });
      expect(second?.searchParams.get('transaction_date_min')).toBe('2024-05-20');
      expect(asked[0]?.headers).toMatchObject({ authorization: 'Bearer sepay-api-token' });
    });
  });

  describe('settings schema', () => {
    const validate = new Ajv({ allErrors: true, strict: false }).compile(vietqrConnector.settingsSchema);

    it('accepts the contract settings, with or without the optional ones', () => {
      expect(validate(SETTINGS)).toBe(true);
      expect(validate({ ...LOOKUP, creditWithoutTransType: true })).toBe(true);
    });

    it.each([
      ['a missing noticeToken', { ...SETTINGS, noticeToken: undefined }],
      ['an unknown field', { ...SETTINGS, hashSecret: 'x' }],
      ['a bank BIN that is not 6 digits', { ...SETTINGS, bankBin: '97041' }],
      ['transactionsUrl without apiToken', { ...SETTINGS, transactionsUrl: LOOKUP.transactionsUrl }],
      ['apiToken without transactionsUrl', { ...SETTINGS, apiToken: 'x' }],
    ])('refuses %s', (_case, settings) => {
      expect(validate(JSON.parse(JSON.stringify(settings)))).toBe(false);
    });
  });

  describe('simulator', () => {
    let simulator: Awaited<ReturnType<typeof startVietqrSimulator>>;
    beforeAll(async () => {
      // Refused payments never reach the callback URL.
      simulator = await startVietqrSimulator({ callbackUrl: 'http://127.0.0.1:9/v1/callbacks/vietqr', returnUrl: 'http://127.0.0.1:9/v1/payments/return/vietqr' });
    });
    afterAll(() => simulator.stop());

    const simulatorContext = () => contextWith(simulator.settings);

    it('refuses a QR whose CRC is wrong', async () => {
      const paid = order(150_000);
      const { qr } = await vietqrConnector.createCheckout(simulatorContext(), paid);
      const payload = qr?.payload ?? '';
      const broken = `${payload.slice(0, -4)}${payload.endsWith('0000') ? '0001' : '0000'}`;
      await expect(simulator.complete({ qr: { payload: broken } }, paid, 'success')).rejects.toThrow(/CRC/);
    });

    it('refuses a QR for another amount, another account or another reference', async () => {
      const paid = order(150_000);
      const checkout = await vietqrConnector.createCheckout(simulatorContext(), paid);
      await expect(simulator.complete(checkout, { ...paid, amount: 151_000 }, 'success')).rejects.toThrow(/asks 150000/);
      await expect(simulator.complete(checkout, { ...paid, reference: vietqrConnector.reference('0000000000AC', new Date()) }, 'success')).rejects.toThrow(/purpose/);
      const elsewhere = await vietqrConnector.createCheckout(contextWith({ ...simulator.settings, accountNumber: '1017788991' }), paid);
      await expect(simulator.complete(elsewhere, paid, 'failure')).rejects.toThrow(/not the agency's account/);
    });

    it('shows a valid QR on its payment page and refuses a broken one', async () => {
      const { qr } = await vietqrConnector.createCheckout(simulatorContext(), order(150_000));
      const base = new URL(String(simulator.settings.transactionsUrl)).origin;
      const shown = await fetch(`${base}/qr?payload=${encodeURIComponent(qr?.payload ?? '')}`);
      expect(shown.status).toBe(200);
      expect(await shown.text()).toContain(REFERENCE);
      const refused = await fetch(`${base}/qr?payload=${encodeURIComponent(`${qr?.payload.slice(0, -1)}X`)}`);
      expect(refused.status).toBe(400);
    });

    it('refuses the transaction list without its API token', async () => {
      const answer = await fetch(String(simulator.settings.transactionsUrl), { headers: { authorization: 'Bearer wrong' } });
      expect(answer.status).toBe(401);
    });
  });
});
