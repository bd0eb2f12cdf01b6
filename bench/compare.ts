import { resolve } from 'path'
import { buildersAlone, capturePayloads, type CapturedPayload } from './builders'
import { builtDefinition, DIST, loadBuilt, presetSubscriptions } from './destination'
import { generateEvents, sixtyKeyTraits } from './events'
import { cpuPerItem, median, perSecond, type Measurement } from './measure'
import { propertiesAlone } from './phases'

/**
 * Before/after figures for an optimisation, in one process: our code alone (the properties module on
 * the 60-key traits, and the row builders on the bench's mapped payloads) from two builds, run in
 * alternation so both meet the same machine conditions. First it checks that both builds make the
 * same request, byte for byte, from every one of the bench's payloads.
 *
 *   cp -r dist /tmp/before/dist && ln -s "$PWD/node_modules" /tmp/before/node_modules
 *   ...change src/, npm run build...
 *   node --expose-gc -r ts-node/register/transpile-only bench/compare.ts /tmp/before/dist [dist]
 */

const ROUNDS = 5

interface Builders {
  buildUserRequest(payload: unknown): unknown
  buildEventRequest(payload: unknown): unknown
}

/** Payloads whose request (its JSON, byte for byte) differs between the two builds: must be none. */
function differingBodies(payloads: CapturedPayload[], before: string, after: string): number {
  const json = (dist: string, { action, payload }: CapturedPayload) => {
    const { buildUserRequest } = loadBuilt<Builders>('fullstory/users.js', dist)
    const { buildEventRequest } = loadBuilt<Builders>('fullstory/events.js', dist)
    return JSON.stringify(action === 'identifyUser' ? buildUserRequest(payload) : buildEventRequest(payload))
  }
  return payloads.filter((payload) => json(before, payload) !== json(after, payload)).length
}

async function main(): Promise<void> {
  const [before, after = DIST] = process.argv.slice(2).map((dir) => resolve(dir))
  if (!before) throw new Error('usage: bench/compare.ts <dist before> [<dist after>]')
  const builds = { before, after }
  const events = generateEvents()
  const definition = builtDefinition(after)
  const payloads = await capturePayloads(definition, events, presetSubscriptions(definition))
  const traits = sixtyKeyTraits()
  const differing = differingBodies(payloads, before, after)
  if (differing > 0) throw new Error(`${differing} of ${payloads.length} payloads build different requests`)

  const results: Record<string, { properties: Measurement[]; builders: Measurement[] }> = {
    before: { properties: [], builders: [] },
    after: { properties: [], builders: [] }
  }
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 ? (['after', 'before'] as const) : (['before', 'after'] as const)
    for (const name of order) {
      results[name].properties.push(await propertiesAlone(traits, 700, builds[name]))
      results[name].builders.push(await buildersAlone(payloads, 2, builds[name]))
    }
  }
  const figure = (name: string) => ({
    properties: median(results[name].properties.map((m) => 1e6 / perSecond(m))),
    builders: median(results[name].builders.map(cpuPerItem))
  })
  const [b, a] = [figure('before'), figure('after')]
  const line = (label: string, x: number, y: number) =>
    `${label.padEnd(44)} ${x.toFixed(2).padStart(8)} -> ${y.toFixed(2).padStart(8)} µs  (${(
      ((y - x) / x) *
      100
    ).toFixed(0)}%)`
  process.stdout.write(
    [
      `before ${before}`,
      `after  ${after}`,
      line('normalizeProperties, 60-key traits, per object', b.properties, a.properties),
      line('row builders on the mapped payloads, per event', b.builders, a.builders)
    ].join('\n') + '\n'
  )
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
