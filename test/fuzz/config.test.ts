import { describe } from 'node:test'
import { fuzzGroup } from './run-group.ts'

// Property tests (fast-check, issue #10): config loading (SLO and span config, env and files): a config or a ConfigError.
describe('fuzz: config', () => fuzzGroup('config'))
