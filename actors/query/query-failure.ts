import type { QueryErrorCode } from '../../protocol/queries.ts'

/** A query answered with `{"error":{code,message}}`; the message names the parameter at fault. */
export class QueryFailure extends Error {
  override readonly name = 'QueryFailure'
  readonly code: QueryErrorCode
  constructor(code: QueryErrorCode, message: string) {
    super(message)
    this.code = code
  }
}
