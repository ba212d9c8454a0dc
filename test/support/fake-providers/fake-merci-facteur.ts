import { createHmac, randomBytes } from 'node:crypto';
import { PDFDocument } from 'pdf-lib';
import type { WebhookRequest } from '@relance/channels';
import { FakeHttpServer, FakeProvider, form, type FakeResponse, type RecordedRequest } from './fake-http-server.js';

export interface FakeLetter {
  readonly envoiId: number;
  readonly form: Record<string, string>;
  readonly adress: { exp: Record<string, unknown>; dest: Record<string, unknown>[] };
  readonly pdf: Buffer;
  readonly pages: number;
}

const ADDRESS_KEYS = ['civilite', 'nom', 'prenom', 'societe', 'adresse1', 'adresse2', 'adresse3', 'cp', 'ville', 'pays'];

/**
 * Merci Facteur's `getToken` and `sendCourrier` under `<url>/api/1.2/prod/service`, with its rules:
 * the HMAC-SHA256 signature of service id + timestamp (5 minutes), the access token on every call,
 * `adress` and `content` as JSON strings, every address key present, PDF files in base64 (never
 * `[]`), and `antidoublon` refused a second time.
 */
export class FakeMerciFacteur extends FakeProvider {
  readonly letters: FakeLetter[] = [];
  readonly tokensIssued: string[] = [];
  private readonly antidoublons = new Set<string>();
  private nextEnvoi = 1000;

  private constructor(
    server: FakeHttpServer,
    readonly serviceId: string,
    readonly secretKey: string,
  ) {
    super(server);
  }

  static async start(serviceId = 'svc-test', secretKey = 'mf-secret-key'): Promise<FakeMerciFacteur> {
    let fake: FakeMerciFacteur | null = null;
    const server = await FakeHttpServer.start((request) => (fake as FakeMerciFacteur).handle(request));
    fake = new FakeMerciFacteur(server, serviceId, secretKey);
    return fake;
  }

  get baseUrl(): string {
    return `${this.server.url}/api/1.2/prod/service`;
  }

  private async handle(request: RecordedRequest): Promise<FakeResponse> {
    const route = request.url.replace(/^\/api\/1\.2\/prod\/service/, '');
    if (request.method === 'GET' && route === '/getToken') return this.token(request);
    if (request.method === 'POST' && route === '/sendCourrier') return this.send(request);
    return { status: 404, body: { success: false, error: 'NOT_FOUND' } };
  }

  private token(request: RecordedRequest): FakeResponse {
    const ts = String(request.headers['ww-timestamp'] ?? '');
    const expected = createHmac('sha256', this.secretKey).update(`${this.serviceId}${ts}`).digest('hex');
    if (request.headers['ww-service-id'] !== this.serviceId || request.headers['ww-service-signature'] !== expected) {
      return { status: 401, body: { success: false, error: 'INVALID_SIGNATURE' } };
    }
    if (Math.abs(Date.now() / 1000 - Number(ts)) > 300 || !request.headers['ww-authorized-ip']) {
      return { status: 401, body: { success: false, error: 'INVALID_TIMESTAMP_OR_IP' } };
    }
    const token = randomBytes(12).toString('hex');
    this.tokensIssued.push(token);
    return { status: 200, body: { success: true, token, expire: Math.floor(Date.now() / 1000) + 86_400 } };
  }

  private async send(request: RecordedRequest): Promise<FakeResponse> {
    if (!this.tokensIssued.includes(String(request.headers['ww-access-token'])) || request.headers['ww-service-id'] !== this.serviceId) {
      return { status: 401, body: { success: false, error: 'INVALID_TOKEN' } };
    }
    const fields = Object.fromEntries(form(request));
    let adress: FakeLetter['adress'];
    let content: { letter?: { files?: unknown; base64files?: unknown; print_sides?: unknown } };
    try {
      adress = JSON.parse(fields.adress ?? '') as FakeLetter['adress'];
      content = JSON.parse(fields.content ?? '') as typeof content;
    } catch {
      return { status: 400, body: { success: false, error: 'INVALID_JSON' } };
    }
    const addresses = [adress.exp, ...(adress.dest ?? [])];
    if (!Array.isArray(adress.dest) || adress.dest.length === 0 || addresses.some((a) => !a || ADDRESS_KEYS.some((k) => typeof a[k] !== 'string'))) {
      return { status: 400, body: { success: false, error: 'INFO_ADDRESS_MISSING' } };
    }
    const files = content.letter?.base64files;
    if (!Array.isArray(files) || files.length === 0 || Array.isArray(content.letter?.files)) {
      return { status: 400, body: { success: false, error: 'LETTER_INVALID_BASE64_FILES' } };
    }
    const pdf = Buffer.from(String(files[0]), 'base64');
    if (pdf.subarray(0, 5).toString() !== '%PDF-') return { status: 400, body: { success: false, error: 'LETTER_INVALID_BASE64_FILES' } };
    const antidoublon = fields.antidoublon;
    if (antidoublon && this.antidoublons.has(antidoublon)) {
      return { status: 200, body: { success: false, error: { code: 'ANTIDOUBLON', message: 'Un envoi avec cet antidoublon a déjà été effectué' } } };
    }
    if (antidoublon) this.antidoublons.add(antidoublon);
    const pages = (await PDFDocument.load(pdf)).getPageCount();
    const envoiId = this.nextEnvoi++;
    this.letters.push({ envoiId, form: fields, adress, pdf, pages });
    return { status: 200, body: { success: true, envoi_id: envoiId, price: { total: { ht: 1.52 + 0.35 * pages, ttc: (1.52 + 0.35 * pages) * 1.2 } }, resume: { nb_dest: 1, nb_page: pages } } };
  }
}

/** A webhook POST as Merci Facteur sends it: a form of two JSON strings, and its secret in a header. */
export function merciFacteurWebhook(secret: string, url: string, event: Record<string, unknown>, detail: Record<string, unknown>[]): WebhookRequest {
  return {
    url,
    rawBody: new URLSearchParams({ event: JSON.stringify(event), detail: JSON.stringify(detail) }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-mf-webhook-secret-key': secret },
  };
}
