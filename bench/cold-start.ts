import { spawn } from 'child_process'
import { join } from 'path'
import type { SegmentEvent } from '@segment/actions-core'
import { DEV_API_KEY } from '../dev/constants'
import { DIST } from './destination'
import { median } from './measure'

/**
 * 6. Cold start: a new `node` process (plain node, no ts-node) that loads the built package, builds
 * `new Destination(definition)`, handles one event against the simulator with the presets as
 * subscriptions, and exits. Wall time is measured by this process, from spawn to exit (so it
 * includes node's own start); the child reports its peak RSS (`process.resourceUsage().maxRSS`) and
 * where its time went. One unmeasured run first (file cache), then the median of RUNS.
 */

export const RUNS = 5

export interface ColdStart {
  wallMs: number
  maxRssMb: number
  /** Inside the child: node start to the package loaded, then construction, then the one event. */
  loadMs: number
  constructMs: number
  eventMs: number
}

function childScript(event: SegmentEvent): string {
  const core = require.resolve('@segment/actions-core')
  return `
const { performance } = require('perf_hooks')
const { Destination } = require(${JSON.stringify(core)})
const definition = require(${JSON.stringify(join(DIST, 'index.js'))}).default
const loaded = performance.now()
const destination = new Destination(definition)
const constructed = performance.now()
const subscriptions = definition.presets.map(({ subscribe, partnerAction, mapping }) => ({ subscribe, partnerAction, mapping }))
destination.onEvent(${JSON.stringify(event)}, { apiKey: ${JSON.stringify(
    DEV_API_KEY
  )}, subscriptions }).then((results) => {
  if (!results.some((r) => r.output === 'Action Executed')) throw new Error('event not delivered: ' + JSON.stringify(results))
  const done = performance.now()
  process.stdout.write(JSON.stringify({ loadMs: loaded, constructMs: constructed - loaded, eventMs: done - constructed,
    maxRssKb: process.resourceUsage().maxRSS }))
  process.exit(0)
}, (error) => { console.error(error); process.exit(1) })
`
}

function runOnce(script: string, simulatorUrl: string): Promise<ColdStart> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint()
    const child = spawn(process.execPath, ['-e', script], {
      env: { ...process.env, FULLSTORY_API_URL: simulatorUrl },
      stdio: ['ignore', 'pipe', 'inherit']
    })
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
    child.on('error', reject)
    child.on('exit', (code) => {
      const wallMs = Number(process.hrtime.bigint() - start) / 1e6
      if (code !== 0) return reject(new Error(`cold start child exited with ${code}`))
      const report = JSON.parse(out) as { loadMs: number; constructMs: number; eventMs: number; maxRssKb: number }
      resolve({
        wallMs,
        maxRssMb: report.maxRssKb / 1024,
        loadMs: report.loadMs,
        constructMs: report.constructMs,
        eventMs: report.eventMs
      })
    })
  })
}

export async function coldStart(event: SegmentEvent, simulatorUrl: string): Promise<ColdStart> {
  const script = childScript(event)
  await runOnce(script, simulatorUrl)
  const runs: ColdStart[] = []
  for (let i = 0; i < RUNS; i++) runs.push(await runOnce(script, simulatorUrl))
  const mid = (pick: (run: ColdStart) => number) => median(runs.map(pick))
  return {
    wallMs: mid((r) => r.wallMs),
    maxRssMb: mid((r) => r.maxRssMb),
    loadMs: mid((r) => r.loadMs),
    constructMs: mid((r) => r.constructMs),
    eventMs: mid((r) => r.eventMs)
  }
}
