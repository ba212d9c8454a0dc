import type { EmailRecipient, RecipientCheck } from '../channel-adapter.js';

// Deliberately plain: one @, a dotted domain, no spaces or angle brackets. What SendGrid would
// refuse outright is refused here, with a reason, before a whole batch request fails on it.
const ADDRESS = /^[^\s@<>()[\]\\,;:"]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/;

export function checkEmailRecipient(to: EmailRecipient): RecipientCheck<EmailRecipient> {
  const email = to.email.trim();
  if (email === '') return { ok: false, code: 'email-missing', reason: 'no email address' };
  if (email.length > 254) return { ok: false, code: 'email-invalid', reason: 'email address longer than 254 characters' };
  if (!ADDRESS.test(email)) return { ok: false, code: 'email-invalid', reason: 'not an email address' };
  const at = email.lastIndexOf('@');
  const normalised = `${email.slice(0, at)}@${email.slice(at + 1).toLowerCase()}`;
  const name = to.name?.replace(/[\r\n]+/g, ' ').trim() || null;
  return { ok: true, recipient: { email: normalised, name } };
}
