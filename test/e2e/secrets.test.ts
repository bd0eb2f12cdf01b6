import { readdirSync, readFileSync } from 'fs'
import { join, relative } from 'path'
import { Destination, InvalidAuthenticationError } from '@segment/actions-core'
import type { JSONObject, SegmentEvent } from '@segment/actions-core'
import definition from '../../src'
import { DEV_API_KEY } from '../../dev/constants'
import type { Simulator } from '../../dev/simulator'
import { startServer } from '../../dev/server'
import type { RunningServer } from '../../dev/server'
import { generateTestData } from '../../src/__tests__/__helpers__/test-data'
import { pointedAt } from '../../dev/pointed'
import {
  API_KEY,
  batchSettings,
  presetSettings,
  SecretWatch,
  secretForms,
  STANDARD_KEY,
  startE2eSimulator,
  TEST_KEYS,
  UNKNOWN_KEY,
  waitUntil,
  withoutFiller
} from './helpers'
import type { E2eSimulator } from './helpers'
import { startWire } from './wire'

// The API key never leaves the destination in an error message, a stack, a result, a log line of the
// local server or an answer of it, whatever FullStory does, even when FullStory's own error message
// repeats the key. And no snapshot in the repository holds any key used by the tests.

const ROOT = join(__dirname, '..', '..')
/** A key that HTTP cannot carry in a header (non-Latin-1 letters): sending fails before FullStory. */
const UNSENDABLE_KEY = 'na1.E2E-reliability-ключ-9c4e2a'
const ALL_KEYS = [...TEST_KEYS, UNSENDABLE_KEY, DEV_API_KEY]

let e2e: E2eSimulator
let sim: Simulator

beforeAll(async () => {
  e2e = await startE2eSimulator()
  sim = e2e.sim
})
afterAll(() => e2e.stop())
beforeEach(() => sim.reset())

/** Every fault, with FullStory's error message repeating the API key where it has a message. */
const FAULTS: { fault: string; timeoutMs?: number }[] = [
  ...[400, 401, 403, 404, 409, 422, 429, 500, 502, 503, 504].map((status) => ({
    fault: `${status};code=echo;message=rejected key ${API_KEY} (Basic ${API_KEY})`
  })),
  { fault: '429;retry-after=5' },
  { fault: 'drop' },
  { fault: 'drop-after' },
  { fault: 'latency=150', timeoutMs: 50 }
]

const identify: SegmentEvent = {
  type: 'identify',
  userId: 'secret-user',
  messageId: 'msg-s-1',
  traits: { plan: 'pro' }
}
const track: SegmentEvent = { type: 'track', userId: 'secret-user', event: 'Secret Tested', messageId: 'msg-s-2' }
const page: SegmentEvent = { type: 'page', userId: 'secret-user', name: 'Home', messageId: 'msg-s-3' }

/** Runs `work`, checking whatever it returns or throws. */
async function watched(watch: SecretWatch, where: string, work: () => Promise<unknown>): Promise<void> {
  try {
    watch.check(await work(), where)
  } catch (error) {
    watch.check(error, where)
  }
}

/** Waits for a request the destination gave up on (timeout) to finish in the simulator. */
const settle = () => waitUntil(() => sim.inFlight() === 0, 'the simulator is idle')

describe('the destination, called directly', () => {
  it(`under ${FAULTS.length} faults (FullStory repeating the key) and bad keys: no key in any error, stack or result`, async () => {
    const watch = new SecretWatch(ALL_KEYS)
    let destination = e2e.destination()
    const calls: [string, (apiKey: string) => Promise<unknown>][] = [
      ['identify', (apiKey) => destination.onEvent(identify, presetSettings(apiKey))],
      ['track', (apiKey) => destination.onEvent(track, presetSettings(apiKey))],
      ['page', (apiKey) => destination.onEvent(page, presetSettings(apiKey))],
      ['batch', (apiKey) => destination.onBatch([identify, track, page], batchSettings(apiKey))],
      [
        'delete',
        (apiKey) => destination.onDelete!({ type: 'delete', userId: 'secret-user' } as SegmentEvent, { apiKey })
      ],
      ['testAuthentication', (apiKey) => destination.testAuthentication({ apiKey })]
    ]
    for (const { fault, timeoutMs } of FAULTS) {
      for (const [name, call] of calls) {
        sim.reset()
        sim.faults.always(fault)
        destination = e2e.destination(timeoutMs)
        try {
          await watched(watch, `${name} under ${fault}`, () => call(API_KEY))
        } finally {
          sim.faults.clear()
        }
        await settle()
      }
    }
    for (const apiKey of [UNKNOWN_KEY, STANDARD_KEY, UNSENDABLE_KEY, `${API_KEY}\n`]) {
      for (const [name, call] of calls) await watched(watch, `${name} with another key`, () => call(apiKey))
    }
    expect(watch.checked).toBe((FAULTS.length + 4) * calls.length)
    expect(watch.leaks).toEqual([])
  })

  it('a key HTTP cannot carry, or with spaces or line breaks inside, is refused as invalid before anything is sent, without quoting it; a key pasted with whitespace around it is sent trimmed', async () => {
    const destination = e2e.destination()
    const invalid =
      'The FullStory API key in the destination settings holds characters an API key cannot have (spaces, line ' +
      'breaks or non-ASCII characters). Paste the key again exactly as FullStory shows it (Settings > API Keys).'
    const spaced = `${API_KEY.slice(0, 20)} ${API_KEY.slice(20)}`
    const broken = `${API_KEY.slice(0, 20)}\r\n${API_KEY.slice(20)}`
    for (const apiKey of [UNSENDABLE_KEY, spaced, broken, `\t${spaced}\n`]) {
      const refused = destination.onEvent(track, presetSettings(apiKey))
      await expect(refused).rejects.toBeInstanceOf(InvalidAuthenticationError)
      await expect(refused).rejects.toMatchObject({ status: 401, message: invalid })
      // actions-core's testAuthentication wraps whatever the key test throws in a plain Error
      // (`Credentials are invalid: <status> <message>`; no status here, nothing was sent)
      await expect(destination.testAuthentication({ apiKey })).rejects.toMatchObject({
        name: 'Error',
        message: `Credentials are invalid:  ${invalid}`
      })
    }
    expect(sim.requests()).toEqual([])

    // through a relay that records the header as sent
    const wire = await startWire(sim.url)
    try {
      const relayed = new Destination(pointedAt(definition, { url: wire.url }))
      await relayed.onEvent(track, presetSettings(` ${API_KEY}\r\n`))
      await relayed.testAuthentication({ apiKey: `\n${API_KEY}\t` })
      expect(wire.requests().map((r) => [r.method, r.path, r.status, r.headers.authorization])).toEqual([
        ['POST', '/v2/events', 200, `Basic ${API_KEY}`],
        ['GET', '/me', 200, `Basic ${API_KEY}`]
      ])
    } finally {
      await wire.close()
    }
    expect(sim.events()).toEqual([expect.objectContaining({ name: 'Secret Tested' })])
  })
})

describe('the local server', () => {
  let server: RunningServer
  let quick: RunningServer
  const logLines: string[] = []

  beforeAll(async () => {
    // One attempt per delivery: the faults are the point here, not the server's retries of them.
    const options = { port: 0, fullstoryUrl: sim.url, apiKey: API_KEY, retry: { attempts: 1 } }
    server = await startServer({ ...options, log: (line) => logLines.push(line) })
    // one that gives up on FullStory's answer after 50 ms, for the latency fault
    quick = await startServer({ ...options, timeoutMs: 50, log: (line) => logLines.push(line) })
  })
  afterAll(() => Promise.all([server.close(), quick.close()]))

  let target = () => server
  const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(target().url + path, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: {
        'Content-Type': 'application/json',
        Authorization: `Basic ${Buffer.from('secret-write-key:').toString('base64')}`,
        ...headers
      }
    })
    return `${response.status} ${await response.text()}`
  }

  it(`under the same faults and bad keys: no key in any answer or log line`, async () => {
    const watch = new SecretWatch(ALL_KEYS)
    const requests: [string, (apiKey: string) => Promise<string>][] = [
      ['/v1/identify', () => post('/v1/identify', identify)],
      ['/v1/track', () => post('/v1/track', track)],
      ['/v1/page', () => post('/v1/page', page)],
      ['/v1/batch', () => post('/v1/batch', { batch: [identify, track, page] })],
      ['/identifyUser', (apiKey) => post('/identifyUser', { payload: identify, settings: { apiKey } })],
      [
        '/trackEvent batch',
        (apiKey) =>
          post('/trackEvent', { payload: [track, page], settings: { apiKey }, mapping: { enable_batching: true } })
      ],
      ['/delete', (apiKey) => post('/delete', { payload: { userId: 'secret-user' }, settings: { apiKey } })],
      ['/authenticate', (apiKey) => post('/authenticate', { apiKey })]
    ]
    for (const { fault, timeoutMs } of FAULTS) {
      for (const [name, request] of requests) {
        sim.reset()
        sim.faults.always(fault)
        target = () => (timeoutMs === undefined ? server : quick)
        try {
          watch.check(await request(API_KEY), `${name} under ${fault}`)
        } finally {
          target = () => server
          sim.faults.clear()
        }
        await settle()
      }
    }
    for (const apiKey of [UNKNOWN_KEY, STANDARD_KEY, UNSENDABLE_KEY, `${API_KEY}\n`]) {
      for (const [name, request] of requests) watch.check(await request(apiKey), `${name} with another key`)
    }
    expect(logLines.length).toBeGreaterThan(FAULTS.length * requests.length)
    for (const line of logLines) watch.check(line, `log line ${line}`)
    expect(watch.leaks).toEqual([])
  })
})

/** Every file under `dir` whose path matches `wanted`, skipping node_modules, dist and dot folders. */
function filesUnder(dir: string, wanted: RegExp): string[] {
  const found: string[] = []
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name.startsWith('.')) continue
    const path = join(dir, entry.name)
    if (entry.isDirectory()) found.push(...filesUnder(path, wanted))
    else if (wanted.test(path)) found.push(path)
  }
  return found
}

/** A key a snapshot test generates for its settings, and the string values it generates for the event. */
interface GeneratedKey {
  key: string
  /** `<destinationSlug>#<actionKey>`, the seed of generateTestData. */
  seed: string
  values: Set<string>
}

/** Every string in a generated value (nested objects and lists included). */
function stringsIn(value: unknown, into = new Set<string>()): Set<string> {
  if (typeof value === 'string') into.add(value)
  else if (typeof value === 'object' && value !== null) for (const item of Object.values(value)) stringsIn(item, into)
  return into
}

/**
 * The keys the tests use: those above and every key literal in a test file (`apiKey = '...'`,
 * `SOME_KEY: '...'`); and, apart, the API keys the snapshot tests generate for their settings, with
 * the values generated for the event beside them.
 */
function keysUsedByTests(): { keys: string[]; generated: GeneratedKey[] } {
  const keys = new Set<string>(ALL_KEYS)
  const generated: GeneratedKey[] = []
  const testFiles = filesUnder(ROOT, /(\.test\.ts|[/\\]helpers\.ts|[/\\]constants\.ts)$/)
  for (const file of testFiles) {
    for (const match of readFileSync(file, 'utf8').matchAll(/\b(?:apiKey|[A-Z_]*KEY)\s*[:=]\s*'([^'\s$]{6,})'/g)) {
      keys.add(match[1])
    }
  }
  for (const file of testFiles.filter((f) => f.endsWith('snapshot.test.ts'))) {
    const text = readFileSync(file, 'utf8')
    const slug = /destinationSlug = '([^']+)'/.exec(text)?.[1]
    const actionSlug = /actionSlug = '([^']+)'/.exec(text)?.[1]
    if (!slug) continue
    for (const action of actionSlug ? [actionSlug] : Object.keys(definition.actions)) {
      const seed = `${slug}#${action}`
      const values = new Set<string>()
      let key = ''
      for (const requiredOnly of [true, false]) {
        const [event, settings] = generateTestData(seed, definition, definition.actions[action], requiredOnly) as [
          JSONObject,
          JSONObject
        ]
        stringsIn(event, values)
        key = String(settings.apiKey)
      }
      generated.push({ key, seed, values })
    }
  }
  return { keys: [...keys], generated }
}

/** A string as jest's snapshots print it (escapeString: `"` and `\\` escaped), between quotes. */
const printed = (text: string) => `"${text.replace(/[\\"]/g, '\\$&')}"`

/** A property name under which a snapshot would hold a credential (a header or a setting). */
const CREDENTIAL_NAME = /authorization|api[-_]?key|token|secret|password/i

describe('snapshots', () => {
  it('no __snapshots__/*.snap file in the repository holds a key used by the tests or the dev key', () => {
    const snapshots = filesUnder(ROOT, /[/\\]__snapshots__[/\\][^/\\]+\.snap$/)
    expect(snapshots.length).toBeGreaterThanOrEqual(3)
    const { keys, generated } = keysUsedByTests()
    expect(keys).toEqual(expect.arrayContaining([API_KEY, DEV_API_KEY, 'na1.test-key-0123456789abcdef']))
    expect(generated.length).toBeGreaterThanOrEqual(4)
    expect(keys.length + generated.length).toBeGreaterThan(ALL_KEYS.length + 4)
    // The snapshot tests are the monorepo CLI's template, and generateTestData gives each value from a
    // fresh Chance(seed), the settings' API key included: the generated key is, by construction, the
    // very string every plain string field of that seed gets (User ID, Display Name, Event Name...). A
    // snapshot of the body sent therefore holds it as that data, not as a key. So a generated key that
    // is also generated event data may appear as a whole string value, under a property that is not a
    // credential; anywhere else (inside a longer text such as `Basic <key>`, in a header or a setting
    // such as `authorization` or `apiKey`), and any key written by hand anywhere, is a leak.
    const coinciding = generated.filter(({ key, values }) => values.has(key))
    const found: string[] = []
    for (const file of snapshots) {
      const text = readFileSync(file, 'utf8')
      const where = relative(ROOT, file)
      for (const key of [...keys, ...generated.filter((g) => !coinciding.includes(g)).map((g) => g.key)]) {
        if (text.includes(key)) found.push(`${where}: ${key}`)
      }
      for (const { key, seed } of coinciding) {
        let rest = text
        for (const [line, property, value] of text.matchAll(/^\s*"([^"\n]+)": (".*"),?$/gm)) {
          if (value === printed(key) && !CREDENTIAL_NAME.test(property)) rest = rest.replace(line, '')
        }
        if (rest.includes(key)) found.push(`${where}: ${key} (generated for ${seed}) outside its generated data`)
      }
    }
    expect(found).toEqual([])
  })
})

describe('FullStory answers that hold the key or pieces of it', () => {
  // Not only the whole key: no piece of it 8 characters long, in any form it may be echoed in
  // (as sent, percent-encoded, base64 at any alignment, hex; spread out by whitespace or invisible
  // characters), may reach an error's message, code or stack, a result, the local server's answer or
  // its log (src/api/errors.ts redacts every quoted FullStory text before cutting it to length).
  const PIECE = 8
  const pieces = secretForms(API_KEY).flatMap((form) =>
    Array.from({ length: form.length - PIECE + 1 }, (_, at) => form.slice(at, at + PIECE))
  )
  const leaks: string[] = []
  let checked = 0
  // its own simulator, so that nothing left running by an earlier test can touch its faults
  let own: E2eSimulator
  let sim: Simulator
  beforeAll(async () => {
    own = await startE2eSimulator()
    sim = own.sim
  })
  afterAll(() => own.stop())
  const check = (value: unknown, where: string) => {
    checked++
    const texts = SecretWatch.texts(value).flatMap((text) => [text, withoutFiller(text)])
    const piece = pieces.find((p) => texts.some((text) => text.includes(p)))
    if (piece) leaks.push(`${where}: ${piece.length} characters of the key`)
  }

  const tail = 'z'.repeat(200)
  const ANSWERS = [
    `400;code=${API_KEY};message=bad request`,
    `403;code=forbidden_${API_KEY};message=no`,
    `404;code=${API_KEY.slice(0, 20)};message=not found`,
    `422;code=x;message=${'x'.repeat(480)} ${API_KEY} ${tail}`,
    `400;code=invalid_argument;message=${'x'.repeat(490)}${API_KEY}${tail}`,
    `500;code=server_error;message=pieces ${API_KEY.slice(4, 16)} and ${API_KEY.slice(-10)} and ${API_KEY.slice(
      9,
      17
    )}`,
    `503;code=${API_KEY.slice(-12)};message=${'y'.repeat(600)}`,
    // the encoded and spread-out forms
    `401;code=unauthorized;message=bad header Basic ${Buffer.from(`user:${API_KEY}`).toString('base64')}`,
    `400;code=invalid_argument;message=key ${Buffer.from(API_KEY).toString('hex')} refused`,
    `502;code=bad_gateway;message=key ${Buffer.from(API_KEY).toString('hex').toUpperCase()}`,
    `400;code=invalid_argument;message=the key "${[...API_KEY].join('\u200b')}" is unknown`,
    `500;code=server_error;message=the key\n  ${API_KEY.slice(0, 21)}\n  ${API_KEY.slice(21)}\n`
  ]

  it(`${ANSWERS.length} such answers, directly: no piece in any error field or result`, async () => {
    const destination = own.destination()
    const calls: [string, () => Promise<unknown>][] = [
      ['identify', () => destination.onEvent(identify, presetSettings(API_KEY))],
      ['track', () => destination.onEvent(track, presetSettings(API_KEY))],
      ['batch', () => destination.onBatch([identify, track], batchSettings(API_KEY))],
      [
        'delete',
        () => destination.onDelete!({ type: 'delete', userId: 'secret-user' } as SegmentEvent, { apiKey: API_KEY })
      ],
      ['testAuthentication', () => destination.testAuthentication({ apiKey: API_KEY })]
    ]
    let failed = 0
    for (const answer of ANSWERS) {
      for (const [name, call] of calls) {
        sim.reset()
        sim.faults.always(answer)
        try {
          const result = await call()
          check(result, `${name} result under ${answer.slice(0, 20)}`)
          if (JSON.stringify(result).includes('"status":4') || JSON.stringify(result).includes('"status":5')) failed++
        } catch (error) {
          failed++
          check(error, `${name} error under ${answer.slice(0, 20)}`)
          const { code } = error as { code?: unknown }
          if (typeof code === 'string') expect(code).not.toContain(API_KEY.slice(0, PIECE))
        } finally {
          sim.faults.clear()
        }
      }
    }
    // every call met the fault: none of them passed unchecked
    expect(failed).toBe(ANSWERS.length * calls.length)
    expect(checked).toBe(ANSWERS.length * calls.length)
    expect(leaks).toEqual([])
  })

  it('through the local server: no piece in its answers or its log', async () => {
    const lines: string[] = []
    const server = await startServer({
      port: 0,
      fullstoryUrl: sim.url,
      apiKey: API_KEY,
      retry: { attempts: 1 },
      log: (line) => lines.push(line)
    })
    try {
      const post = async (path: string, body: unknown) => {
        const response = await fetch(server.url + path, {
          method: 'POST',
          body: JSON.stringify(body),
          headers: {
            'Content-Type': 'application/json',
            Authorization: `Basic ${Buffer.from('secret-write-key:').toString('base64')}`
          }
        })
        return { status: response.status, text: await response.text() }
      }
      for (const answer of ANSWERS) {
        sim.reset()
        sim.faults.always(answer)
        try {
          for (const [path, body] of [
            ['/v1/track', track],
            ['/identifyUser', { payload: identify, settings: { apiKey: API_KEY } }],
            ['/delete', { payload: { userId: 'secret-user' }, settings: { apiKey: API_KEY } }],
            ['/authenticate', { apiKey: API_KEY }]
          ] as const) {
            const { status, text } = await post(path, body)
            // the fault was met: the answer (an error status, the serve routes' 200 with the error, or
            // /authenticate's `ok: false`) says so
            const met = status >= 400 || /"statusCode":(4|5)\d\d/.test(text) || /"ok":false/.test(text)
            expect({ path, met }).toEqual({ path, met: true })
            check(text, `local server ${path} under ${answer.slice(0, 20)}`)
          }
        } finally {
          sim.faults.clear()
        }
      }
    } finally {
      await server.close()
    }
    expect(lines.length).toBeGreaterThan(0)
    for (const line of lines) check(line, `log line ${line.slice(0, 60)}`)
    expect(leaks).toEqual([])
  })
})
