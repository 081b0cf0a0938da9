import path from 'node:path';

/**
 * The hub's configuration: every environment variable the hub reads, parsed and
 * validated once at boot, then frozen. The README's table documents each one.
 */
export interface Config {
  readonly port: number;
  readonly host: string;
  readonly publicUrl: string;
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
  readonly partiesFile: string | undefined;
  readonly kafkaBrokers: readonly string[];
  readonly kafkaTopicDossiers: string;
  readonly kafkaTopicPayments: string;
  readonly kafkaClientId: string;
  /** Whether this hub process runs the Kafka relay (else `npm run relay` does). */
  readonly relayInProcess: boolean;
  readonly webhookAllowPrivateNetworks: boolean;
  /** How long a payment provider's API may take to answer (create, query, refund). */
  readonly paymentProviderTimeoutMs: number;
  readonly logLevel: string;
  /** Requests a party may make per rate-limit window (overridable per party). */
  readonly rateLimitMax: number;
  readonly rateLimitWindowMs: number;
  /** Largest accepted request body, in bytes; batch endpoints allow more (see routes). */
  readonly bodyLimit: number;
  readonly accessTokenTtlSeconds: number;
  readonly databasePoolSize: number;
  /** Proxies whose X-Forwarded-For is believed (addresses/CIDRs), or none. */
  readonly trustProxy: string | false;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Readonly<Record<string, string | undefined>>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw new ConfigError(`${name} must be "true" or "false", got "${raw}"`);
}

function text(env: Env, name: string, fallback: string): string {
  const raw = env[name];
  return raw === undefined || raw === '' ? fallback : raw;
}

function optional(env: Env, name: string): string | undefined {
  const raw = env[name];
  return raw === undefined || raw === '' ? undefined : raw;
}

/** TRUST_PROXY: unset → trust no proxy (the client IP is the socket's); else the proxies' addresses/CIDRs. */
function trustProxy(env: Env): string | false {
  const raw = optional(env, 'TRUST_PROXY');
  if (raw === undefined) return false;
  if (!/^[0-9A-Fa-f.:/, ]+$/.test(raw)) throw new ConfigError(`TRUST_PROXY must be comma-separated proxy addresses or CIDRs, got "${raw}"`);
  return raw;
}

export function loadConfig(env: Env = process.env): Config {
  const port = integer(env, 'PORT', 3000, 0, 65535);
  const host = text(env, 'HOST', '127.0.0.1');
  const publicUrl = text(env, 'PUBLIC_URL', `http://${host.includes(':') ? `[${host}]` : host}:${port}`).replace(/\/+$/, '');
  try {
    const url = new URL(publicUrl);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http(s)');
    if (url.search || url.hash) throw new Error('has a query or fragment');
  } catch {
    throw new ConfigError(`PUBLIC_URL must be an absolute http(s) URL without query or fragment, got "${publicUrl}"`);
  }
  const databaseUrl = optional(env, 'DATABASE_URL');
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL must be a postgres:// or postgresql:// connection string');
  }
  const logLevel = text(env, 'LOG_LEVEL', 'info');
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  const kafkaBrokers = (optional(env, 'KAFKA_BROKERS') ?? '').split(',').map((b) => b.trim()).filter(Boolean);
  for (const broker of kafkaBrokers) {
    if (!/^[^\s:]+:\d{1,5}$/.test(broker) || Number(broker.split(':')[1]) > 65535) throw new ConfigError(`KAFKA_BROKERS entries must be host:port, got "${broker}"`);
  }

  return Object.freeze({
    port,
    host,
    publicUrl,
    databaseUrl,
    dataDir: path.resolve(text(env, 'DATA_DIR', './data')),
    partiesFile: optional(env, 'PARTIES_FILE'),
    kafkaBrokers: Object.freeze(kafkaBrokers),
    kafkaTopicDossiers: text(env, 'KAFKA_TOPIC_DOSSIERS', 'dossier-events'),
    kafkaTopicPayments: text(env, 'KAFKA_TOPIC_PAYMENTS', 'payment-events'),
    kafkaClientId: text(env, 'KAFKA_CLIENT_ID', 'lien-thong-hub'),
    relayInProcess: boolean(env, 'RELAY_IN_PROCESS', true),
    webhookAllowPrivateNetworks: boolean(env, 'WEBHOOK_ALLOW_PRIVATE_NETWORKS', false),
    paymentProviderTimeoutMs: integer(env, 'PAYMENT_PROVIDER_TIMEOUT_MS', 10_000, 100, 120_000),
    logLevel,
    rateLimitMax: integer(env, 'RATE_LIMIT_MAX', 6000, 1, 10_000_000),
    rateLimitWindowMs: integer(env, 'RATE_LIMIT_WINDOW_MS', 60_000, 1000, 3_600_000),
    bodyLimit: integer(env, 'BODY_LIMIT_BYTES', 256 * 1024, 1024, 64 * 1024 * 1024),
    accessTokenTtlSeconds: integer(env, 'ACCESS_TOKEN_TTL_SECONDS', 3600, 60, 3600),
    databasePoolSize: integer(env, 'DATABASE_POOL_SIZE', 10, 2, 200),
    trustProxy: trustProxy(env),
  });
}
