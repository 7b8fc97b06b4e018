import fc from 'fast-check'
import {
  classifyPullCause,
  parsePullEvent,
  parsePullWaiting,
  pullSummary,
} from '../../actors/lifecycle/parse-image.ts'
import {
  classifyContainerError,
  classifyVolume,
  isKubeletRejection,
  parseProbe,
  sandboxCause,
} from '../../actors/lifecycle/parse-kubelet.ts'
import {
  isSchedulingNoise,
  parseScheduling,
  SCHEDULE_CAUSES,
  schedulingDetail,
  schedulingSummary,
} from '../../actors/lifecycle/parse-scheduling.ts'
import { MAX_MESSAGE_BYTES } from '../../protocol/limits.ts'
import { parseOwnerMessage } from '../../protocol/normalize-event.ts'
import { parseGkeMethod, parseGkeResourceName } from '../../protocol/normalize-gke-names.ts'
import { parseTime } from '../../protocol/time.ts'
import { adversarialText } from './arbitraries.ts'
import { expect } from './outcomes.ts'
import type { FuzzProperty } from './property.ts'

/**
 * The message parsers on adversarial text up to the message cap (what `protocol/` lets through):
 * each returns a well-formed answer. Their patterns are linear (test/lint/regex-linear); these
 * properties check that the code around them copes with any text (no timing is asserted).
 */
const text = adversarialText(MAX_MESSAGE_BYTES)
const reason = fc.oneof(
  fc.constantFrom('Failed', 'BackOff', 'ErrImageNeverPull', 'InvalidImageName', 'OutOfcpu'),
  fc.string({ maxLength: 30 }),
)

export const PARSER_PROPERTIES: readonly FuzzProperty[] = [
  {
    name: 'parse-kubelet: probe, container error, volume, sandbox on any text',
    weight: 1,
    property: () =>
      fc.property(text, reason, (message, r) => {
        const probe = parseProbe(message)
        expect(probe === null || typeof probe.text === 'string', 'probe text')
        expect(probe === null || probe.text.length <= message.length, 'probe text grew')
        const code = classifyContainerError(message)
        expect(code === null || typeof code === 'string', 'container code')
        const volume = classifyVolume(message)
        expect(typeof volume.wrapper === 'boolean', 'volume wrapper')
        expect(typeof sandboxCause(message) === 'string', 'sandbox cause')
        expect(typeof isKubeletRejection(r) === 'boolean', 'rejection')
      }),
  },
  {
    name: 'parse-scheduling: FailedScheduling messages on any text',
    weight: 1,
    property: () =>
      fc.property(text, (message) => {
        const p = parseScheduling(message)
        expect(SCHEDULE_CAUSES.includes(p.cause), `cause ${p.cause}`)
        expect(p.causes[0] === p.cause, 'primary cause first')
        expect(p.head.length <= message.length, 'head grew')
        expect(p.head === p.head.trim(), 'head keeps surrounding spaces')
        for (const item of p.items) expect(Number.isFinite(item.count), 'item count')
        expect(typeof schedulingSummary(p) === 'string', 'summary')
        expect(typeof schedulingDetail(p) === 'string', 'detail')
        expect(typeof isSchedulingNoise(message) === 'boolean', 'noise')
      }),
  },
  {
    name: 'parse-image: pull events and waiting states on any text',
    weight: 1,
    property: () =>
      fc.property(text, reason, (message, r) => {
        const event = parsePullEvent(r, message)
        if (event) expect(typeof pullSummary(event, 'app') === 'string', 'summary')
        const waiting = parsePullWaiting(r, message)
        expect(typeof waiting.code === 'string', 'waiting code')
        expect(typeof classifyPullCause(message) === 'string', 'cause code')
      }),
  },
  {
    name: 'protocol parsers: owner messages, GKE names, times on any text',
    weight: 1,
    property: () =>
      fc.property(text, (s) => {
        const owner = parseOwnerMessage('SuccessfulCreate', s)
        expect(owner === undefined || owner.name !== '', 'owner without a name')
        const method = parseGkeMethod(s)
        expect(method === undefined || method.verb !== '', 'method without a verb')
        parseGkeResourceName(s)
        const t = parseTime(s)
        expect(t === undefined || (t.time >= 0 && Number.isSafeInteger(t.time)), 'time range')
      }),
  },
]
