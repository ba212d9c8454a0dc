// SMS are billed per segment, and the encoding decides the segment size: GSM 03.38 (7-bit) gives
// 160 characters, or 153 per part once concatenated (the rest carries the reassembly header); a single
// character outside it switches the whole message to UCS-2: 70, or 67 per part. French copy trips on
// this often: é è à ù are GSM-7, but ê â î ô û ç œ « » and the typographic apostrophe are not.

const GSM7_BASIC = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);
/** Reached through the escape code: each costs two septets. */
const GSM7_EXTENSION = new Set('^{}\\[~]|€\f');

export interface SmsSegments {
  readonly encoding: 'GSM-7' | 'UCS-2';
  /** Septets (GSM-7) or UTF-16 code units (UCS-2). */
  readonly units: number;
  readonly segments: number;
  /** Characters that forced UCS-2, each once, in order of appearance. */
  readonly nonGsmCharacters: readonly string[];
}

export function smsSegments(body: string): SmsSegments {
  let septets = 0;
  const nonGsm: string[] = [];
  for (const char of body) {
    if (GSM7_BASIC.has(char)) septets += 1;
    else if (GSM7_EXTENSION.has(char)) septets += 2;
    else if (!nonGsm.includes(char)) nonGsm.push(char);
  }
  if (nonGsm.length === 0) {
    return { encoding: 'GSM-7', units: septets, segments: parts(septets, 160, 153), nonGsmCharacters: [] };
  }
  // UCS-2 as carriers count it: UTF-16 code units, so an emoji (a surrogate pair) takes two.
  return { encoding: 'UCS-2', units: body.length, segments: parts(body.length, 70, 67), nonGsmCharacters: nonGsm };
}

function parts(units: number, single: number, perPart: number): number {
  if (units === 0) return 0;
  return units <= single ? 1 : Math.ceil(units / perPart);
}
