import { describe } from 'node:test'
import { fuzzGroup } from './run-group.ts'

// Property tests (fast-check, issue #10): the webhook through app.request() and the query parameters: never a 500.
describe('fuzz: gateway', () => fuzzGroup('gateway'))
