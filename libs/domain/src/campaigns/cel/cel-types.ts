/**
 * The types audiences are checked against: the facts a campaign may read (`customer`, `event`), each
 * field with its type, so that an unknown field, a comparison of a tier with a number or an unknown
 * segment name is refused when the configuration is validated, not when a customer is evaluated.
 */

export interface Vocabulary {
  /** Named in errors: `unknown segment "a-risque"`. */
  readonly label: string;
  readonly values: readonly string[];
}

export type CelType =
  | { readonly kind: 'int'; readonly nullable?: boolean }
  | { readonly kind: 'double'; readonly nullable?: boolean }
  | { readonly kind: 'bool'; readonly nullable?: boolean }
  | { readonly kind: 'string'; readonly nullable?: boolean; readonly vocabulary?: Vocabulary }
  | { readonly kind: 'null'; readonly nullable?: boolean }
  | { readonly kind: 'dyn'; readonly nullable?: boolean }
  | { readonly kind: 'list'; readonly nullable?: boolean; readonly element: CelType }
  | { readonly kind: 'map'; readonly nullable?: boolean; readonly value: CelType }
  | { readonly kind: 'object'; readonly nullable?: boolean; readonly name: string; readonly fields: Readonly<Record<string, CelType>> };

export const CelT = {
  int: { kind: 'int' } as CelType,
  double: { kind: 'double' } as CelType,
  bool: { kind: 'bool' } as CelType,
  string: { kind: 'string' } as CelType,
  null: { kind: 'null' } as CelType,
  dyn: { kind: 'dyn' } as CelType,
  /** A string that takes one of `values` (a tier, a segment, a channel…). */
  oneOf: (label: string, values: readonly string[]): CelType => ({ kind: 'string', vocabulary: { label, values } }),
  list: (element: CelType): CelType => ({ kind: 'list', element }),
  map: (value: CelType): CelType => ({ kind: 'map', value }),
  object: (name: string, fields: Record<string, CelType>): CelType => ({ kind: 'object', name, fields }),
  /** Null when unknown (an age without a birth date). */
  nullable: (type: CelType): CelType => ({ ...type, nullable: true }),
};

export function describeType(type: CelType): string {
  const base = (() => {
    switch (type.kind) {
      case 'string':
        return type.vocabulary ? `${type.vocabulary.label} (text)` : 'text';
      case 'int':
        return 'whole number';
      case 'double':
        return 'decimal number';
      case 'bool':
        return 'true/false';
      case 'null':
        return 'null';
      case 'dyn':
        return 'any value';
      case 'list':
        return `list of ${describeType(type.element)}`;
      case 'map':
        return `map of ${describeType(type.value)}`;
      case 'object':
        return type.name;
    }
  })();
  return type.nullable ? `${base} or null` : base;
}

export const isNumeric = (type: CelType) => type.kind === 'int' || type.kind === 'double';
export const withoutNull = (type: CelType): CelType => (type.nullable ? { ...type, nullable: false } : type);
