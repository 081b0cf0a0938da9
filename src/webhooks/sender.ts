import { Agent, request } from 'undici';
import { NonPublicAddressError, deliveryConnector } from './endpoint-guard';

/**
 * Sends one webhook request. One keep-alive agent serves every endpoint, so a busy
 * endpoint is reached over warm connections; the per-endpoint limit on requests in flight
 * is the delivery worker's. Redirects are not followed (a 3xx is a failed attempt).
 */
export interface SendResult {
  /** HTTP status, or null when no answer came (timeout, connection error). */
  responseStatus: number | null;
  /** Why the attempt failed, or null when it succeeded. */
  error: string | null;
  retryAfter: string | undefined;
  durationMs: number;
  /** The hub stopped before an answer came: the attempt does not count. */
  abandoned: boolean;
}

/** How much of an answer's body is read (and thrown away) so the connection can be reused. */
const MAX_DRAINED_BODY = 64 * 1024;
const USER_AGENT = 'LienThong-Webhooks/1';

export class WebhookSender {
  private readonly agent: Agent;

  constructor(private readonly options: { allowPrivateNetworks: boolean; timeoutMs: number }) {
    this.agent = new Agent({
      connect: deliveryConnector({ allowPrivateNetworks: options.allowPrivateNetworks, connectTimeoutMs: options.timeoutMs }),
      keepAliveTimeout: 30_000,
    });
  }

  async send(url: string, headers: Record<string, string>, body: string, stop: AbortSignal): Promise<SendResult> {
    const started = performance.now();
    const timeout = AbortSignal.timeout(this.options.timeoutMs);
    const elapsed = () => Math.round(performance.now() - started);
    try {
      const response = await request(url, {
        dispatcher: this.agent,
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json', 'user-agent': USER_AGENT },
        body,
        signal: AbortSignal.any([timeout, stop]),
      });
      await response.body.dump({ limit: MAX_DRAINED_BODY }).catch(() => undefined);
      const status = response.statusCode;
      const ok = status >= 200 && status < 300;
      const retryAfter = response.headers['retry-after'];
      return {
        responseStatus: status,
        error: ok ? null : `the endpoint answered HTTP ${status}`,
        retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
        durationMs: elapsed(),
        abandoned: false,
      };
    } catch (error) {
      if (stop.aborted) return { responseStatus: null, error: 'the hub stopped', retryAfter: undefined, durationMs: elapsed(), abandoned: true };
      return { responseStatus: null, error: describeFailure(error, timeout.aborted, this.options.timeoutMs), retryAfter: undefined, durationMs: elapsed(), abandoned: false };
    }
  }

  close(): Promise<void> {
    return this.agent.destroy();
  }
}

function describeFailure(error: unknown, timedOut: boolean, timeoutMs: number): string {
  if (timedOut) return `no answer within ${timeoutMs} ms`;
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  if (cause instanceof NonPublicAddressError) return `refused: ${cause.message} (WEBHOOK_ALLOW_PRIVATE_NETWORKS is off)`;
  const code = (cause as NodeJS.ErrnoException).code;
  const message = cause instanceof Error ? cause.message : String(cause);
  return (code && !message.includes(code) ? `${code}: ${message}` : message).slice(0, 500);
}
