import type { ConsentProof } from '@relance/domain';
import type { ConsentProofInput } from './customer.schemas.js';
import type { ProfileVault } from './profile-vault.js';

/** The proof of a consent as an event holds it: the customer's IP address sealed, the rest as given. */
export async function sealProof(vault: ProfileVault, merchantId: string, customerId: string, proof: ConsentProofInput, field = 'proof'): Promise<ConsentProof> {
  const { ip, ...rest } = proof;
  return ip === undefined ? rest : { ...rest, ip: await vault.seal(merchantId, customerId, ip, `${field}.ip`) };
}
