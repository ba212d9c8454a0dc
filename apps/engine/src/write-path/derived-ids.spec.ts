import { describe, expect, it } from '@jest/globals';
import { v7 as uuidv7 } from 'uuid';
import { EventMetadata, Id } from '@relance/domain';
import { derivedEntityId, derivedEventId, externalEntityId } from './derived-ids.js';

describe('event ids derived from a command seed', () => {
  const seed = uuidv7();

  it('are valid UUIDv7, the same on every derivation, and different per label and seed', () => {
    const id = derivedEventId(seed, 'main:0');
    expect(EventMetadata.shape.eventId.safeParse(id).success).toBe(true);
    expect(derivedEventId(seed, 'main:0')).toBe(id);
    expect(derivedEventId(seed, 'main:1')).not.toBe(id);
    expect(derivedEventId(uuidv7(), 'main:0')).not.toBe(id);
  });

  it('keep the time of the seed, so they sort with the command', () => {
    expect(derivedEventId(seed, 'x').slice(0, 13)).toBe(seed.slice(0, 13));
  });

  it('never change: stored events and retries after an upgrade depend on them', () => {
    // Values derived by an earlier implementation (a streaming sha256): any new one must agree.
    expect(derivedEventId('01a24321-b181-7ff0-bbb2-de05d2439a37', 'purchase:0')).toBe('01a24321-b181-718d-b835-7247d2f1eb77');
    expect(derivedEntityId('p', '01a24321-b181-7ff0-bbb2-de05d2439a37')).toBe('p-byfsf3j4wb53l5bvqhvn');
    expect(externalEntityId('c', 'shopify:shop', '1234')).toBe('c-64je2upizwg5d72xclovilb2');
  });

  it('refuse a seed that is not a UUIDv7', () => {
    expect(() => derivedEventId('not-a-uuid', 'main:0')).toThrow(TypeError);
  });
});

describe('entity ids derived from a seed or an external id', () => {
  it('are valid ids, stable, and distinct', () => {
    const seed = uuidv7();
    const a = derivedEntityId('p', seed);
    expect(Id.safeParse(a).success).toBe(true);
    expect(a).toMatch(/^p-[a-z2-7]{20}$/);
    expect(derivedEntityId('p', seed)).toBe(a);
    expect(derivedEntityId('p', uuidv7())).not.toBe(a);
    expect(externalEntityId('x', 'cave', 'CARTE 001')).toBe(externalEntityId('x', 'cave', 'CARTE 001'));
    expect(externalEntityId('x', 'cave', 'CARTE 001')).not.toBe(externalEntityId('x', 'autre', 'CARTE 001'));
  });
});
