import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TemplateCatalog, type MerchantProfile } from '@relance/channels';

export const DEMO_TEMPLATES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../config/merchants/cave-demo/templates');

/** The demo caviste as merchant.yaml describes it. */
export const DEMO_MERCHANT: MerchantProfile = {
  id: 'cave-demo',
  name: 'La Cave des Halles',
  locale: 'fr-FR',
  timeZone: 'Europe/Paris',
  currency: 'EUR',
  alcohol: true,
};

export async function demoCatalog(): Promise<TemplateCatalog> {
  const { catalog, problems } = await TemplateCatalog.load(DEMO_TEMPLATES, DEMO_MERCHANT);
  if (problems.length > 0) throw new Error(problems.map((p) => p.message).join('\n'));
  return catalog;
}
