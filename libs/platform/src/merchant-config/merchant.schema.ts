import { z } from 'zod';
import { Id, isValidTimeZone, MerchantId } from '@relance/domain';

const Store = z.strictObject({
  id: Id,
  name: z.string().min(1).max(200),
  city: z.string().min(1).max(100),
});

/** merchant.yaml: who the merchant is. Its loyalty rules are in program.yaml beside it. */
export const MerchantFile = z.strictObject({
  /** Must be the name of the folder holding the file. */
  id: MerchantId,
  name: z.string().min(1).max(200),
  /** IANA zone: local days, quiet hours and expiry dates are counted in it. */
  timeZone: z
    .string()
    .refine(isValidTimeZone, 'not an IANA time zone (e.g. Europe/Paris)')
    .default('Europe/Paris'),
  locale: z.string().regex(/^[a-z]{2}-[A-Z]{2}$/, 'a locale such as fr-FR').default('fr-FR'),
  currency: z.literal('EUR').default('EUR'),
  /** Sells alcohol: its marketing messages carry the Loi Évin health warning. */
  alcohol: z.boolean(),
  stores: z
    .array(Store)
    .min(1)
    .superRefine((stores, ctx) => {
      stores.forEach((store, i) => {
        const twin = stores.findIndex((other) => other.id === store.id);
        if (twin < i) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `duplicate store id "${store.id}" (also stores[${twin}])` });
      });
    }),
});
export type MerchantFile = z.infer<typeof MerchantFile>;
export type Store = MerchantFile['stores'][number];
