import type { FuzzProperty } from './property.ts'
import { CONFIG_PROPERTIES } from './props-config.ts'
import { GATEWAY_PROPERTIES } from './props-gateway.ts'
import { NORMALIZER_PROPERTIES } from './props-normalizers.ts'
import { PARSER_PROPERTIES } from './props-parsers.ts'

/** Every fuzz property by group (the `test/fuzz/<group>.test.ts` files run one group each). */
export const FUZZ_GROUPS: Readonly<Record<string, readonly FuzzProperty[]>> = {
  normalizers: NORMALIZER_PROPERTIES,
  parsers: PARSER_PROPERTIES,
  gateway: GATEWAY_PROPERTIES,
  config: CONFIG_PROPERTIES,
}

/** Every fuzz property. */
export const ALL_PROPERTIES: readonly FuzzProperty[] = Object.values(FUZZ_GROUPS).flat()
