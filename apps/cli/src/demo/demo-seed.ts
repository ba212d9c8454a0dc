import { addDaysToLocalDate, addMonthsToLocalDate, instantAtLocalTime, localDateOf } from '@relance/domain';

/**
 * A few customers of the demo caviste, entered through the public API exactly as a till would:
 * an individual who accepted SMS and email offers, a restaurant buying by the case, a regular who
 * came to a tasting, and an anonymous sale. Then what makes the example campaigns fire (see
 * campaignStories): the regular accepts emails, a newcomer buys a large basket, another's birthday
 * is in a week, a third last came 120 days ago. Every request carries a fixed Idempotency-Key, and the
 * seed is skipped when its first customer already exists, so running the demo again adds nothing.
 */
export interface SeedReport {
  readonly skipped: boolean;
  readonly customers: readonly string[];
  readonly requests: number;
}

interface SeedRequest {
  readonly key: string;
  readonly path: string;
  readonly body: unknown;
}

export const SEED_FIRST_CUSTOMER = 'demo-camille';

export async function seedDemoData(baseUrl: string, token: string, now: Date, timeZone: string): Promise<SeedReport> {
  const existing = await call(baseUrl, token, 'GET', `/v1/customers/${SEED_FIRST_CUSTOMER}`);
  if (existing.status === 200) return { skipped: true, customers: [], requests: 0 };

  const requests = [...seedRequests(now), ...campaignStories(now, timeZone)];
  for (const request of requests) {
    const res = await call(baseUrl, token, 'POST', request.path, request.body, request.key);
    if (res.status >= 300) throw new Error(`seeding: POST ${request.path} answered ${res.status}: ${res.text}`);
  }
  return { skipped: false, customers: ['demo-camille', 'demo-bouchon', 'demo-louis', 'demo-hugo', 'demo-ines', 'demo-marc'], requests: requests.length };
}

function seedRequests(now: Date): SeedRequest[] {
  const daysAgo = (days: number, hour: number) => {
    const at = new Date(now.getTime() - days * 86_400_000);
    at.setUTCHours(hour, 30, 0, 0);
    return at.toISOString();
  };
  const atTill = { staffId: 'caisse-halles-1' };
  return [
    {
      key: 'demo-seed-enrol-camille',
      path: '/v1/customers',
      body: {
        customerId: 'demo-camille',
        type: 'b2c',
        storeId: 'halles',
        source: 'pos',
        profile: { firstName: 'Camille', lastName: 'Martin', email: 'camille.martin@example.fr', phone: '06 12 34 56 78', birthDate: '1985-03-14' },
        consents: [
          { channel: 'email', purpose: 'marketing', proof: atTill },
          { channel: 'sms', purpose: 'marketing', proof: atTill },
        ],
      },
    },
    {
      key: 'demo-seed-enrol-bouchon',
      path: '/v1/customers',
      body: {
        customerId: 'demo-bouchon',
        type: 'b2b',
        businessCategory: 'restaurant',
        storeId: 'croix-rousse',
        source: 'pos',
        profile: { companyName: 'Le Bouchon des Canuts', email: 'Contact@Bouchon-Canuts.example.fr', phone: '+33 4 78 00 00 00' },
        consents: [{ channel: 'email', purpose: 'marketing', proof: { staffId: 'caisse-croix-rousse-1' } }],
      },
    },
    {
      key: 'demo-seed-enrol-louis',
      path: '/v1/customers',
      body: { customerId: 'demo-louis', storeId: 'halles', source: 'pos', profile: { firstName: 'Louis', lastName: 'Bernard', email: 'louis.bernard@example.fr' } },
    },
    purchase('demo-seed-ticket-1', 'demo-camille', 'halles', daysAgo(40, 10), [
      line('CHP-BRUT', 'Champagne brut, Maison Lallier', 'champagne', 2, 3490),
      line('CDR-2022', 'Côtes-du-Rhône 2022', 'vin rouge', 3, 1290, true),
    ]),
    purchase('demo-seed-ticket-2', 'demo-bouchon', 'croix-rousse', daysAgo(12, 9), [
      line('BJL-VIL', 'Beaujolais-Villages 2023', 'vin rouge', 24, 890),
      line('MAC-BLC', 'Mâcon blanc 2023', 'vin blanc', 12, 1150),
    ]),
    { key: 'demo-seed-visit-louis', path: '/v1/customers/demo-louis/visits', body: { kind: 'tasting', storeId: 'halles', eventName: 'Dégustation vins du Jura', visitedAt: daysAgo(5, 17) } },
    purchase('demo-seed-ticket-3', 'demo-louis', 'halles', daysAgo(5, 18), [line('WHS-JUR', 'Whisky du Jura', 'spiritueux', 1, 5400)]),
    purchase('demo-seed-ticket-4', null, 'halles', daysAgo(1, 16), [line('CRE-BRG', 'Crémant de Bourgogne', 'effervescent', 1, 1490)]),
  ];
}

/**
 * What makes the example campaigns fire, through the same API calls as the rest: every customer here
 * gave an email address and consents to email, which no quiet hours hold back, so the messages go out
 * whatever the hour the demo runs. Each gets at most two marketing messages, within the default cap.
 * Dates are the merchant's local ones: the birthday and the last purchase are counted in its zone.
 *  - Louis accepts the club's emails at the till: `bienvenue` (consent granted).
 *  - Hugo, enrolled today with birth date, marketing and loyalty email consents, buys 354 €:
 *    `bienvenue`, `gros-panier` (a ticket of 150 € or more) and `nouveau-statut` (300 € in 12 months
 *    make him Amateur; a programme message, so under his loyalty consent).
 *  - Inès, born 7 days from today: `bienvenue`, then `anniversaire` at today's time-rule run.
 *  - Marc, two purchases, the last 120 days ago: `bienvenue`, then `reactivation` at today's run;
 *    the points of the first, 24 months old in 30 days, expire then: `points-expirent` (a programme
 *    message) at the same run. He stays under the 200 points of the automatic voucher, which would
 *    spend those oldest points first.
 */
export function campaignStories(now: Date, timeZone: string): SeedRequest[] {
  const today = localDateOf(now.toISOString(), timeZone);
  const localDay = (days: number, time: string) => instantAtLocalTime(addDaysToLocalDate(today, days), time, timeZone);
  // Born in 1988, a leap year: a birthday on 29 February is a real birth date too.
  const birthdayInAWeek = `1988-${addDaysToLocalDate(today, 7).slice(5)}`;
  // Points earned on day D are good through D + 24 months (program.yaml): the reminder comes 30 days before.
  const pointsGoodUntilInAMonth = addMonthsToLocalDate(addDaysToLocalDate(today, 30), -24);
  const atTill = { staffId: 'caisse-halles-1' };
  const emailOffers = [
    { channel: 'email', purpose: 'marketing', proof: atTill },
    { channel: 'email', purpose: 'loyalty', proof: atTill },
  ];
  return [
    { key: 'demo-seed-consent-louis', path: '/v1/customers/demo-louis/consents/grant', body: { channel: 'email', purpose: 'marketing', source: 'pos', proof: atTill } },
    {
      key: 'demo-seed-enrol-hugo',
      path: '/v1/customers',
      body: {
        customerId: 'demo-hugo',
        type: 'b2c',
        storeId: 'halles',
        source: 'pos',
        profile: { firstName: 'Hugo', lastName: 'Lefèvre', email: 'hugo.lefevre@example.fr', birthDate: '1979-06-02' },
        consents: emailOffers,
      },
    },
    purchase('demo-seed-ticket-5', 'demo-hugo', 'halles', new Date(now.getTime() - 5 * 60_000).toISOString(), [
      line('CRT-2020', 'Côte-Rôtie 2020, Domaine Jamet', 'vin rouge', 3, 6900),
      line('CZH-2022', 'Crozes-Hermitage 2022', 'vin rouge', 6, 2450),
    ]),
    {
      key: 'demo-seed-enrol-ines',
      path: '/v1/customers',
      body: {
        customerId: 'demo-ines',
        type: 'b2c',
        storeId: 'croix-rousse',
        source: 'pos',
        profile: { firstName: 'Inès', lastName: 'Moreau', email: 'ines.moreau@example.fr', birthDate: birthdayInAWeek },
        consents: [{ channel: 'email', purpose: 'marketing', proof: { staffId: 'caisse-croix-rousse-1' } }],
      },
    },
    {
      key: 'demo-seed-enrol-marc',
      path: '/v1/customers',
      body: {
        customerId: 'demo-marc',
        type: 'b2c',
        storeId: 'halles',
        source: 'pos',
        profile: { firstName: 'Marc', lastName: 'Dubois', email: 'marc.dubois@example.fr', birthDate: '1971-10-09' },
        consents: emailOffers,
      },
    },
    purchase('demo-seed-ticket-6', 'demo-marc', 'halles', instantAtLocalTime(pointsGoodUntilInAMonth, '11:00', timeZone), [
      line('GVR-2019', 'Gevrey-Chambertin 2019', 'vin rouge', 1, 4800),
      line('ALS-RSL', 'Riesling d\'Alsace 2021', 'vin blanc', 1, 1800),
    ]),
    purchase('demo-seed-ticket-7', 'demo-marc', 'halles', localDay(-120, '11:00'), [line('SAN-2022', 'Sancerre 2022', 'vin blanc', 2, 1890)]),
  ];
}

function purchase(key: string, customerId: string | null, storeId: string, purchasedAt: string, lines: unknown[]): SeedRequest {
  return { key, path: '/v1/purchases', body: { purchaseId: key.replace('demo-seed-', 'demo-'), customerId, storeId, currency: 'EUR', purchasedAt, lines } };
}

function line(sku: string, name: string, category: string, quantity: number, unitPriceCents: number, promo = false) {
  return { sku, name, category, quantity, unitPriceCents, promo };
}

async function call(baseUrl: string, token: string, method: string, path: string, body?: unknown, idempotencyKey?: string) {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (idempotencyKey) headers['idempotency-key'] = idempotencyKey;
  const res = await fetch(`${baseUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, text: await res.text() };
}
