import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../src/config';
import { demoParties } from '../../src/parties/demo-parties';
import { Jurisdiction } from '../../src/parties/jurisdiction';
import { PartiesFileError, loadPartiesFile, parsePartiesDocument } from '../../src/parties/registry';
import { hashSecret } from '../../src/parties/secrets';

/** The contract's example parties file ("Parties file" in api-contract.md), with a real webhook secret. */
function exampleDocument() {
  return {
    parties: [
      {
        code: '000.00.00.H26',
        name: 'Hà Nội one-stop system',
        kind: 'PROVINCE',
        jurisdiction: ['*.H26'],
        scopes: ['dossiers:write', 'dossiers:read', 'payments:write', 'payments:read', 'events:read'],
        clients: [{ clientId: 'hanoi-onestop', clientSecret: 's3cret-at-least-16-chars' }],
        notifyUrl: 'https://onestop.hanoi.example/hub-events',
        webhookSecret: `whsec_${Buffer.alloc(24, 7).toString('base64')}`,
      },
      {
        code: 'vnpay',
        name: 'VNPay',
        kind: 'PAYMENT_PROVIDER',
        provider: 'vnpay',
        settings: { tmnCode: 'DEMO0001', hashSecret: 'vnpay-hash-secret', baseUrl: 'https://sandbox.vnpayment.vn' },
      },
    ] as Record<string, unknown>[],
  };
}

type Document = ReturnType<typeof exampleDocument>;
const hanoi = (document: Document) => document.parties[0]!;
const hanoiClient = (document: Document) => (hanoi(document).clients as Record<string, unknown>[])[0]!;

/** The message with which the example, changed by `change`, is refused. */
function refusal(change: (document: Document) => void): string {
  const document = exampleDocument();
  change(document);
  try {
    parsePartiesDocument(document, 'parties.json');
  } catch (error) {
    expect(error).toBeInstanceOf(PartiesFileError);
    return (error as Error).message;
  }
  throw new Error('the document was accepted');
}

describe('parsePartiesDocument', () => {
  it('accepts the contract’s example file', () => {
    const document = exampleDocument();
    expect(parsePartiesDocument(document, 'parties.json')).toEqual(document.parties);
  });

  it('refuses an unknown field, naming it and the party', () => {
    expect(refusal((d) => (hanoi(d).colour = 'red'))).toContain('/parties/0/colour (party 000.00.00.H26): is not a known field');
    expect(refusal((d) => (hanoiClient(d).secret = 'x'))).toContain('/parties/0/clients/0/secret (party 000.00.00.H26): is not a known field');
  });

  it('refuses a clientSecret shorter than 16 characters', () => {
    expect(refusal((d) => (hanoiClient(d).clientSecret = 'short-secret'))).toContain('/parties/0/clients/0/clientSecret (party 000.00.00.H26): must NOT have fewer than 16 characters');
  });

  it('refuses a jurisdiction that is not an agency-code pattern', () => {
    expect(refusal((d) => (hanoi(d).jurisdiction = ['*.H26', 'H26.*']))).toMatch(/\/parties\/0\/jurisdiction\/1 \(party 000\.00\.00\.H26\): must match pattern/);
  });

  it('refuses a party code declared twice', () => {
    expect(refusal((d) => d.parties.push({ ...hanoi(d), clients: [{ clientId: 'other-client', clientSecret: 'other-secret-0123456789' }] }))).toContain(
      '/parties/2 (party 000.00.00.H26)/code: duplicate party code',
    );
  });

  it('refuses a client id declared twice, even by two parties', () => {
    expect(refusal((d) => d.parties.push({ code: '000.00.00.G12', name: 'Ministry of Finance', kind: 'MINISTRY', jurisdiction: ['*.G12'], clients: [{ clientId: 'hanoi-onestop', clientSecret: 'mof-secret-0123456789' }] }))).toContain(
      '/parties/2 (party 000.00.00.G12)/clients/0/clientId: duplicate client id hanoi-onestop',
    );
  });

  it('refuses a PROVINCE party without jurisdiction or clients', () => {
    const message = refusal((d) => {
      delete hanoi(d).jurisdiction;
      hanoi(d).clients = [];
    });
    expect(message).toContain('/parties/0 (party 000.00.00.H26)/jurisdiction: required for a PROVINCE party');
    expect(message).toContain('/parties/0 (party 000.00.00.H26)/clients: a PROVINCE party needs at least one client');
  });

  it('refuses a client without any credential', () => {
    expect(refusal((d) => delete hanoiClient(d).clientSecret)).toContain('/parties/0 (party 000.00.00.H26)/clients/0: needs clientSecret, clientSecretHash, jwks or jwksUri');
  });

  it('refuses a notifyUrl without a webhookSecret', () => {
    expect(refusal((d) => delete hanoi(d).webhookSecret)).toContain('/parties/0 (party 000.00.00.H26)/webhookSecret: required with notifyUrl');
  });

  it('refuses a PAYMENT_PROVIDER party without provider', () => {
    expect(refusal((d) => delete d.parties[1]!.provider)).toContain('/parties/1 (party vnpay)/provider: required for a PAYMENT_PROVIDER party');
  });

  it('lists every problem of the file at once', () => {
    const message = refusal((d) => {
      hanoiClient(d).clientSecret = 'short';
      d.parties[1]!.kind = 'BANK';
    });
    expect(message).toContain('/parties/0/clients/0/clientSecret (party 000.00.00.H26)');
    expect(message).toContain('/parties/1/kind (party vnpay): must be equal to one of the allowed values');
  });

  it('accepts a clientSecretHash made by hashSecret and refuses one that could never verify', async () => {
    const hash = await hashSecret('hashed-secret-0123456789');
    const document = exampleDocument();
    hanoi(document).clients = [{ clientId: 'hanoi-onestop', clientSecretHash: hash }];
    expect(parsePartiesDocument(document, 'parties.json')).toEqual(document.parties);
    const impossible = hash.replace(/^scrypt\$16384\$/, 'scrypt$1000$');
    expect(refusal((d) => (hanoi(d).clients = [{ clientId: 'hanoi-onestop', clientSecretHash: impossible }]))).toContain(
      '/parties/0 (party 000.00.00.H26)/clients/0/clientSecretHash: scrypt N must be a power of two, got 1000',
    );
  });

  it('accepts a public JWK and refuses a private or unusable one', () => {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const withKey = (key: Record<string, unknown>) => (d: Document) => (hanoi(d).clients = [{ clientId: 'hanoi-jwt', jwks: { keys: [key] } }]);
    const document = exampleDocument();
    withKey({ ...publicKey.export({ format: 'jwk' }), kid: 'k1' })(document);
    expect(parsePartiesDocument(document, 'parties.json')).toEqual(document.parties);
    expect(refusal(withKey(privateKey.export({ format: 'jwk' })))).toContain('/parties/0 (party 000.00.00.H26)/clients/0/jwks/keys/0: is a private key');
    expect(refusal(withKey({ kty: 'EC', crv: 'P-256', x: 'AAAA', y: 'AAAA' }))).toContain('/parties/0 (party 000.00.00.H26)/clients/0/jwks/keys/0: is not a usable public key');
  });
});

describe('loadPartiesFile', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parties-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('loads a valid file', () => {
    const file = path.join(dir, 'parties.json');
    fs.writeFileSync(file, JSON.stringify(exampleDocument()));
    expect(loadPartiesFile(file).map((p) => p.code)).toEqual(['000.00.00.H26', 'vnpay']);
  });

  it('says that a missing file cannot be read', () => {
    const file = path.join(dir, 'missing.json');
    expect(() => loadPartiesFile(file)).toThrow(new RegExp(`^PARTIES_FILE ${file} cannot be read: ENOENT`));
  });

  it('says that a file is not valid JSON', () => {
    const file = path.join(dir, 'parties.json');
    fs.writeFileSync(file, '{"parties": [');
    expect(() => loadPartiesFile(file)).toThrow(new RegExp(`^PARTIES_FILE ${file} is not valid JSON`));
  });

  it('names the file and the field when the document is invalid', () => {
    const file = path.join(dir, 'parties.json');
    fs.writeFileSync(file, JSON.stringify({ parties: [] }));
    expect(() => loadPartiesFile(file)).toThrow(`PARTIES_FILE ${file} is invalid:\n  /parties: must NOT have fewer than 1 items`);
  });
});

describe('Jurisdiction', () => {
  it('lets *.H26 cover every agency code whose last level is H26', () => {
    const h26 = new Jurisdiction(['*.H26']);
    expect(h26.covers('000.00.00.H26')).toBe(true);
    expect(h26.covers('000.12.34.H26')).toBe(true);
    expect(h26.covers('000.00.00.H260')).toBe(false);
    expect(h26.covers('000.00.00.XH26')).toBe(false);
    expect(h26.covers('H26')).toBe(false);
    expect(h26.covers('000.00.00.G12')).toBe(false);
    expect(h26.coversEverything).toBe(false);
  });

  it('lets * cover everything', () => {
    const all = new Jurisdiction(['*']);
    expect(all.coversEverything).toBe(true);
    expect(all.covers('000.00.00.H26')).toBe(true);
    expect(all.covers('G12.20')).toBe(true);
  });

  it('lets an exact pattern cover only that code', () => {
    const one = new Jurisdiction(['000.00.00.H26']);
    expect(one.covers('000.00.00.H26')).toBe(true);
    expect(one.covers('000.00.01.H26')).toBe(false);
    expect(one.covers('1000.00.00.H26')).toBe(false);
  });

  it('covers the union of its patterns', () => {
    const two = new Jurisdiction(['*.H26', '000.00.00.G12']);
    expect(two.covers('000.12.34.H26')).toBe(true);
    expect(two.covers('000.00.00.G12')).toBe(true);
    expect(two.covers('000.00.01.G12')).toBe(false);
  });

  it('includes a pattern only when every code the pattern matches is covered', () => {
    const h26 = new Jurisdiction(['*.H26']);
    expect(h26.includesPattern('*.H26')).toBe(true);
    expect(h26.includesPattern('*.12.H26')).toBe(true);
    expect(h26.includesPattern('000.12.34.H26')).toBe(true);
    expect(h26.includesPattern('*.XH26')).toBe(false);
    expect(h26.includesPattern('*.G12')).toBe(false);
    expect(h26.includesPattern('*')).toBe(false);
    expect(new Jurisdiction(['000.00.00.H26']).includesPattern('*.H26')).toBe(false);
    expect(new Jurisdiction(['*']).includesPattern('*')).toBe(true);
  });

  it('turns its patterns into SQL filters, escaping LIKE wildcards', () => {
    expect(new Jurisdiction(['*.H26', '000.00.00.G12']).toSqlFilter()).toEqual({ exact: ['000.00.00.G12'], likeSuffixes: ['%.H26'] });
    expect(new Jurisdiction(['*.A_B%C\\']).toSqlFilter().likeSuffixes).toEqual(['%.A\\_B\\%C\\\\']);
  });
});

describe('demoParties', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'demo-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = () => path.join(dir, 'data', 'demo-credentials.json');

  it('writes demo-credentials.json on first start and gives the same secrets on the next', () => {
    const first = demoParties(path.join(dir, 'data'), 'http://127.0.0.1:3000');
    expect(first.created).toBe(true);
    expect(fs.statSync(file()).mode & 0o777).toBe(0o600);
    const stored = JSON.parse(fs.readFileSync(file(), 'utf8'));
    expect(stored).toEqual(first.credentials);
    expect(stored.tokenUrl).toBe('http://127.0.0.1:3000/oauth/token');
    const withClients = first.parties.filter((p) => p.clients);
    expect(withClients.map((p) => p.clients![0]!.clientId)).toEqual(['demo-hanoi', 'demo-mof', 'demo-portal']);
    for (const party of withClients) expect(party.clients![0]!.clientSecret!.length).toBeGreaterThanOrEqual(16);
    // The demo identity provider and the sandbox bank, for trying single sign-on and payments, exist only among the demo parties.
    expect(first.parties.filter((p) => !p.clients)).toEqual([
      expect.objectContaining({ kind: 'IDENTITY_PROVIDER', provider: 'demo' }),
      expect.objectContaining({ kind: 'PAYMENT_PROVIDER', provider: 'sandbox' }),
    ]);
    // Each demo party can sign payment notifications.
    for (const party of withClients) expect(party.webhookSecret).toMatch(/^whsec_/);

    const second = demoParties(path.join(dir, 'data'), 'http://127.0.0.1:3000');
    expect(second.created).toBe(false);
    expect(second.parties).toEqual(first.parties);
  });

  it('gives a demo party missing from the stored file a new secret and keeps the others', () => {
    const first = demoParties(path.join(dir, 'data'), 'http://127.0.0.1:3000');
    fs.writeFileSync(file(), JSON.stringify({ ...first.credentials, clients: first.credentials.clients.slice(0, 2) }));
    const second = demoParties(path.join(dir, 'data'), 'http://127.0.0.1:3000');
    expect(second.parties.slice(0, 2)).toEqual(first.parties.slice(0, 2));
    expect(second.parties[2]!.clients![0]!.clientSecret).toEqual(expect.any(String));
    expect(JSON.parse(fs.readFileSync(file(), 'utf8')).clients).toHaveLength(3);
  });

  it('says which file to delete when the stored credentials are not JSON', () => {
    fs.mkdirSync(path.join(dir, 'data'));
    fs.writeFileSync(file(), '{');
    expect(() => demoParties(path.join(dir, 'data'), 'http://127.0.0.1:3000')).toThrow(`${file()} is not valid JSON`);
  });
});

describe('loadConfig', () => {
  it('runs with no environment at all', () => {
    expect(loadConfig({})).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      publicUrl: 'http://127.0.0.1:3000',
      databaseUrl: undefined,
      dataDir: path.resolve('data'),
      partiesFile: undefined,
      kafkaBrokers: [],
      kafkaTopicDossiers: 'dossier-events',
      kafkaTopicPayments: 'payment-events',
      webhookAllowPrivateNetworks: false,
      logLevel: 'info',
      accessTokenTtlSeconds: 3600,
    });
  });

  it('derives PUBLIC_URL from HOST and PORT unless given, without a trailing slash', () => {
    expect(loadConfig({ HOST: '0.0.0.0', PORT: '8080' }).publicUrl).toBe('http://0.0.0.0:8080');
    expect(loadConfig({ HOST: '::1' }).publicUrl).toBe('http://[::1]:3000');
    expect(loadConfig({ PUBLIC_URL: 'https://hub.example.gov.vn/' }).publicUrl).toBe('https://hub.example.gov.vn');
  });

  it('reads KAFKA_BROKERS as a comma-separated list', () => {
    expect(loadConfig({ KAFKA_BROKERS: 'kafka-1:9092, kafka-2:9093' }).kafkaBrokers).toEqual(['kafka-1:9092', 'kafka-2:9093']);
  });

  it.each([
    ['PORT', 'http', /^PORT must be a whole number, got "http"$/],
    ['PORT', '70000', /^PORT must be between 0 and 65535, got 70000$/],
    ['LOG_LEVEL', 'verbose', /^LOG_LEVEL must be one of .*, got "verbose"$/],
    ['DATABASE_URL', 'mysql://root@localhost/hub', /^DATABASE_URL must be a postgres:\/\/ or postgresql:\/\/ connection string$/],
    ['KAFKA_BROKERS', 'kafka-1', /^KAFKA_BROKERS entries must be host:port, got "kafka-1"$/],
    ['PUBLIC_URL', 'hub.example.gov.vn', /^PUBLIC_URL must be an absolute http\(s\) URL/],
    ['WEBHOOK_ALLOW_PRIVATE_NETWORKS', 'yes', /^WEBHOOK_ALLOW_PRIVATE_NETWORKS must be "true" or "false"/],
  ])('refuses %s=%s, naming the variable', (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(message);
  });
});
