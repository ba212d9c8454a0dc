import { randomBytes } from 'node:crypto';
import twilio from 'twilio';
import type { WebhookRequest } from '@relance/channels';
import { FakeHttpServer, FakeProvider, form, type FakeResponse, type RecordedRequest } from './fake-http-server.js';

/** A message as Twilio's API received it (form fields as sent) and as it would answer about it. */
export interface FakeTwilioMessage {
  readonly sid: string;
  readonly params: Record<string, string>;
  /** Fields of the Message resource, changeable for later fetches (`from`, `status`, `price`…). */
  resource: Record<string, unknown>;
}

const E164 = /^\+[1-9]\d{6,14}$/;

/**
 * Twilio's Messages API, reached by the real SDK as `<url>/api.twilio.com/2010-04-01/…` (see
 * TwilioHttpClient). Checks Basic authentication with the account SID and auth token, the number
 * (21211), a body or content (21602), a sender (21603), FallbackFrom only with a Messaging Service
 * (21666); numbers in `unsubscribed` are refused with 21610 as after a STOP.
 */
export class FakeTwilio extends FakeProvider {
  readonly messages: FakeTwilioMessage[] = [];
  readonly unsubscribed = new Set<string>();

  private constructor(
    server: FakeHttpServer,
    readonly accountSid: string,
    readonly authToken: string,
  ) {
    super(server);
  }

  static async start(accountSid = `AC${'1'.repeat(32)}`, authToken = 'twilio-test-token'): Promise<FakeTwilio> {
    let fake: FakeTwilio | null = null;
    const server = await FakeHttpServer.start((request) => (fake as FakeTwilio).handle(request));
    fake = new FakeTwilio(server, accountSid, authToken);
    return fake;
  }

  message(sid: string): FakeTwilioMessage | undefined {
    return this.messages.find((m) => m.sid === sid);
  }

  private handle(request: RecordedRequest): FakeResponse {
    const base = `/api.twilio.com/2010-04-01/Accounts/${this.accountSid}/Messages`;
    const expected = `Basic ${Buffer.from(`${this.accountSid}:${this.authToken}`).toString('base64')}`;
    if (request.headers.authorization !== expected) return error(401, 20003, 'Authenticate');
    if (request.method === 'POST' && request.url === `${base}.json`) return this.create(Object.fromEntries(form(request)));
    const fetched = new RegExp(`^${base}/(SM[0-9a-f]{32})\\.json$`).exec(request.url);
    if (request.method === 'GET' && fetched?.[1]) {
      const message = this.message(fetched[1]);
      return message ? { status: 200, body: message.resource } : error(404, 20404, 'The requested resource was not found');
    }
    return error(404, 20404, `no route ${request.method} ${request.url}`);
  }

  private create(params: Record<string, string>): FakeResponse {
    const to = params.To ?? '';
    if (!E164.test(to)) return error(400, 21211, `The 'To' number ${to} is not a valid phone number.`);
    if (!params.Body && !params.ContentSid) return error(400, 21602, 'Message body is required.');
    if (!params.From && !params.MessagingServiceSid) return error(400, 21603, "A 'From' or 'MessagingServiceSid' parameter is required to send a message.");
    if (params.FallbackFrom && !params.MessagingServiceSid) return error(400, 21666, "'FallbackFrom' requires MessagingServiceSid");
    if (this.unsubscribed.has(to)) return error(400, 21610, 'Attempt to send to unsubscribed recipient');
    const sid = `SM${randomBytes(16).toString('hex')}`;
    const resource = {
      sid,
      account_sid: this.accountSid,
      to,
      from: params.From ?? null,
      messaging_service_sid: params.MessagingServiceSid ?? null,
      body: params.Body ?? '',
      status: params.MessagingServiceSid ? 'accepted' : 'queued',
      num_segments: '0',
      price: null,
      price_unit: 'USD',
      error_code: null,
      direction: 'outbound-api',
      api_version: '2010-04-01',
      date_created: new Date().toUTCString(),
      uri: `/2010-04-01/Accounts/${this.accountSid}/Messages/${sid}.json`,
    };
    if (this.server.record) this.messages.push({ sid, params, resource: { ...resource } });
    return { status: 201, body: resource };
  }
}

function error(status: number, code: number, message: string): FakeResponse {
  return { status, body: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status } };
}

/** A callback POST signed as Twilio signs it, with the twilio package's own signing. */
export function signedTwilioRequest(authToken: string, url: string, params: Record<string, string>): WebhookRequest {
  return {
    url,
    rawBody: new URLSearchParams(params).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilio.getExpectedTwilioSignature(authToken, url, params) },
  };
}
