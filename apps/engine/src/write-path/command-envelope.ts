import { v7 as uuidv7 } from 'uuid';

/** Who asks, on whose behalf, and where the ids of what the command appends come from. */
export interface CommandEnvelope {
  readonly merchantId: string;
  /** `key:<api key id>` or `system:<component>`. */
  readonly actor: string;
  readonly correlationId: string;
  /** The request (or event) that caused the command. */
  readonly causationId: string;
  /** A UUIDv7: event ids and missing business ids derive from it (see derived-ids.ts). */
  readonly seed: string;
  /** An earlier attempt with this seed may have appended before it died: look for its events first. */
  readonly resumed: boolean;
}

export function systemEnvelope(merchantId: string, component: string, seed: string = uuidv7(), resumed = false): CommandEnvelope {
  return { merchantId, actor: `system:${component}`, correlationId: seed, causationId: seed, seed, resumed };
}
