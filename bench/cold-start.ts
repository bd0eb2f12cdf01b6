import { spawn } from 'child_process'
import type { SegmentEvent } from '@segment/actions-core'
import { DEV_API_KEY } from '../dev/constants'
import { median } from './measure'
import type { SideSpec } from './sides'

/**
 * Cold start: a new plain `node` process (no ts-node) that loads the destination (its
 * actions-core, then its definition), builds `new Destination(definition)`, delivers one event to
 * the stand-in with the destination's presets as subscriptions, and exits. Wall time is measured by
 * this process, from spawn to exit (so it includes node's own start); the child reports its peak
 * RSS (`process.resourceUsage().maxRSS`) and where its time went. One unmeasured run first (file
 * cache), then the median of RUNS.
 */

export const RUNS = 5

export interface ColdStart {
  wallMs: number
  maxRssMb: number
  /** The child's own CPU time (user + system), start to exit. */
  cpuMs: number
  /** Inside the child: node start to the destination loaded, then construction, then the one event. */
  loadMs: number
  constructMs: number
  eventMs: number
}

function childScript(side: SideSpec, event: SegmentEvent, url: string): string {
  // The published destination sends to a fixed host: its actions get a request client that sends to
  // the stand-in instead (as in bench/destination-process.ts). Ours reads FULLSTORY_API_URL.
  const redirect = side.fixedBaseUrl
    ? `
const fixed = ${JSON.stringify(side.fixedBaseUrl)}
const target = ${JSON.stringify(url)}
const redirected = (request) => (u, options) => request(u.startsWith(fixed) ? target + u.slice(fixed.length) : u, options)
const actions = {}
for (const [key, action] of Object.entries(definition.actions)) {
  actions[key] = { ...action, perform: (request, data) => action.perform(redirected(request), data) }
}
definition = { ...definition, actions }`
    : ''
  return `
const { performance } = require('perf_hooks')
const { Destination } = require(${JSON.stringify(side.core)})
let definition = require(${JSON.stringify(side.definition)}).default
const loaded = performance.now()${redirect}
const destination = new Destination(definition)
const constructed = performance.now()
const subscriptions = definition.presets
  .filter((preset) => preset.type === 'automatic' && preset.subscribe)
  .map(({ subscribe, partnerAction, mapping }) => ({ subscribe, partnerAction, mapping }))
destination.onEvent(${JSON.stringify(event)}, { apiKey: ${JSON.stringify(
    DEV_API_KEY
  )}, subscriptions }).then((results) => {
  if (!results.some((r) => r.output === 'Action Executed')) throw new Error('event not delivered: ' + JSON.stringify(results))
  const done = performance.now()
  const cpu = process.cpuUsage()
  process.stdout.write(JSON.stringify({ loadMs: loaded, constructMs: constructed - loaded, eventMs: done - constructed,
    cpuMs: (cpu.user + cpu.system) / 1000, maxRssKb: process.resourceUsage().maxRSS }))
  process.exit(0)
}, (error) => { console.error(error); process.exit(1) })
`
}

function runOnce(script: string, url: string): Promise<ColdStart> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint()
    const env: NodeJS.ProcessEnv = { ...process.env, FULLSTORY_API_URL: url }
    delete env.FULLSTORY_TIMEOUT_MS
    const child = spawn(process.execPath, ['-e', script], { env, stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
    child.on('error', reject)
    child.on('exit', (code) => {
      const wallMs = Number(process.hrtime.bigint() - start) / 1e6
      if (code !== 0) return reject(new Error(`cold start child exited with ${code}`))
      const report = JSON.parse(out) as Omit<ColdStart, 'wallMs' | 'maxRssMb'> & { maxRssKb: number }
      resolve({
        wallMs,
        maxRssMb: report.maxRssKb / 1024,
        cpuMs: report.cpuMs,
        loadMs: report.loadMs,
        constructMs: report.constructMs,
        eventMs: report.eventMs
      })
    })
  })
}

function medianOf(runs: ColdStart[]): ColdStart {
  const mid = (pick: (run: ColdStart) => number) => median(runs.map(pick))
  return {
    wallMs: mid((r) => r.wallMs),
    maxRssMb: mid((r) => r.maxRssMb),
    cpuMs: mid((r) => r.cpuMs),
    loadMs: mid((r) => r.loadMs),
    constructMs: mid((r) => r.constructMs),
    eventMs: mid((r) => r.eventMs)
  }
}

/** Cold starts of each side, their runs alternating, each side's median. */
export async function coldStarts(sides: SideSpec[], event: SegmentEvent, url: string): Promise<ColdStart[]> {
  const scripts = sides.map((side) => childScript(side, event, url))
  for (const script of scripts) await runOnce(script, url)
  const runs: ColdStart[][] = sides.map(() => [])
  for (let i = 0; i < RUNS; i++) {
    for (let k = 0; k < scripts.length; k++) runs[k].push(await runOnce(scripts[k], url))
  }
  return runs.map(medianOf)
}
