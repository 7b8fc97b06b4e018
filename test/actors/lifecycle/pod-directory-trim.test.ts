import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { PodDirectory } from '../../../actors/lifecycle/pod-directory.ts'
import { sig } from '../../support/signals.ts'

const uid = (i: number) => `0f0f0f0f-0000-4000-8000-${String(i).padStart(12, '0')}`
const seen = (dir: PodDirectory, i: number) =>
  dir.resolve(
    sig({ at: '2024-05-01T10:00:00Z', uid: uid(i), name: `web-${i}`, ops: ['pod:create:success'] }),
  )

describe('pod directory: trim', () => {
  it('forgets the least recently resolved names beyond the cap, once changes are taken', () => {
    const dir = new PodDirectory()
    for (const i of [1, 2, 3]) seen(dir, i)
    dir.trim(1)
    assert.ok(dir.hasName('shop', 'web-1'), 'nothing is forgotten before the changes are taken')
    dir.takeChanges()
    seen(dir, 1)
    dir.takeChanges()
    dir.trim(2)
    assert.deepEqual(
      [1, 2, 3].map((i) => dir.hasName('shop', `web-${i}`)),
      [true, false, true],
      'web-2 was resolved least recently',
    )
  })

  it('a forgotten name resolves again once hydrated (from the store, in a host)', () => {
    const dir = new PodDirectory()
    seen(dir, 7)
    dir.takeChanges()
    dir.trim(0)
    assert.equal(dir.hasName('shop', 'web-7'), false)
    dir.hydrateName('shop', 'web-7', [{ uid: uid(7), first: 1, gone: null }], [])
    const bound = dir.resolve(
      sig({
        at: '2024-05-01T10:00:01Z',
        uid: null,
        name: 'web-7',
        ops: ['schedule:binding:success'],
      }),
    )
    assert.deepEqual(bound, { uid: uid(7) })
  })
})
