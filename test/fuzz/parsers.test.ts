import { describe } from 'node:test'
import { fuzzGroup } from './run-group.ts'

// Property tests (fast-check, issue #10): the message parsers on adversarial text up to the 4 KiB cap: well-formed answers.
describe('fuzz: parsers', () => fuzzGroup('parsers'))
