import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import {
  EVENT_SCHEMAS,
  EventMetadata,
  Id,
  IdentityHash,
  Instant,
  InvalidEventError,
  LocalDate,
  MerchantId,
  parseEvent,
  Program,
  Sealed,
  StorableText,
} from '@relance/domain';
import type { z } from 'zod';
import '../../apps/engine/src/customers/customers.controller.js';
import '../../apps/engine/src/customers/customer-activity.controller.js';
import '../../apps/engine/src/purchases/purchases.controller.js';
import '../../apps/engine/src/points/points.controller.js';
import '../../apps/engine/src/integrations/webhooks.controller.js';
import { ROUTES } from '../../apps/engine/src/http/route.js';

// The invariant "whatever the engine accepts, the projector can apply", for text: every string the
// event catalog, the program and the API's request schemas accept is refused when PostgreSQL could
// not store it. A string field passes when it is built on StorableText, or when a format (a pattern,
// an ISO date, an address) admits only ASCII; a field typed `unknown` only in the catalog, whose
// parseEvent walks every event whole.

type Def = { type: string; checks?: { _zod: { def: { check: string } } }[]; format?: string; [key: string]: unknown };
const defOf = (schema: unknown): Def => (schema as { _zod: { def: Def } })._zod.def;
const STORABLE_CHECK = defOf(StorableText).checks![0];

/** Paths of the string leaves that would let unstorable text through, and of `unknown` leaves. */
function unguarded(schema: unknown, path: string, seen = new Set<unknown>()): string[] {
  if (seen.has(schema)) return [];
  seen.add(schema);
  const def = defOf(schema);
  const walk = (child: unknown, suffix: string) => unguarded(child, `${path}${suffix}`, seen);
  switch (def.type) {
    case 'string': {
      const guarded = def.checks?.includes(STORABLE_CHECK!) || def.format !== undefined || def.checks?.some((c) => c._zod.def.check === 'string_format');
      return guarded ? [] : [path];
    }
    case 'object': {
      const shape = def.shape as Record<string, unknown>;
      return [...Object.entries(shape).flatMap(([key, child]) => walk(child, `.${key}`)), ...(def.catchall ? walk(def.catchall, '.*') : [])];
    }
    case 'array':
      return walk(def.element, '[]');
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'nonoptional':
    case 'catch':
      return walk(def.innerType, '');
    case 'union':
      return (def.options as unknown[]).flatMap((option, i) => walk(option, `|${i}`));
    case 'intersection':
      return [...walk(def.left, '&l'), ...walk(def.right, '&r')];
    case 'record':
      return [...walk(def.keyType, '{key}'), ...walk(def.valueType, '{}')];
    case 'pipe':
      return [...walk(def.in, ''), ...walk(def.out, '')];
    case 'unknown':
    case 'any':
      return [`${path} (unknown)`];
    case 'number':
    case 'int':
    case 'boolean':
    case 'enum':
    case 'literal':
    case 'null':
    case 'undefined':
    case 'never':
    case 'transform':
      return [];
    default:
      return [`${path} (unexpected ${def.type})`];
  }
}

describe('storable text, as the schemas declare it', () => {
  it('every free text of every event type is StorableText; only the catalog’s `unknown` fields are left to parseEvent’s walk', () => {
    const found = Object.entries(EVENT_SCHEMAS).flatMap(([type, schema]) => unguarded(schema, type));
    expect(found.filter((p) => !p.endsWith('(unknown)'))).toEqual([]);
    expect(found).toEqual([
      'CampaignTriggered.conditions[].value (unknown)',
      'CampaignTriggered.controls[].value (unknown)',
      'MessageSuppressed.conditions[].value (unknown)',
      'MessageSuppressed.controls[].value (unknown)',
      'ProgramActivated.definition{} (unknown)',
    ]);
    expect(unguarded(EventMetadata, 'metadata')).toEqual([]);
    expect(unguarded(Program, 'program')).toEqual([]);
  });

  it('every text of every request body and path parameter of the API is StorableText', () => {
    const routes = ROUTES.filter((route) => route.permission !== 'webhook');
    expect(routes.length).toBeGreaterThanOrEqual(10);
    const found = routes.flatMap((route) => [
      ...(route.body ? unguarded(route.body, `${route.method} ${route.path} body`) : []),
      ...(route.params ? unguarded(route.params, `${route.method} ${route.path} params`) : []),
    ]);
    expect(found).toEqual([]);
  });

  it('the formats that stand in for StorableText admit neither NUL nor an unpaired surrogate', () => {
    const formats: [string, z.ZodType][] = [['Id', Id], ['MerchantId', MerchantId], ['Sealed', Sealed], ['IdentityHash', IdentityHash], ['Instant', Instant], ['LocalDate', LocalDate]];
    for (const [name, schema] of formats) {
      for (const bad of ['a\u0000', '\ud800', '2026-01-01T00:00:00.000Z\u0000', '2026-01-01\udc00']) {
        expect({ name, bad, success: schema.safeParse(bad).success }).toEqual({ name, bad, success: false });
      }
    }
  });

  it('parseEvent refuses unstorable text anywhere, `unknown` fields and record keys included', () => {
    const triggered = {
      campaignId: 'c1',
      ruleVersion: 'v1',
      customerId: 'ana',
      trigger: { kind: 'manual', type: 'manual', eventId: null, eventType: null, schedule: null, period: 'launch-1', description: 'test' },
      conditions: [{ expression: 'true', value: { note: 'a\u0000b' }, passed: true, error: null }],
      controls: [],
      controlGroup: false,
      variant: null,
      channel: null,
      channelReasons: [],
      messageId: null,
      actions: { bonusPoints: null, voucherId: null },
      triggeredAt: '2026-01-01T00:00:00.000Z',
    };
    expect(() => parseEvent('CampaignTriggered', triggered)).toThrow(InvalidEventError);
    expect(() => parseEvent('CampaignTriggered', triggered)).toThrow(/conditions\.0\.value\.note: contains the NUL character/);
    const activated = { version: 'a'.repeat(64), name: 'Club', definition: { earn: { ['x\udc00']: 1 } }, activatedAt: '2026-01-01T00:00:00.000Z' };
    expect(() => parseEvent('ProgramActivated', activated)).toThrow(/definition\.earn\.x.*: its name contains an unpaired surrogate \(U\+DC00\)/);
    const clean = { ...triggered, conditions: [{ expression: 'true', value: { note: 'Zoë 🍷' }, passed: true, error: null }] };
    expect(parseEvent('CampaignTriggered', clean).data).toEqual(clean);
  });
});
