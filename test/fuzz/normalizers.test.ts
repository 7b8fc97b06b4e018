import { describe } from 'node:test'
import { fuzzGroup } from './run-group.ts'

// Property tests (fast-check, issue #10): the protocol/ normalisers (audit, Event, Pod, GKE/EKS/AKS): signals or a counted rejection.
describe('fuzz: normalizers', () => fuzzGroup('normalizers'))
