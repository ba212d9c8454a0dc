import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/** Sealed personal data: "pii:v1:<iv>:<ciphertext and tag>", both base64url. */
const PREFIX = 'pii:v1:';

export class PiiUnavailableError extends Error {
  override readonly name = 'PiiUnavailableError';
}

/**
 * Seals a value with a customer's data key. The additional data binds the blob to its owner
 * (merchant and customer), so a sealed field copied onto another customer fails to open.
 */
export function sealJson(dataKey: Buffer, value: unknown, owner: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', dataKey, iv);
  cipher.setAAD(Buffer.from(owner, 'utf8'));
  const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return `${PREFIX}${iv.toString('base64url')}:${body.toString('base64url')}`;
}

export function openJson<T = unknown>(dataKey: Buffer, sealed: string, owner: string): T {
  if (!sealed.startsWith(PREFIX)) throw new PiiUnavailableError('Not sealed personal data');
  const [ivText, bodyText] = sealed.slice(PREFIX.length).split(':');
  if (!ivText || !bodyText) throw new PiiUnavailableError('Malformed sealed personal data');
  const iv = Buffer.from(ivText, 'base64url');
  const body = Buffer.from(bodyText, 'base64url');
  try {
    const decipher = createDecipheriv('aes-256-gcm', dataKey, iv);
    decipher.setAAD(Buffer.from(owner, 'utf8'));
    decipher.setAuthTag(body.subarray(body.length - 16));
    const clear = Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]);
    return JSON.parse(clear.toString('utf8')) as T;
  } catch {
    throw new PiiUnavailableError('Sealed personal data does not open with this key (tampered, or not its owner)');
  }
}

/** Wraps a data key with the master key: iv (12) | wrapped key (32) | tag (16). */
export function wrapKey(masterKey: Buffer, dataKey: Buffer, owner: string): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', masterKey, iv);
  cipher.setAAD(Buffer.from(owner, 'utf8'));
  return Buffer.concat([iv, cipher.update(dataKey), cipher.final(), cipher.getAuthTag()]);
}

export function unwrapKey(masterKey: Buffer, wrapped: Buffer, owner: string): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', masterKey, wrapped.subarray(0, 12));
  decipher.setAAD(Buffer.from(owner, 'utf8'));
  decipher.setAuthTag(wrapped.subarray(wrapped.length - 16));
  return Buffer.concat([decipher.update(wrapped.subarray(12, wrapped.length - 16)), decipher.final()]);
}

/** Identifies a master key in storage without revealing it. */
export function masterKeyId(masterKey: Buffer): string {
  return createHash('sha256').update('relance-master-key-id').update(masterKey).digest('hex').slice(0, 16);
}
