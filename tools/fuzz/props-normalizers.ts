import fc from 'fast-check'
import { normalizeAuditEvent } from '../../protocol/normalize-audit.ts'
import { normalizeK8sEvent } from '../../protocol/normalize-event.ts'
import { gkeEntryToAuditEvent } from '../../protocol/normalize-gke.ts'
import { normalizeAuditRecord } from '../../protocol/normalize-gke-managed.ts'
import { normalizePod } from '../../protocol/normalize-pod.ts'
import { hostileNumber, hostileRecord } from './arbitraries.ts'
import { checkNormalized, expect } from './outcomes.ts'
import type { FuzzProperty } from './property.ts'
import {
  AUDIT_EVENTS,
  CORE_EVENT,
  EVENTS_V1,
  GKE_ENTRY,
  OWNER_EVENT,
  POD,
  SERIES_EVENT,
  WRAPPED,
} from './seeds.ts'

const ignoredNamespaces = new Set(['kube-system'])

/** The normalisers of protocol/: any input gives signals or a counted rejection, never a throw. */
export const NORMALIZER_PROPERTIES: readonly FuzzProperty[] = [
  {
    name: 'normalizeAuditEvent: any audit record',
    weight: 1,
    property: () =>
      fc.property(hostileRecord(AUDIT_EVENTS), (input) => {
        checkNormalized(normalizeAuditEvent(input, { ignoredNamespaces }))
      }),
  },
  {
    name: 'normalizeK8sEvent: any core/v1 or events.k8s.io Event, file or watch',
    weight: 1,
    property: () =>
      fc.property(
        hostileRecord([CORE_EVENT, SERIES_EVENT, EVENTS_V1, OWNER_EVENT]),
        fc.boolean(),
        (input, finalState) => {
          const source = finalState ? 'event' : 'watch'
          checkNormalized(normalizeK8sEvent(input, { source, finalState, ignoredNamespaces }))
        },
      ),
  },
  {
    name: 'normalizePod: any Pod object, listed, watched or deleted',
    weight: 1,
    property: () =>
      fc.property(
        hostileRecord([POD]),
        fc.option(hostileNumber),
        fc.boolean(),
        (input, observedAt, deleted) => {
          // observedAt is ours (a clock reading), never tenant input: keep it a real time.
          const at = observedAt !== null && Number.isSafeInteger(observedAt) && observedAt >= 0
          const opts = { source: 'watch', deleted, ...(at ? { observedAt } : {}) } as const
          checkNormalized(normalizePod(input, opts))
        },
      ),
  },
  {
    name: 'GKE, EKS and AKS records: conversion and normalisation',
    weight: 1,
    property: () =>
      fc.property(hostileRecord([GKE_ENTRY, ...WRAPPED]), (input) => {
        const converted = gkeEntryToAuditEvent(input)
        if (!converted.ok) {
          expect('dropped' in converted || converted.invalid !== '', 'empty invalid text')
        }
        checkNormalized(normalizeAuditRecord(input, { ignoredNamespaces }))
      }),
  },
]
