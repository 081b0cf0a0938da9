import pg from 'pg';
import { hmacSha512Hex, signedQueryString } from '../../adapters/payment/vnpay/vnpay-signing';
import { analyzeDatabase, withFreshDatabase } from './databases';
import { fetchAccessToken, withHub } from './hub';
import { type LoadResult, measureLoad } from './load';
import { rotating, type Timing } from './scenarios';

/**
 * Payments under load (issue targets: >= 3,000 signed IPN callbacks/s with p99 <= 30 ms, and
 * >= 3,000 payment creations/s, on PostgreSQL). The callbacks are VNPay IPNs, pre-signed the
 * way VNPay signs them (HMAC-SHA512 over the sorted vnp_* query), each for its own checked-out
 * payment: every measured callback is verified, matched, written to the ledger, moves its
 * payment to PAID and emits its event. The payments are laid down in SQL first (one
 * statement), as many as the run can consume, so that no callback in the measured window is
 * a replay.
 */
const TMN_CODE = 'BENCHTMN';
const HASH_SECRET = 'bench-vnpay-hash-secret-0123456789';
const AMOUNT = 150_000;
/** Enough callbacks for the warm-up and the measured window at well above the target rate. */
const CALLBACKS_PER_SECOND_HEADROOM = 8_000;

const VNPAY_PARTY = {
  code: 'vnpay',
  name: 'VNPAY',
  kind: 'PAYMENT_PROVIDER',
  provider: 'vnpay',
  // Never called: checkouts here are laid down in SQL, and callbacks need no call back.
  settings: { tmnCode: TMN_CODE, hashSecret: HASH_SECRET, baseUrl: 'http://127.0.0.1:9', apiUrl: 'http://127.0.0.1:9/merchant_webapi/api/transaction' },
};

export interface PaymentLoadResult extends LoadResult {
  maxRssMb: number;
}

const reference = (i: number) => `BENCH${String(i).padStart(8, '0')}`;

/** `count` payments, each PENDING with one VNPay attempt, and their merchant references. */
async function layDownPendingPayments(databaseUrl: string, count: number): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(
      `
      WITH n AS (SELECT i, 'BENCH' || lpad(i::text, 8, '0') AS ref, gen_random_uuid()::text AS id FROM generate_series(1, $1::int) AS i),
      p AS (
        INSERT INTO payments (id, agency_code, owner_party_code, external_reference, dossier_code, kind, amount, status, document, attempts, refunds, refunded_amount, expires_at, paid_at, created_at, updated_at, version)
        SELECT id, '000.00.00.H26', '000.00.00.H26', NULL, NULL, 'FEE', $2::bigint, 'PENDING',
          jsonb_build_object('agencyCode', '000.00.00.H26', 'kind', 'FEE', 'payer', jsonb_build_object('name', 'Nguyễn Văn An'),
            'items', jsonb_build_array(jsonb_build_object('name', 'Lệ phí', 'amount', $2::bigint)), 'amount', $2::bigint, 'currency', 'VND',
            'beneficiary', jsonb_build_object('accountNumber', '3761002000042', 'bankCode', '970436', 'accountName', 'KBNN Hà Nội'),
            'description', 'Lệ phí', 'returnUrl', 'https://onestop.example/done'),
          jsonb_build_array(jsonb_build_object('id', gen_random_uuid()::text, 'provider', 'vnpay', 'reference', ref, 'status', 'PENDING', 'amount', $2::bigint,
            'clientIp', '203.0.113.7', 'locale', 'vi', 'bankCode', NULL, 'redirectUrl', NULL, 'qrPayload', NULL, 'providerOrderId', NULL,
            'providerTransactionId', NULL, 'providerCode', NULL, 'createdAt', now(), 'updatedAt', now(), 'queriedAt', NULL)),
          '[]'::jsonb, 0, now() + interval '1 day', NULL, now(), now(), 1
        FROM n
        RETURNING id, (attempts->0->>'reference') AS ref
      )
      INSERT INTO payment_references (provider, reference, payment_id) SELECT 'vnpay', ref, id FROM p`,
      [count, AMOUNT],
    );
  } finally {
    await client.end();
  }
  await analyzeDatabase(databaseUrl);
}

/** VNPay's success IPN for one reference, as the query of a GET to the callback URL. */
function signedIpn(i: number): string {
  const fields = new Map<string, string>([
    ['vnp_Amount', String(AMOUNT * 100)],
    ['vnp_BankCode', 'NCB'],
    ['vnp_BankTranNo', `VNP${20_000_000 + i}`],
    ['vnp_CardType', 'ATM'],
    ['vnp_OrderInfo', 'Le phi'],
    ['vnp_PayDate', '20261124101500'],
    ['vnp_ResponseCode', '00'],
    ['vnp_TmnCode', TMN_CODE],
    ['vnp_TransactionNo', String(20_000_000 + i)],
    ['vnp_TransactionStatus', '00'],
    ['vnp_TxnRef', reference(i)],
  ]);
  const signed = signedQueryString(fields);
  return `/v1/callbacks/vnpay?${signed}&vnp_SecureHash=${hmacSha512Hex(HASH_SECRET, signed)}`;
}

export function paymentCallbacks(timing: Timing, connections: number): Promise<PaymentLoadResult & { accepted: number; other: number }> {
  return withFreshDatabase(async (databaseUrl) => {
    const count = (timing.durationSeconds + timing.warmupSeconds) * CALLBACKS_PER_SECOND_HEADROOM;
    const paths = Array.from({ length: count }, (_, i) => signedIpn(i + 1));
    let accepted = 0;
    let other = 0;
    const run = await withHub(
      'hub (payment callbacks)',
      databaseUrl,
      async (hub) => {
        await layDownPendingPayments(databaseUrl, count);
        return measureLoad({
          ...timing,
          method: 'GET',
          baseUrl: hub.baseUrl,
          connections,
          headers: {},
          nextRequest: rotating(paths.map((path) => ({ path, body: '' }))),
          onResponse: (_status, body) => {
            if (body.includes('"RspCode":"00"')) accepted++;
            else other++;
          },
        });
      },
      {},
      [VNPAY_PARTY],
    );
    return { ...run.value, maxRssMb: run.maxRssMb, accepted, other };
  });
}

const NEW_PAYMENT = JSON.stringify({
  agencyCode: '000.00.00.H26',
  dossierCode: '000.00.00.H26-261124-0042',
  kind: 'FEE',
  payer: { name: 'Nguyễn Văn An', idNumber: '001190012345' },
  items: [
    { code: 'LP01', name: 'Lệ phí cấp giấy phép', amount: 100_000 },
    { code: 'PHI02', name: 'Phí thẩm định', amount: 50_000 },
  ],
  amount: 150_000,
  currency: 'VND',
  beneficiary: { accountNumber: '3761002000042', bankCode: '970436', accountName: 'Kho bạc Nhà nước Hà Nội' },
  description: 'Lệ phí cấp giấy phép lái xe',
  returnUrl: 'https://onestop.hanoi.example/payments/done',
});

export function paymentCreation(timing: Timing, connections: number): Promise<PaymentLoadResult> {
  return withFreshDatabase(async (databaseUrl) => {
    const run = await withHub(
      'hub (payment creation)',
      databaseUrl,
      async (hub) => {
        const token = await fetchAccessToken(hub);
        return measureLoad({
          ...timing,
          baseUrl: hub.baseUrl,
          connections,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          nextRequest: () => ({ path: '/v1/payments', body: NEW_PAYMENT }),
        });
      },
      {},
      [VNPAY_PARTY],
    );
    return { ...run.value, maxRssMb: run.maxRssMb };
  });
}
