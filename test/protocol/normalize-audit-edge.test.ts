import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { AuditEvent } from '../../protocol/k8s-audit.ts'
import { normalizeAuditEvent } from '../../protocol/normalize-audit.ts'
import type { DropReason, Normalized } from '../../protocol/pod-signal.ts'
import { podLifecycle } from '../support/audit-fixtures.ts'
import { auditEvent, clone, controller, micros } from '../support/audit-fixtures-base.ts'
import { MIXED_PODS } from '../support/audit-fixtures-catalog.ts'

const happy = podLifecycle(MIXED_PODS.happy)
const [create] = happy
assert.ok(create)
const byVerb = (verb: string, sub?: string) =>
  happy.find((e) => e.verb === verb && e.objectRef?.subresource === sub)
const statusPatch = byVerb('patch', 'status')
const del = byVerb('delete')
assert.ok(statusPatch && del)

/** A copy of `base` with top-level fields replaced (`undefined` deletes). */
function edit(base: AuditEvent, changes: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = clone(base)
  for (const [k, val] of Object.entries(changes)) {
    if (val === undefined) delete out[k]
    else out[k] = val
  }
  return out
}

const pods = { resource: 'pods', namespace: 'default', name: 'web-1', apiVersion: 'v1' }

describe('normalizeAuditEvent: drop reasons', () => {
  const cases: { name: string; input: unknown; dropped: DropReason; opts?: Set<string> }[] = [
    {
      name: 'stage RequestReceived',
      input: edit(create, { stage: 'RequestReceived' }),
      dropped: 'irrelevant-stage',
    },
    {
      name: 'stage ResponseStarted',
      input: edit(create, { stage: 'ResponseStarted' }),
      dropped: 'irrelevant-stage',
    },
    { name: 'stage Panic', input: edit(create, { stage: 'Panic' }), dropped: 'irrelevant-stage' },
    {
      name: 'no stage and no responseStatus',
      input: edit(create, { stage: undefined, responseStatus: undefined }),
      dropped: 'irrelevant-stage',
    },
    {
      name: 'deployments',
      input: edit(create, {
        objectRef: { resource: 'deployments', apiGroup: 'apps', namespace: 'default' },
      }),
      dropped: 'irrelevant-resource',
    },
    {
      name: 'pods/log',
      input: edit(create, { verb: 'get', objectRef: { ...pods, subresource: 'log' } }),
      dropped: 'irrelevant-resource',
    },
    {
      name: 'non-resource request (no objectRef)',
      input: edit(create, { verb: 'get', objectRef: undefined }),
      dropped: 'irrelevant-resource',
    },
    {
      name: 'events of another API group',
      input: edit(create, {
        objectRef: { resource: 'events', apiGroup: 'example.io', namespace: 'default' },
      }),
      dropped: 'irrelevant-resource',
    },
    {
      name: 'get pods',
      input: edit(create, { verb: 'get', objectRef: pods }),
      dropped: 'irrelevant-verb',
    },
    {
      name: 'list pods',
      input: edit(create, { verb: 'list', objectRef: pods }),
      dropped: 'irrelevant-verb',
    },
    {
      name: 'watch pods',
      input: edit(create, { verb: 'watch', objectRef: pods }),
      dropped: 'irrelevant-verb',
    },
    {
      name: 'deletecollection pods',
      input: edit(create, { verb: 'deletecollection' }),
      dropped: 'irrelevant-verb',
    },
    {
      name: 'get pods/status',
      input: edit(statusPatch, { verb: 'get' }),
      dropped: 'irrelevant-verb',
    },
    {
      name: 'namespace ignored',
      input: create,
      opts: new Set(['default']),
      dropped: 'ignored-namespace',
    },
    {
      name: 'status patch that changes no op (probe time only)',
      input: edit(statusPatch, {
        requestObject: {
          metadata: { uid: 'x' },
          status: { conditions: [{ type: 'Ready', lastProbeTime: null }] },
        },
      }),
      dropped: 'no-change',
    },
    {
      name: 'status patch refused (409 conflict)',
      input: edit(statusPatch, { responseStatus: { code: 409, reason: 'Conflict' } }),
      dropped: 'no-change',
    },
    {
      name: 'delete of a gone pod (404)',
      input: edit(del, { responseStatus: { code: 404 }, responseObject: undefined }),
      dropped: 'no-change',
    },
    {
      name: 'label-only patch of a pod',
      input: edit(del, { verb: 'patch', requestObject: { metadata: { labels: { a: 'b' } } } }),
      dropped: 'no-change',
    },
  ]
  for (const c of cases) {
    it(c.name, () => {
      const r = normalizeAuditEvent(c.input, c.opts ? { ignoredNamespaces: c.opts } : {})
      assert.deepEqual(r, { ok: false, dropped: c.dropped })
    })
  }

  it('an Event about something other than a Pod → not-about-a-pod', () => {
    const e = auditEvent({
      by: controller('replicaset-controller'),
      verb: 'create',
      requestURI: '/api/v1/namespaces/default/events',
      objectRef: { resource: 'events', namespace: 'default' },
      code: 201,
      at: micros('2024-05-14T09:00:00.5Z'),
      responseObject: {
        kind: 'Event',
        metadata: { name: 'web-7d9f8c6b5d.17cf', namespace: 'default', uid: 'e1' },
        involvedObject: { kind: 'ReplicaSet', namespace: 'default', name: 'web-7d9f8c6b5d' },
        reason: 'SuccessfulCreate',
        message: 'Created pod: web-7d9f8c6b5d-x2x7k',
        firstTimestamp: '2024-05-14T09:00:00Z',
        count: 1,
      },
    })
    assert.deepEqual(normalizeAuditEvent(e), { ok: false, dropped: 'not-about-a-pod' })
  })
})

describe('normalizeAuditEvent: invalid input names the problem', () => {
  const cases: { name: string; input: unknown; match: RegExp }[] = [
    { name: 'a string', input: 'hello', match: /^audit event: expected an object, got string$/ },
    { name: 'an array', input: [create], match: /got array/ },
    { name: 'null', input: null, match: /got null/ },
    {
      name: 'no auditID',
      input: edit(create, { auditID: undefined }),
      match: /^audit event: auditID: /,
    },
    { name: 'empty auditID', input: edit(create, { auditID: '' }), match: /auditID is empty/ },
    {
      name: 'stage not a string',
      input: edit(create, { stage: 42 }),
      match: /^audit event: stage: .*42/,
    },
    { name: 'no verb', input: edit(create, { verb: undefined }), match: /^audit event: verb: / },
    {
      name: 'no usable time',
      input: edit(create, { stageTimestamp: 'yesterday', timestamp: undefined }),
      match: /no usable stageTimestamp or timestamp/,
    },
    {
      name: 'a response Pod with a wrong field type',
      input: edit(create, {
        responseObject: { kind: 'Pod', metadata: { name: 'x' }, spec: { containers: 'nginx' } },
      }),
      match: /^audit event: responseObject: spec\.containers: /,
    },
    {
      name: 'a created pod without any name (level Request, generateName only)',
      input: edit(create, {
        responseObject: undefined,
        requestObject: { kind: 'Pod', metadata: { generateName: 'web-' } },
      }),
      match: /no pod name for create pods/,
    },
  ]
  for (const c of cases) {
    it(c.name, () => {
      const r: Normalized = normalizeAuditEvent(c.input)
      assert.ok(!r.ok && 'invalid' in r, JSON.stringify(r))
      assert.match(r.invalid, c.match)
    })
  }
})
