import { dirname } from 'path'
import { PerformanceObserver } from 'perf_hooks'
import type { Destination, DestinationDefinition, JSONObject, RequestClient, SegmentEvent } from '@segment/actions-core'
import { pointedAt } from '../dev/pointed'
import { benchEvents } from './events'
import type { EventSet } from './events'

/**
 * A destination's process (run as plain node, compiled by bench/run.ts). `worker serve <definition>
 * <url> [floor]` loads one destination, pointed at the stand-in (dev/pointed.ts, both sides alike),
 * and times chunks of the bench's events on the parent's command, with tinybench on a CPU clock:
 * `process.cpuUsage()` of this process, all its threads. `worker cold ...` is a cold start, `worker
 * rss ... <count> [frame]` one onBatch call of many events; each prints its figures and exits.
 */

type Run = (request: RequestClient, data: { payload: { idempotencyKey?: string } }) => unknown
export type Variant = 'single' | 'batch' | 'floor' | 'frame'
type Definition = DestinationDefinition<JSONObject>
export type Timed = Record<'events' | 'cpuMs' | 'gcMs', number>
export const CHUNK = 1000

/** The definition `file` exports, and the actions-core it resolves. */
export function loadSide(file: string) {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const core = require(require.resolve('@segment/actions-core', { paths: [dirname(file)] }))
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const definition = require(file).default as Definition
  return { Destination: core.Destination as typeof Destination, definition }
}

/** A copy of `definition` whose actions' perform and performBatch are changed by `change`. */
export function withRuns(definition: Definition, change: (run: Run) => Run) {
  const actions = Object.entries(definition.actions).map(([key, action]) => {
    const [perform, batch] = [action.perform, action.performBatch] as (Run | undefined)[]
    return [key, { ...action, perform: perform && change(perform), performBatch: batch && change(batch) }]
  })
  return { ...definition, actions: Object.fromEntries(actions) } as Definition
}

/** The destination's presets as subscriptions (what a new connection gets), each mapping with `extra`. */
export function presets(definition: Definition, extra: JSONObject = {}): JSONObject[] {
  const automatic = (definition.presets ?? []).flatMap((p) => ('subscribe' in p && p.subscribe ? [p] : []))
  return automatic.map(({ name: _name, type: _type, ...p }) => ({ ...p, mapping: { ...p.mapping, ...extra } }))
}

const settings = (definition: Definition, extra: JSONObject = {}) =>
  ({ apiKey: 'na1.bench-key', subscriptions: presets(definition, extra) } as unknown as JSONObject)
const cpuMs = () => (({ user, system }) => (user + system) / 1000)(process.cpuUsage())

async function main(mode: string, file: string, url: string, arg: string, variant?: string): Promise<void> {
  const side = loadSide(file)
  const destination = new side.Destination(pointedAt(side.definition, { url }))
  // actions-core alone on the batch path: the fields mapped and validated, performBatch doing nothing.
  const alone = () => new side.Destination(withRuns(side.definition, () => () => undefined))
  const single = settings(side.definition)
  const deliver = async (target: Destination, event: SegmentEvent) => {
    const results = await target.onEvent(event, single)
    target.responses.length = 0 // as a long-running runtime does: it would keep every request
    if (!results.some((r) => r.output === 'Action Executed')) throw new Error(`not sent: ${JSON.stringify(results)}`)
  }
  const deliverBatch = async (list: SegmentEvent[], target = destination) => {
    const extra = { enable_batching: true, batch_size: Math.max(list.length, 10) }
    const results = await target.onBatch(list, settings(side.definition, extra))
    const entries = results.flatMap((r) => r.multistatus ?? [])
    target.responses.length = 0
    if (entries.length !== list.length || entries.some((e) => e.status >= 300)) throw new Error('batch not sent')
  }
  if (mode !== 'serve') {
    const list = mode === 'cold' ? [JSON.parse(arg) as SegmentEvent] : benchEvents('tracks', +arg)
    const heldMb = process.memoryUsage().rss / 2 ** 20 // the destination loaded, the events made
    await (mode === 'cold' ? deliver(destination, list[0]) : deliverBatch(list, variant ? alone() : destination))
    const out = JSON.stringify({ heldMb, rssMb: process.resourceUsage().maxRSS / 1024 })
    return void process.stdout.write(out, () => process.exit(0))
  }
  const events = { tracks: benchEvents('tracks'), identifies: benchEvents('identifies') }
  // The equal-work floor: our definition, its fields mapped and validated, and perform sending the
  // request ours sent for the same event (by its message id), captured once through the request client.
  const sent = new Map<unknown, [string, object]>()
  const capture = withRuns(pointedAt(side.definition, { url }), (run) => (request, data) => {
    const capturing = (target: string, options: object) => {
      sent.set(data.payload.idempotencyKey, [target, { ...options, agent: undefined }])
      return request(target, options)
    }
    return run(capturing as RequestClient, data)
  })
  const capturing = new side.Destination(capture)
  if (arg === 'floor') for (const event of [...events.tracks, ...events.identifies]) await deliver(capturing, event)
  const send: Run = (request, { payload }) => request(...sent.get(payload.idempotencyKey)!)
  const floorDefinition = withRuns(side.definition, () => send) // pointed below, like every side
  const [floor, frame] = [new side.Destination(pointedAt(floorDefinition, { url })), alone()]
  const pool = (list: SegmentEvent[], target: Destination) => {
    let next = 0
    const worker = async () => {
      while (next < list.length) await deliver(target, list[next++])
    }
    return Promise.all(Array.from({ length: 16 }, worker)) // Segment delivers many events at once
  }
  const variants: Record<Variant, (list: SegmentEvent[]) => Promise<unknown>> = {
    single: (list) => pool(list, destination),
    floor: (list) => pool(list, floor),
    batch: deliverBatch,
    frame: (list) => deliverBatch(list, frame)
  }
  let gcMs = 0
  new PerformanceObserver((list) => list.getEntries().forEach((e) => (gcMs += e.duration))).observe({ type: 'gc' })
  // A true import() in the compiled code (tinybench is an ES module), of the file the CommonJS resolution finds.
  const { Bench } = (await import(require.resolve('tinybench'))) as typeof import('tinybench')
  const measure = async ({ variant, set, chunk }: { variant: Variant; set: EventSet; chunk: number }) => {
    const iterations = variant === 'batch' || variant === 'frame' ? 3 : 1 // batches are short: 3 steady the sample
    const list = events[set].slice(chunk * CHUNK, (chunk + 1) * CHUNK)
    // tinybench on a CPU clock: this process's CPU time, all its threads (garbage collection's too).
    const bench = new Bench({ now: cpuMs, iterations, time: 0, warmup: false, throws: true })
    bench.add(variant, () => variants[variant](list), { async: true })
    const gcBefore = gcMs
    await bench.run()
    await new Promise((resolve) => setImmediate(resolve)) // the last gc entries
    const { totalTime } = bench.tasks[0].result as { totalTime: number }
    return { events: list.length * iterations, cpuMs: totalTime, gcMs: gcMs - gcBefore }
  }
  process.on('message', (command: Parameters<typeof measure>[0]) => {
    const reply = (message: object) => process.send?.(message)
    measure(command).then(reply, (error: Error) => reply({ error: String(error?.stack ?? error) }))
  })
  process.on('disconnect', () => process.exit(0))
  process.send?.({ ready: true })
}

if (require.main === module) {
  const [mode, file, url, arg, variant] = process.argv.slice(2)
  main(mode, file, url, arg, variant).catch((error) => (console.error(error), process.exit(1)))
}
