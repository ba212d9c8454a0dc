import { createHmac } from 'node:crypto';

export const MERCI_FACTEUR_BASE_URL = 'https://www.merci-facteur.com/api/1.2/prod/service';

export interface MerciFacteurCredentials {
  /** The API's base URL; another one (a local server in tests) only by configuration. */
  readonly baseUrl?: string;
  readonly serviceId: string;
  readonly secretKey: string;
  /** The Merci Facteur user the letters are sent as (menu "Utilisateurs"). */
  readonly userId: number;
  /** IPs allowed to use the token, ";"-separated; "111.111.111" when the account's IP restriction is lifted. */
  readonly authorizedIp?: string;
  readonly timeoutMs?: number;
}

export interface MerciFacteurResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Record<string, unknown> | null;
}

/**
 * The two calls a letter needs: an access token (HMAC-SHA256 of service id + Unix seconds, keyed
 * with the secret key, lowercase hex; valid 24 h, kept until a minute before it expires), then
 * `sendCourrier`. Network errors are thrown as they are; HTTP answers come back whatever their
 * status, for the adapter to classify.
 */
export class MerciFacteurApi {
  private token: { value: string; expiresAt: number } | null = null;
  readonly baseUrl: string;

  constructor(
    private readonly credentials: MerciFacteurCredentials,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.baseUrl = (credentials.baseUrl ?? MERCI_FACTEUR_BASE_URL).replace(/\/+$/, '');
  }

  get userId(): number {
    return this.credentials.userId;
  }

  async accessToken(): Promise<{ ok: true; token: string } | { ok: false; response: MerciFacteurResponse }> {
    const nowSeconds = Math.floor(this.now().getTime() / 1000);
    if (this.token && this.token.expiresAt > nowSeconds + 60) return { ok: true, token: this.token.value };
    const { serviceId, secretKey } = this.credentials;
    const response = await this.request('GET', '/getToken', {
      'ww-service-signature': createHmac('sha256', secretKey).update(`${serviceId}${nowSeconds}`).digest('hex'),
      'ww-timestamp': String(nowSeconds),
      'ww-service-id': serviceId,
      'ww-authorized-ip': this.credentials.authorizedIp ?? '111.111.111',
    });
    const token = response.body?.token;
    if (response.status !== 200 || response.body?.success !== true || typeof token !== 'string') return { ok: false, response };
    const expire = Number(response.body.expire);
    this.token = { value: token, expiresAt: Number.isFinite(expire) ? expire : nowSeconds + 86_400 };
    return { ok: true, token };
  }

  /** Forget the token, after the API said it is no longer valid. */
  dropToken(): void {
    this.token = null;
  }

  async sendCourrier(token: string, form: Record<string, string>): Promise<MerciFacteurResponse> {
    return this.request(
      'POST',
      '/sendCourrier',
      { 'ww-access-token': token, 'ww-service-id': this.credentials.serviceId, 'content-type': 'application/x-www-form-urlencoded' },
      new URLSearchParams(form).toString(),
    );
  }

  private async request(method: string, route: string, headers: Record<string, string>, body?: string): Promise<MerciFacteurResponse> {
    const response = await fetch(`${this.baseUrl}${route}`, {
      method,
      headers,
      body: body ?? null,
      signal: AbortSignal.timeout(this.credentials.timeoutMs ?? 30_000),
    });
    const text = await response.text();
    let parsed: unknown = null;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = null;
    }
    return {
      status: response.status,
      headers: Object.fromEntries(response.headers.entries()),
      body: parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null,
    };
  }
}
