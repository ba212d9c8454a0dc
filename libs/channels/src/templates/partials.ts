/**
 * The partials every marketing template must include, written once here so that no template can
 * get the legal wording wrong:
 * - `shopName`: who is writing (every commercial message must identify the advertiser);
 * - `optOut`: the free opt-out of the channel: "STOP au <numéro>" for SMS and RCS, the one-click
 *   unsubscribe link for email, how to object for a letter;
 * - `loiEvin`: the health warning the Loi Évin requires on alcohol advertising, for merchants that
 *   sell alcohol. Its wording is fixed by French law, so it is French in every locale.
 *
 * A part is where a partial is rendered: the email's subject, html and text, an SMS body, a letter body.
 */
export type TemplatePart = 'subject' | 'html' | 'text' | 'body';
export type PartKind = 'html' | 'plain' | 'letter';

export const REQUIRED_PARTIALS = ['shopName', 'optOut', 'loiEvin'] as const;
export type RequiredPartial = (typeof REQUIRED_PARTIALS)[number];

export const LOI_EVIN_WARNING = "L'abus d'alcool est dangereux pour la santé, à consommer avec modération.";

type Wording = Record<'optOut', Record<PartKind | 'sms', string>>;

const WORDING: Record<string, Wording> = {
  fr: {
    optOut: {
      sms: 'STOP au {{optOut.stopNumber}}',
      html: '<p style="font-size:12px;color:#666666">Vous recevez ce message en tant que client de {{shop.name}}. <a href="{{links.unsubscribeUrl}}">Se désinscrire</a> en un clic.</p>',
      plain: 'Vous recevez ce message en tant que client de {{shop.name}}. Pour vous désinscrire : {{links.unsubscribeUrl}}',
      letter: 'Pour ne plus recevoir nos courriers, dites-le-nous en boutique ou écrivez-nous à l\'adresse ci-dessus : c\'est gratuit.',
    },
  },
  en: {
    optOut: {
      sms: 'STOP to {{optOut.stopNumber}}',
      html: '<p style="font-size:12px;color:#666666">You receive this message as a customer of {{shop.name}}. <a href="{{links.unsubscribeUrl}}">Unsubscribe</a> in one click.</p>',
      plain: 'You receive this message as a customer of {{shop.name}}. To unsubscribe: {{links.unsubscribeUrl}}',
      letter: 'To stop receiving our letters, tell us in the shop or write to us at the address above: it is free.',
    },
  },
};

/** The partial sources for one channel and part, in the locale's language (French when there is no wording for it). */
export function builtInPartials(channel: string, kind: PartKind, locale: string): Record<RequiredPartial, string> {
  const wording = WORDING[locale.slice(0, 2)] ?? (WORDING.fr as Wording);
  const sms = channel === 'sms' || channel === 'rcs';
  return {
    shopName: '{{shop.name}}',
    optOut: sms ? wording.optOut.sms : wording.optOut[kind],
    loiEvin:
      kind === 'html'
        ? `<p style="font-weight:bold">${LOI_EVIN_WARNING}</p>`
        : kind === 'letter'
          ? `**${LOI_EVIN_WARNING}**`
          : LOI_EVIN_WARNING,
  };
}

/** The languages whose opt-out wording exists. */
export const PARTIAL_LANGUAGES = Object.keys(WORDING);
