import twilio from 'twilio';
import type { Twilio } from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient.js';
import type * as TwilioResponse from 'twilio/lib/http/response.js';

type Response<T> = TwilioResponse.default<T>;

/**
 * Twilio answered 429 or 5xx. The SDK's own error (RestException) drops the response headers, and
 * with them Retry-After; this error keeps them.
 */
export class TwilioHttpError extends Error {
  constructor(
    readonly status: number,
    readonly headers: Record<string, unknown>,
    readonly body: unknown,
  ) {
    const parsed = typeof body === 'string' ? safeJson(body) : body;
    const message = (parsed as { message?: unknown } | null)?.message;
    super(typeof message === 'string' ? message : `HTTP ${status}`);
  }

  get code(): string | null {
    const parsed = typeof this.body === 'string' ? safeJson(this.body) : this.body;
    const code = (parsed as { code?: unknown } | null)?.code;
    return code === undefined || code === null ? null : String(code);
  }
}

/**
 * The SDK's HTTP client, with two changes: a response Twilio asks us to retry (429, 5xx) is thrown
 * with its headers, and with `baseUrl` every Twilio host (api.twilio.com, messaging.twilio.com…)
 * is reached as `<baseUrl>/<host>/<path>`, which is how tests point the real SDK at a local server
 * (its `edge`/`region` options can only change the Twilio host name).
 */
export class TwilioHttpClient extends twilio.RequestClient {
  constructor(
    private readonly baseUrl: string | null,
    options: ConstructorParameters<typeof twilio.RequestClient>[0] = {},
  ) {
    // Retries are the caller's (a delayed job honouring Retry-After), not the SDK's.
    super({ ...options, autoRetry: false });
  }

  override async request<TData>(options: RequestClient.RequestOptions<TData>): Promise<Response<TData>> {
    let uri = options.uri;
    if (this.baseUrl) {
      const target = new URL(options.uri);
      uri = `${this.baseUrl.replace(/\/+$/, '')}/${target.hostname}${target.pathname}${target.search}`;
    }
    const response = await super.request({ ...options, uri });
    if (response.statusCode === 429 || response.statusCode >= 500) {
      throw new TwilioHttpError(response.statusCode, response.headers as Record<string, unknown>, response.body);
    }
    return response;
  }
}

export interface TwilioClientOptions {
  readonly accountSid: string;
  readonly authToken: string;
  /** Another API root (a local server in tests). Unset in production. */
  readonly baseUrl?: string | null;
  readonly timeoutMs?: number;
}

export function createTwilioClient(options: TwilioClientOptions): Twilio {
  return twilio(options.accountSid, options.authToken, {
    httpClient: new TwilioHttpClient(options.baseUrl ?? null, { timeout: options.timeoutMs ?? 10_000, keepAlive: true }),
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
