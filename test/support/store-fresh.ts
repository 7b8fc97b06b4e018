import type { TestContext } from 'node:test'
import type { Store } from '../../actors/runtime/store/store.ts'

/** A fresh, empty store (its own random key prefix) and how to dispose of it. */
export type MakeStore = () => Promise<{ store: Store; cleanup: () => Promise<void> }>

/** A store per test, disposed of when the test ends. */
export function freshStore(make: MakeStore): (t: TestContext) => Promise<Store> {
  return async (t) => {
    const { store, cleanup } = await make()
    t.after(cleanup)
    return store
  }
}
