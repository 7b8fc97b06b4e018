import { type DiagnosisCase, SCHEDULE_CASES } from './diagnosis-cases.ts'
import { CONTAINER_CASES } from './diagnosis-cases-container.ts'
import { IMAGE_CASES } from './diagnosis-cases-image.ts'
import { NODE_CASES } from './diagnosis-cases-node.ts'

/** Every per-code table row. */
export const ALL_CASES: DiagnosisCase[] = [
  ...SCHEDULE_CASES,
  ...IMAGE_CASES,
  ...CONTAINER_CASES,
  ...NODE_CASES,
]
