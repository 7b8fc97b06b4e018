import { subjectMatches } from './embedded-match.ts'

/** How a request's answer gets back to the requester. */
export type Reply = (data: Uint8Array) => void

/** A core subscription as the router sees it. */
export interface Route {
  readonly pattern: string
  /** Queue group: each message goes to one member of the group. */
  readonly queue: string | undefined
  deliver(subject: string, data: Uint8Array, reply: Reply | undefined): void
}

/** The routes one subject reaches: every plain subscriber, and each queue group's members. */
interface Listeners {
  readonly plain: readonly Route[]
  readonly groups: readonly (readonly Route[])[]
}

/** Subjects whose listeners are remembered; past it the memo starts over. */
export const MEMO_SUBJECTS = 10_000

/**
 * The embedded bus's core routing: which subscriptions a subject reaches, worked out once per
 * subject (in subscription order) and remembered until a subscription comes or goes, so a
 * replay publishing 100k messages on 32 subjects does not match every pattern every time.
 */
export class EmbeddedRoutes {
  readonly #routes = new Set<Route>()
  readonly #listeners = new Map<string, Listeners>()
  #roundRobin = 0

  add(route: Route): void {
    this.#routes.add(route)
    this.#listeners.clear()
  }

  delete(route: Route): void {
    this.#routes.delete(route)
    this.#listeners.clear()
  }

  /** Whether any subscription takes `subject`. */
  listened(subject: string): boolean {
    const { plain, groups } = this.#listening(subject)
    return plain.length > 0 || groups.length > 0
  }

  /** Delivers to every plain subscriber and one member per queue group; false if nobody listens. */
  route(subject: string, data: Uint8Array, reply: Reply | undefined): boolean {
    const { plain, groups } = this.#listening(subject)
    for (const route of plain) route.deliver(subject, data, reply)
    for (const members of groups) {
      members[this.#roundRobin++ % members.length]?.deliver(subject, data, reply)
    }
    return plain.length > 0 || groups.length > 0
  }

  #listening(subject: string): Listeners {
    const known = this.#listeners.get(subject)
    if (known) return known
    const plain: Route[] = []
    const groups = new Map<string, Route[]>()
    for (const route of this.#routes) {
      if (!subjectMatches(route.pattern, subject)) continue
      if (route.queue === undefined) plain.push(route)
      else groups.set(route.queue, [...(groups.get(route.queue) ?? []), route])
    }
    const found = { plain, groups: [...groups.values()] }
    if (this.#listeners.size >= MEMO_SUBJECTS) this.#listeners.clear()
    this.#listeners.set(subject, found)
    return found
  }
}
