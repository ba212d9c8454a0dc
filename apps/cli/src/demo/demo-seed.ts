/**
 * A few customers of the demo caviste, entered through the public API exactly as a till would:
 * an individual who accepted SMS and email offers, a restaurant buying by the case, a regular who
 * came to a tasting, and an anonymous sale. Every request carries a fixed Idempotency-Key, and the
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

export async function seedDemoData(baseUrl: string, token: string, now: Date): Promise<SeedReport> {
  const existing = await call(baseUrl, token, 'GET', `/v1/customers/${SEED_FIRST_CUSTOMER}`);
  if (existing.status === 200) return { skipped: true, customers: [], requests: 0 };

  const requests = seedRequests(now);
  for (const request of requests) {
    const res = await call(baseUrl, token, 'POST', request.path, request.body, request.key);
    if (res.status >= 300) throw new Error(`seeding: POST ${request.path} answered ${res.status}: ${res.text}`);
  }
  return { skipped: false, customers: ['demo-camille', 'demo-bouchon', 'demo-louis'], requests: requests.length };
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
