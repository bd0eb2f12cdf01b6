/**
 * The speed targets (issue 16), as ratios or counts from one run of `npm run bench`; never timing
 * assertions in tests. Each figure in the table is shown with its target and PASS or MISS.
 */

export interface Target {
  /** As printed in the table's target column. */
  text: string
  met(value: number): boolean
}

const atMost = (limit: number, text: string): Target => ({ text, met: (value) => value <= limit })
const below = (limit: number, text: string): Target => ({ text, met: (value) => value < limit })

export const TARGETS = {
  /** Single event: CPU per event at most the published destination's (while sending more). */
  singleCpuRatio: atMost(1.0, '<= 1.0x'),
  /** Batch path: CPU per event at most 0.12x the published destination's single event. */
  batchCpuRatio: atMost(0.12, '<= 0.12x'),
  /** Our own code's share of the batch path's CPU (profile). */
  batchOwnShare: atMost(0.25, '<= 25%'),
  /** HTTP requests per 1,000 events on the batch path. */
  batchRequestsPer1000: atMost(1, '1'),
  /** Cold start: new process, load, first event. */
  coldStartMs: below(600, '< 0.6 s')
} as const

export type Verdict = 'PASS' | 'MISS' | 'n/a'

export function verdict(target: Target, value: number | undefined): Verdict {
  if (value === undefined || !Number.isFinite(value)) return 'n/a'
  return target.met(value) ? 'PASS' : 'MISS'
}
