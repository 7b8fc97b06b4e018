import * as v from 'valibot'
import { FIELD_DROP_REASONS } from '../../protocol/field-guard.ts'
import { MAX_MESSAGE_BYTES, utf8Length } from '../../protocol/limits.ts'
import { DropReason, type Normalized, PodSignal } from '../../protocol/pod-signal.ts'

/** A broken promise of a fuzzed function (what a property reports as its failure). */
export class OutcomeError extends Error {
  override readonly name = 'OutcomeError'
}

/** Throws {@link OutcomeError} with `message` unless `ok`. */
export function expect(ok: boolean, message: string): asserts ok {
  if (!ok) throw new OutcomeError(message)
}

function checkMessage(message: string | undefined, where: string): void {
  if (message === undefined) return
  expect(utf8Length(message) <= MAX_MESSAGE_BYTES, `${where}: message over ${MAX_MESSAGE_BYTES} B`)
}

/**
 * What every normaliser promises for any input: signals that are valid `PodSignal`s and survive
 * the bus's JSON unchanged (no Infinity turned null, no time outside 1970–9999) with bounded
 * messages; or a drop reason of the vocabulary; or a non-empty `invalid` text. Field drops are
 * positive counts of known reasons.
 */
export function checkNormalized(n: Normalized): void {
  if (!n.ok) {
    if ('dropped' in n) expect(v.is(DropReason, n.dropped), `unknown drop reason ${n.dropped}`)
    else expect(typeof n.invalid === 'string' && n.invalid !== '', 'empty invalid text')
    return
  }
  expect(Array.isArray(n.signals), 'signals is not an array')
  for (const s of n.signals) {
    const parsed = v.safeParse(PodSignal, s)
    expect(
      parsed.success,
      `not a PodSignal: ${parsed.issues?.[0]?.message} at ${describePath(parsed.issues?.[0])}`,
    )
    const wire: unknown = JSON.parse(JSON.stringify(s))
    expect(v.is(PodSignal, wire), 'the signal does not survive JSON')
    checkMessage(s.event?.message, `signal ${s.id} event`)
    for (const op of s.ops) checkMessage(op.message, `signal ${s.id} op ${op.op}`)
  }
  for (const [reason, count] of Object.entries(n.fieldDrops ?? {})) {
    expect((FIELD_DROP_REASONS as readonly string[]).includes(reason), `field drop ${reason}`)
    expect(Number.isSafeInteger(count) && (count ?? 0) > 0, `field drop count ${count}`)
  }
}

function describePath(issue: v.BaseIssue<unknown> | undefined): string {
  return issue ? (v.getDotPath(issue) ?? '(root)') : '?'
}
