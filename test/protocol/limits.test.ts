import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { eventListSizeProblem } from '../../protocol/k8s-audit.ts'
import {
  boundText,
  isDnsLabel,
  isDnsSubdomain,
  isLabelKey,
  isLabelValue,
  MAX_EVENTLIST_ITEMS,
  MAX_MESSAGE_BYTES,
  utf8Length,
} from '../../protocol/limits.ts'
import { normalizeK8sEvent } from '../../protocol/normalize-event.ts'
import { normalizePod } from '../../protocol/normalize-pod.ts'

const encoder = new TextEncoder()
const T0 = '2021-09-14T14:27:17Z'
const event = (over: Record<string, unknown>) => ({
  kind: 'Event',
  count: 1,
  firstTimestamp: T0,
  involvedObject: { kind: 'Pod', name: 'web-0', namespace: 'shop', uid: 'pod-uid' },
  message: 'Started container app',
  metadata: { name: 'web-0.1', namespace: 'shop', uid: 'ev-1' },
  reason: 'Unhealthy',
  source: { component: 'kubelet' },
  type: 'Warning',
  ...over,
})
const EVENT = { source: 'event', finalState: true } as const

describe('message caps', () => {
  it('utf8Length agrees with TextEncoder on every kind of code unit', () => {
    for (const s of ['', 'abc', 'é', '€', '😀', 'a\ud800b', '\udc00', 'x😀y€é']) {
      assert.equal(utf8Length(s), encoder.encode(s).length, JSON.stringify(s))
    }
  })

  it('a 200 KB probe message is cut to 4 KiB with a marker, the original size kept', () => {
    const message = `Readiness probe failed: ${' '.repeat(200_000)}x`
    const r = normalizeK8sEvent(event({ message }), EVENT)
    assert.ok(r.ok)
    const info = r.signals[0]?.event
    assert.equal(info?.messageBytes, message.length)
    assert.ok(info && encoder.encode(info.message).length <= MAX_MESSAGE_BYTES)
    assert.ok(info?.message.startsWith('Readiness probe failed: '))
    assert.ok(info?.message.endsWith(`…[truncated, ${message.length} bytes]`))
  })

  it('never cuts inside a surrogate pair, and leaves short text alone', () => {
    const cut = boundText('😀'.repeat(5000))
    assert.ok(utf8Length(cut.text) <= MAX_MESSAGE_BYTES)
    assert.equal(cut.bytes, 20_000)
    assert.ok(!/[\ud800-\udbff](?![\udc00-\udfff])/.test(cut.text), 'no lone high surrogate')
    const exact = 'a'.repeat(MAX_MESSAGE_BYTES)
    assert.deepEqual(boundText(exact), { text: exact })
    assert.equal(boundText(`${exact}b`).bytes, MAX_MESSAGE_BYTES + 1)
  })

  it('condition and container messages are cut the same way', () => {
    const long = 'm'.repeat(10_000)
    const r = normalizePod(
      {
        metadata: { name: 'web-0', namespace: 'shop', uid: 'u', creationTimestamp: T0 },
        status: {
          conditions: [{ type: 'Ready', status: 'False', message: long, lastTransitionTime: T0 }],
          containerStatuses: [{ name: 'app', state: { waiting: { reason: 'X', message: long } } }],
        },
      },
      { source: 'list' },
    )
    assert.ok(r.ok)
    const withMessage = r.signals.flatMap((s) => s.ops).filter((o) => o.message !== undefined)
    assert.equal(withMessage.length, 2)
    for (const op of withMessage) {
      assert.equal(op.messageBytes, 10_000)
      assert.ok(utf8Length(op.message ?? '') <= MAX_MESSAGE_BYTES)
    }
  })
})

describe('names as Kubernetes validates them', () => {
  it('DNS-1123 labels and subdomains', () => {
    assert.ok(isDnsLabel('shop'))
    assert.ok(isDnsLabel('a--b'))
    assert.ok(isDnsLabel('a'.repeat(63)))
    for (const bad of ['', 'Shop', '-a', 'a-', 'a.b', 'a_b', 'a'.repeat(64)]) {
      assert.equal(isDnsLabel(bad), false, bad)
    }
    assert.ok(isDnsSubdomain('web-0.shop.local'))
    assert.ok(
      isDnsSubdomain(`${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`),
    )
    for (const bad of ['', 'a..b', '.a', 'a.', 'A', 'a'.repeat(254)]) {
      assert.equal(isDnsSubdomain(bad), false, bad)
    }
  })

  it('label keys and values', () => {
    assert.ok(isLabelValue(''))
    assert.ok(isLabelValue('v1.2_rc-3'))
    for (const bad of ['-a', 'a-', 'a b', 'a'.repeat(64)]) assert.equal(isLabelValue(bad), false)
    assert.ok(isLabelKey('app.kubernetes.io/name'))
    assert.ok(isLabelKey('App'))
    for (const bad of ['', '/a', 'Bad_Prefix/a', 'a/', 'a/b/c'])
      assert.equal(isLabelKey(bad), false)
  })

  it('a record about an impossible pod name or namespace is invalid, a long UID left out', () => {
    const upper = normalizeK8sEvent(
      event({ involvedObject: { kind: 'Pod', name: 'Web_0', namespace: 'shop' } }),
      EVENT,
    )
    assert.ok(!upper.ok && 'invalid' in upper && /DNS-1123 subdomain/.test(upper.invalid))
    const ns = normalizeK8sEvent(
      event({ involvedObject: { kind: 'Pod', name: 'web-0', namespace: 'n'.repeat(64) } }),
      EVENT,
    )
    assert.ok(!ns.ok && 'invalid' in ns && /DNS-1123 label/.test(ns.invalid))
    const uid = normalizeK8sEvent(
      event({
        involvedObject: { kind: 'Pod', name: 'web-0', namespace: 'shop', uid: 'u'.repeat(65) },
      }),
      EVENT,
    )
    assert.ok(uid.ok)
    assert.deepEqual(uid.signals[0]?.pod, { namespace: 'shop', name: 'web-0' })
    assert.deepEqual(uid.fieldDrops, { 'bad-name': 1 })
    const pod = normalizePod(
      {
        metadata: { name: 'web-0', namespace: 'shop', uid: 'u'.repeat(65), creationTimestamp: T0 },
      },
      { source: 'list' },
    )
    assert.ok(!pod.ok && 'invalid' in pod && /uid/.test(pod.invalid))
  })
})

describe('EventList size', () => {
  it(`refuses more than ${MAX_EVENTLIST_ITEMS} items, naming the count`, () => {
    assert.equal(eventListSizeProblem(new Array(MAX_EVENTLIST_ITEMS).fill({})), undefined)
    const problem = eventListSizeProblem(new Array(MAX_EVENTLIST_ITEMS + 1).fill({}))
    assert.match(problem ?? '', /10001 items, more than the 10000/)
  })
})
