import { LIVE_CHANNEL, type SignalChannel } from '../../actors/runtime/channel.ts'

/** A live channel of the test's own, so tests never share subjects or streams. */
export function testChannel(id: string): SignalChannel {
  return {
    ...LIVE_CHANNEL,
    stream: `T${id}`,
    wildcard: `t${id}.s.*`,
    subjectOf: (p) => `t${id}.s.${p}`,
    durableOf: (p) => `t${id}-p${p}`,
    leaseOf: (p) => `t${id}.${p}`,
    alertSubjectOf: (ns) => `t${id}.alerts.${ns}`,
    alertWildcard: `t${id}.alerts.>`,
    alertStream: `T${id}_ALERTS`,
  }
}
