import { AsyncLocalStorage } from 'async_hooks'
import { readFileSync } from 'fs'
import { join, resolve } from 'path'
import { inspect } from 'util'
import fc from 'fast-check'
import type { JSONObject, RequestClient, SegmentEvent } from '@segment/actions-core'
import { pointedAt } from '../dev/pointed'
import { FULLSTORY_API_URL } from '../src/api/client'
import { publishedSubscriptions } from '../src/__tests__/__helpers__/published-subscriptions'
import { segmentBatch, segmentEvent } from '../test/e2e/segment-events'
import { benchEvents, EVENT_SETS } from './events'
import { startStandIn } from './stand-in'
import type { Captured } from './stand-in'
import { loadSide, presets, withRuns } from './worker'

/**
 * The gate for a change of src/: `npm run bench:gate -- <old dist> [new dist]` sends the same cases
 * through both builds and lists every difference in what reaches FullStory (method and path, headers
 * as a set, bodies byte for byte) and in what the destination answers Segment. Cases: the bench's
 * events (single: every 5th, or all with GATE_FULL=1; batches: all), hostile events and batches
 * (test/e2e/segment-events.ts, fixed seeds), and both kinds of events through each subscription saved
 * against the published destination. Exit status 0: no difference; 1: differences; 2: it failed.
 */

const STEP = process.env.GATE_FULL ? 1 : 5
const SHOWN = Number(process.env.GATE_SHOW) || 20
const recipe = JSON.parse(
  /```json\n([^]*?)```/.exec(readFileSync(join(__dirname, '..', 'docs', 'page-calls.md'), 'utf8'))?.[1] ?? '{}'
) as JSONObject

/** A corpus, one case's events, whether they go as one batch, and the saved subscription if any. */
type Case = [string, SegmentEvent[], boolean, JSONObject?]

function cases(): Case[] {
  const realistic = EVENT_SETS.flatMap((set) => benchEvents(set))
  const hostile = fc.sample(segmentEvent, { seed: 7, numRuns: 1000 })
  const chunks = Array.from({ length: realistic.length / 1000 }, (_, i) => realistic.slice(i * 1000, i * 1000 + 1000))
  const saved = publishedSubscriptions.flatMap(({ name, ...subscription }): Case[] => {
    const typed = (list: SegmentEvent[]) => list.filter((e) => subscription.subscribe.includes(`"${e.type}"`))
    const events = [...typed(realistic).slice(0, 100), ...typed(hostile)]
    return events.map((e) => [`saved: ${name}`, [e], false, subscription])
  })
  return [
    ...realistic.filter((_, i) => i % STEP === 0).map((e): Case => ['realistic, single', [e], false]),
    ...chunks.map((events): Case => ['realistic, batch', events, true]),
    ...hostile.map((e): Case => ['hostile, single', [e], false]),
    ...fc.sample(segmentBatch, { seed: 11, numRuns: 100 }).map((events): Case => ['hostile, batch', events, true]),
    ...saved
  ]
}

/** The running case's key: its requests go to `/~<key>/...` at the stand-in, so that cases run at once. */
const running = new AsyncLocalStorage<string>()

function load(dist: string, url: string) {
  const { Destination, definition } = loadSide(join(resolve(dist), 'index.js'))
  const keyed = withRuns(definition, (run) => (request, data) => {
    const to = (target: string) => target.replace(FULLSTORY_API_URL, `${FULLSTORY_API_URL}/~${running.getStore()}`)
    return run(((target: string, options: object) => request(to(target), options)) as RequestClient, data)
  })
  return { destination: new Destination(pointedAt(keyed, { url })), subscriptions: [...presets(definition), recipe] }
}

/** What the build answered Segment: each result's output or error, or each batch entry (its row aside). */
async function answer({ destination, subscriptions }: ReturnType<typeof load>, [, events, batch, saved]: Case) {
  const extra = batch ? { enable_batching: true } : {}
  const subs = (saved ? [saved] : subscriptions).map((s) => ({ ...s, mapping: { ...(s.mapping as object), ...extra } }))
  const settings = { apiKey: 'na1.bench-gate-key', subscriptions: subs } as unknown as JSONObject
  try {
    const out = await (batch ? destination.onBatch(events, settings) : destination.onEvent(events[0], settings))
    const strip = (list: JSONObject[]) => list.map(({ sent: _sent, errorreporter: _reporter, ...entry }) => entry)
    return JSON.stringify(out.map((r) => (r.multistatus ? strip(r.multistatus as JSONObject[]) : [r.output, r.error])))
  } catch (error) {
    const { name, message, status } = error as { name: string; message: string; status?: number }
    return `${name} (${status ?? '-'}): ${message}`
  } finally {
    destination.responses.length = 0
  }
}

/** The differences between two builds' requests and answers in one case, in words. */
function differences(old: Captured[], now: Captured[], answers: string[]): string[] {
  const out: string[] = []
  const bytes = (what: string, a: Buffer, b: Buffer) => {
    let k = 0
    while (k < a.length && a[k] === b[k]) k++
    const near = (x: Buffer) => inspect(x.subarray(Math.max(0, k - 40), k + 60).toString('utf8'))
    if (!a.equals(b)) out.push(`${what} differ from byte ${k} (${a.length} bytes old, ${b.length} new):`)
    if (!a.equals(b)) out.push(`    old ${near(a)}`, `    new ${near(b)}`)
  }
  if (old.length !== now.length) out.push(`${old.length} requests from old, ${now.length} from new`)
  old.slice(0, now.length).forEach((a, i) => {
    const b = now[i]
    const at = `request ${i + 1} (${a.method} ${a.path})`
    if (a.method !== b.method || a.path !== b.path) out.push(`${at}: new sends ${b.method} ${b.path}`)
    // Headers as a set: the order of different field names has no meaning (RFC 9110, section 5.3).
    const unmatched = (x: Captured, y: Captured) => {
      const rest = y.headers.map((header) => header.join(': '))
      return x.headers.map((h) => h.join(': ')).filter((h) => !rest.includes(h) || !rest.splice(rest.indexOf(h), 1))
    }
    for (const header of unmatched(a, b)) out.push(`${at}: header only in old: ${header.slice(0, 200)}`)
    for (const header of unmatched(b, a)) out.push(`${at}: header only in new: ${header.slice(0, 200)}`)
    bytes(`${at}: bodies`, a.body, b.body)
  })
  bytes('answers to Segment', Buffer.from(answers[0]), Buffer.from(answers[1]))
  return out
}

async function main(): Promise<void> {
  const [oldDist, newDist = join(__dirname, '..', 'dist')] = process.argv.slice(2)
  if (!oldDist) throw new Error('usage: npm run bench:gate -- <old dist> [new dist]')
  const started = Date.now()
  const standIn = await startStandIn()
  const builds = [load(oldDist, standIn.url), load(newDist, standIn.url)]
  const all = cases()
  const found: string[][] = []
  const corpora = new Map<string, number[]>()
  let next = 0
  const worker = async () => {
    for (let i = next++; i < all.length; i = next++) {
      const answers = await Promise.all(builds.map((build, k) => running.run(`${k}.${i}`, () => answer(build, all[i]))))
      const [old, now] = [standIn.take(`0.${i}`), standIn.take(`1.${i}`)]
      found[i] = differences(old, now, answers)
      const [cases = 0, requests = 0, differ = 0] = corpora.get(all[i][0]) ?? []
      corpora.set(all[i][0], [cases + 1, requests + old.length, differ + Math.sign(found[i].length)])
    }
  }
  await Promise.all(Array.from({ length: 16 }, worker))
  await standIn.close()
  console.log(`old ${resolve(oldDist)}\nnew ${resolve(newDist)}`)
  for (const [corpus, [cases, requests, differ]] of corpora) {
    console.log(`${differ ? `DIFFERS in ${differ} cases:` : 'same:'} ${corpus} (${cases} cases, ${requests} requests)`)
  }
  // Each distinct list of differences once, with the first case that shows it and how many more do.
  const groups = new Map<string, number[]>()
  for (const [i, lines] of found.entries())
    if (lines.length) groups.set(lines.join('\n'), [...(groups.get(lines.join('\n')) ?? []), i])
  for (const [lines, [i, ...more]] of [...groups].slice(0, SHOWN)) {
    const [corpus, events] = all[i]
    const which =
      events.length > 1 ? `a batch of ${events.length}` : `${events[0].type} ${inspect(events[0].messageId)}`
    console.log(`\n${corpus}, ${which}${more.length ? ` (and ${more.length} more cases alike)` : ''}:`)
    console.log(lines.replace(/^(?! )/gm, '  - '))
  }
  if (groups.size > SHOWN) console.log(`\n... and ${groups.size - SHOWN} more kinds of difference (GATE_SHOW=n)`)
  const differ = found.filter((lines) => lines.length).length
  const [seconds, verdict] = [((Date.now() - started) / 1000).toFixed(1), differ ? `${differ} of` : 'no differences in']
  console.log(`\n${verdict} ${all.length} cases${differ ? ' differ' : ''} (${seconds} s)`)
  process.exitCode = differ ? 1 : 0
}

main().catch((error) => {
  console.error(error)
  process.exit(2)
})
