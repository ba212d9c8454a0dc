import { createHmac, hkdfSync } from 'node:crypto';

export type IdentityKind = 'email' | 'phone';

/**
 * Blind index of identities: a keyed hash of a normalised email or phone, per merchant, so duplicates
 * are found without storing either in clear. The key derives from the master key; the same value
 * hashes differently for two merchants.
 */
export class IdentityIndex {
  private readonly keys = new Map<string, Buffer>();

  constructor(private readonly masterKey: Buffer) {}

  hash(merchantId: string, kind: IdentityKind, normalisedValue: string): string {
    return createHmac('sha256', this.keyFor(merchantId)).update(`${kind}:${normalisedValue}`).digest('hex');
  }

  private keyFor(merchantId: string): Buffer {
    let key = this.keys.get(merchantId);
    if (!key) {
      key = Buffer.from(hkdfSync('sha256', this.masterKey, 'relance-identity-index', merchantId, 32));
      this.keys.set(merchantId, key);
    }
    return key;
  }
}
