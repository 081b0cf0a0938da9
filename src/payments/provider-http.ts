import { Agent, request } from 'undici';
import { type ProviderHttp, type ProviderHttpResponse, ProviderUnavailableError } from '../../adapters/payment/connector';

/**
 * The one HTTP client every payment connector calls its provider with: keep-alive
 * connections, one timeout for the whole exchange, and any failure to get an answer turned
 * into ProviderUnavailableError (the hub then answers 502 and keeps the attempt to query
 * later). Redirects are not followed. Answers are read up to a bound: a provider API never
 * sends megabytes.
 */
const MAX_ANSWER_BYTES = 1024 * 1024;
const USER_AGENT = 'LienThong-Payments/1';

export class UndiciProviderHttp implements ProviderHttp {
  private readonly agent: Agent;

  constructor(private readonly timeoutMs: number) {
    this.agent = new Agent({ connect: { timeout: timeoutMs }, keepAliveTimeout: 30_000, maxResponseSize: MAX_ANSWER_BYTES });
  }

  async request(options: { method: 'GET' | 'POST'; url: string; headers?: Record<string, string>; body?: string }): Promise<ProviderHttpResponse> {
    const host = safeHost(options.url);
    const timeout = AbortSignal.timeout(this.timeoutMs);
    try {
      const response = await request(options.url, {
        dispatcher: this.agent,
        method: options.method,
        headers: { 'user-agent': USER_AGENT, ...options.headers },
        body: options.body,
        signal: timeout,
      });
      const body = await response.body.text();
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(response.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
      return { status: response.statusCode, headers, body };
    } catch (error) {
      const reason = timeout.aborted ? `no answer within ${this.timeoutMs} ms` : (error as Error).message;
      throw new ProviderUnavailableError(`${options.method} ${host}: ${reason}`, { cause: error });
    }
  }

  close(): Promise<void> {
    return this.agent.destroy();
  }
}

/** Scheme, host and path only: provider URLs may carry signed queries, which are not logged. */
function safeHost(url: string): string {
  try {
    const { protocol, host, pathname } = new URL(url);
    return `${protocol}//${host}${pathname}`;
  } catch {
    return '(invalid URL)';
  }
}
