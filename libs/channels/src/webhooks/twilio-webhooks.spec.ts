import { describe, expect, it } from '@jest/globals';
import twilio from 'twilio';
import { signedTwilioRequest } from '@relance/testing/fake-providers/fake-twilio.js';
import { defaultPrices } from '../costs.js';
import { verifyTwilioInbound, verifyTwilioSignature, verifyTwilioStatusCallback } from './twilio-webhooks.js';

const NOW = new Date('2026-12-03T09:00:00Z');
const TOKEN = 'twilio-auth-token';
const prices = defaultPrices('EUR');

describe("Twilio's request signature", () => {
  // The example of Twilio's documentation on securing webhooks, used by the request validators of
  // its helper libraries: auth token 12345, this URL and these parameters sign as below.
  const url = 'https://mycompany.com/myapp.php?foo=1&bar=2';
  const params = { CallSid: 'CA1234567890ABCDE', Caller: '+14158675309', Digits: '1234', From: '+14158675309', To: '+18005551212' };
  const documented = 'RSOYDt4T1cUTdK1PDd93/VVr8B8=';

  it("gives Twilio's published signature for its published example", () => {
    expect(twilio.getExpectedTwilioSignature('12345', url, params)).toBe(documented);
    const request = { url, rawBody: new URLSearchParams(params).toString(), headers: { 'X-Twilio-Signature': documented } };
    expect(verifyTwilioSignature('12345', request)).toMatchObject({ ok: true, params });
  });

  it('refuses the example with one parameter changed, the URL changed, another token, or no header', () => {
    const body = (p: Record<string, string>) => new URLSearchParams(p).toString();
    const headers = { 'x-twilio-signature': documented };
    expect(verifyTwilioSignature('12345', { url, headers, rawBody: body({ ...params, Digits: '9999' }) })).toEqual({ ok: false, reason: 'signature does not match' });
    expect(verifyTwilioSignature('12345', { url: url.replace('bar=2', 'bar=3'), headers, rawBody: body(params) })).toMatchObject({ ok: false });
    expect(verifyTwilioSignature('54321', { url, headers, rawBody: body(params) })).toMatchObject({ ok: false });
    expect(verifyTwilioSignature('12345', { url, headers: {}, rawBody: body(params) })).toEqual({ ok: false, reason: 'missing X-Twilio-Signature header' });
  });
});

describe('a status callback', () => {
  const url = 'https://engine.example/webhooks/twilio/status?merchant=cave-demo&message=msg-1&channel=sms&segments=2';
  const callback = (status: string, extra: Record<string, string> = {}) =>
    signedTwilioRequest(TOKEN, url, { MessageSid: 'SM0123', SmsSid: 'SM0123', MessageStatus: status, SmsStatus: status, From: 'CAVEHALLES', To: '+33612345678', ...extra });

  it('maps the statuses: sent is progress, delivered a delivery at the price of its segments, undelivered a failure', () => {
    expect(verifyTwilioStatusCallback(TOKEN, callback('sent'), prices, NOW)).toMatchObject({ accepted: true, events: [{ kind: 'progress', status: 'sent', messageId: 'msg-1' }] });
    expect(verifyTwilioStatusCallback(TOKEN, callback('delivered'), prices, NOW)).toMatchObject({
      accepted: true,
      events: [{ kind: 'delivered', deliveredVia: 'sms', units: 2, cost: { amountMinor: 14, currency: 'EUR' }, merchantId: 'cave-demo', providerEventId: 'SM0123:delivered' }],
    });
    expect(verifyTwilioStatusCallback(TOKEN, callback('undelivered', { ErrorCode: '30006' }), prices, NOW)).toMatchObject({
      accepted: true,
      events: [{ kind: 'failed', permanent: true, code: '30006', withdraws: [] }],
    });
    expect(verifyTwilioStatusCallback(TOKEN, callback('failed', { ErrorCode: '30003' }), prices, NOW)).toMatchObject({ events: [{ kind: 'failed', permanent: false }] });
  });

  it('a failure because the recipient sent STOP withdraws SMS and RCS consent', () => {
    expect(verifyTwilioStatusCallback(TOKEN, callback('failed', { ErrorCode: '21610' }), prices, NOW)).toMatchObject({ events: [{ kind: 'failed', withdraws: ['sms', 'rcs'] }] });
  });

  it('is refused when forged, and answered 400 when signed but incomplete', () => {
    const forged = { ...callback('delivered'), headers: { 'x-twilio-signature': twilio.getExpectedTwilioSignature('other-token', url, { MessageSid: 'SM0123' }) } };
    expect(verifyTwilioStatusCallback(TOKEN, forged, prices, NOW)).toMatchObject({ accepted: false, httpStatus: 401 });
    expect(verifyTwilioStatusCallback(TOKEN, signedTwilioRequest(TOKEN, url, { MessageSid: 'SM0123' }), prices, NOW)).toMatchObject({ accepted: false, httpStatus: 400 });
  });

  it('the same callback twice carries the same event id', () => {
    const a = verifyTwilioStatusCallback(TOKEN, callback('delivered'), prices, NOW);
    const b = verifyTwilioStatusCallback(TOKEN, callback('delivered'), prices, new Date(NOW.getTime() + 5_000));
    if (!a.accepted || !b.accepted) throw new Error('refused');
    expect(b.events[0]?.providerEventId).toBe(a.events[0]?.providerEventId);
  });
});

describe('an inbound message', () => {
  const url = 'https://engine.example/webhooks/twilio/inbound?merchant=cave-demo';
  const inbound = (body: string, extra: Record<string, string> = {}) =>
    signedTwilioRequest(TOKEN, url, { MessageSid: `SM${body.length}`, From: '+33612345678', To: '+33700000000', Body: body, ...extra });

  it.each(['STOP', 'stop', ' Stop ! ', 'ARRET', 'Arrêt', 'arrêt.', 'STOP SMS', 'stop sms', 'DESABONNER', 'Désabonner', 'DESINSCRIRE', 'désinscrire', 'Désinscrire-moi', 'STOP 36111', 'Stop pub merci', 'UNSUBSCRIBE'])(
    '"%s" is an opt-out of SMS and RCS',
    (body) => {
      expect(verifyTwilioInbound(TOKEN, inbound(body), NOW)).toMatchObject({
        accepted: true,
        events: [{ kind: 'inbound', keyword: 'stop', withdraws: ['sms', 'rcs'], from: '+33612345678', to: '+33700000000', merchantId: 'cave-demo', channel: 'sms' }],
      });
    },
  );

  it.each(['Stop, je passe samedi', 'Merci pour le bon', 'je ne veux pas arrêter', ''])('"%s" is an ordinary message', (body) => {
    expect(verifyTwilioInbound(TOKEN, inbound(body), NOW)).toMatchObject({ accepted: true, events: [{ kind: 'inbound', keyword: null, withdraws: [] }] });
  });

  it("trusts Twilio's own opt-out detection, and sees a START or HELP", () => {
    expect(verifyTwilioInbound(TOKEN, inbound('Quitter la liste', { OptOutType: 'STOP' }), NOW)).toMatchObject({ events: [{ keyword: 'stop' }] });
    expect(verifyTwilioInbound(TOKEN, inbound('START'), NOW)).toMatchObject({ events: [{ keyword: 'start', withdraws: [] }] });
    expect(verifyTwilioInbound(TOKEN, inbound('aide'), NOW)).toMatchObject({ events: [{ keyword: 'help' }] });
  });

  it('a STOP answered to the RCS sender is on the RCS channel', () => {
    expect(verifyTwilioInbound(TOKEN, inbound('STOP', { From: 'rcs:+33612345678', To: 'rcs:cave_agent' }), NOW)).toMatchObject({
      events: [{ channel: 'rcs', from: '+33612345678', keyword: 'stop', withdraws: ['sms', 'rcs'] }],
    });
  });

  it('a forged STOP is refused', () => {
    const request = inbound('STOP');
    expect(verifyTwilioInbound(TOKEN, { ...request, rawBody: String(request.rawBody).replace('%2B33612345678', '%2B33611111111') }, NOW)).toMatchObject({ accepted: false, httpStatus: 401 });
  });
});
