import type { EmailMessage } from '../channel-adapter.js';
import { listUnsubscribeHeaders } from '../email/unsubscribe-token.js';

const CRLF = '\r\n';

/**
 * The email as an RFC 5322 / MIME message a mail client opens (.eml): multipart/alternative with
 * the text part first and the HTML part last (clients show the last one they can), both UTF-8 in
 * base64, non-ASCII headers as RFC 2047 encoded words, and the List-Unsubscribe headers the
 * provider would have sent.
 */
export function emailToMime(message: EmailMessage, date: Date, unsubscribeMailto?: string | null): string {
  const boundary = `=_relance_${message.messageId}`;
  const headers: [string, string][] = [
    ['From', address(message.from.name, message.from.email)],
    ['To', address(message.to.name ?? null, message.to.email)],
    ...(message.replyTo ? [['Reply-To', address(message.replyTo.name ?? null, message.replyTo.email)] as [string, string]] : []),
    ['Subject', encodedText(message.subject)],
    ['Date', date.toUTCString().replace(/GMT$/, '+0000')],
    ['Message-ID', `<${message.messageId}@outbox.relance>`],
    ['MIME-Version', '1.0'],
    ...(message.unsubscribeUrl ? Object.entries(listUnsubscribeHeaders(message.unsubscribeUrl, unsubscribeMailto)) : []),
    ['X-Relance-Message-Id', message.messageId],
    ['X-Relance-Merchant-Id', message.merchantId],
    ['Content-Type', `multipart/alternative; boundary="${boundary}"`],
  ];
  return [
    ...headers.map(([name, value]) => `${name}: ${value}`),
    '',
    'This is a multi-part message in MIME format.',
    `--${boundary}`,
    ...part('text/plain', message.text),
    `--${boundary}`,
    ...part('text/html', message.html),
    `--${boundary}--`,
    '',
  ].join(CRLF);
}

function part(type: string, content: string): string[] {
  const encoded = Buffer.from(content, 'utf8').toString('base64');
  return [`Content-Type: ${type}; charset=UTF-8`, 'Content-Transfer-Encoding: base64', '', ...(encoded.match(/.{1,76}/g) ?? [''])];
}

function address(name: string | null, email: string): string {
  if (!name) return email;
  if (/^[\x20-\x7e]*$/.test(name)) return `"${name.replace(/["\\]/g, '\\$&')}" <${email}>`;
  return `${encodedText(name)} <${email}>`;
}

/** ASCII as it is; anything else as UTF-8 base64 encoded words of at most 75 characters, folded. */
export function encodedText(text: string): string {
  if (/^[\x20-\x7e]*$/.test(text) && text.length <= 900) return text;
  const words: string[] = [];
  let chunk = '';
  for (const char of text) {
    // 45 bytes of UTF-8 make 60 characters of base64: with "=?UTF-8?B?" and "?=", 72.
    if (Buffer.byteLength(chunk + char) > 45) {
      words.push(word(chunk));
      chunk = '';
    }
    chunk += char;
  }
  if (chunk !== '') words.push(word(chunk));
  return words.join(`${CRLF} `);
}

function word(text: string): string {
  return `=?UTF-8?B?${Buffer.from(text, 'utf8').toString('base64')}?=`;
}
