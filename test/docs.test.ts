import { readFileSync, readdirSync } from 'fs'
import path from 'path'
import nock from 'nock'
import { Destination } from '@segment/actions-core'
import type { JSONObject, SegmentEvent } from '@segment/actions-core'
import definition from '../src'
import { eventName } from '../src/api/events'

/** The user guide stays true to the code: every field, every error and every command it names. */

const ROOT = path.resolve(__dirname, '..')
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8')

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name)
    if (entry.isDirectory()) return entry.name === '__tests__' ? [] : sourceFiles(file)
    return file.endsWith('.ts') && !/(generated-types|\.types)\.ts$/.test(file) ? [file] : []
  })
}

/** The fixed text a message starts with: its first string literal, up to the first interpolation. */
function leadingText(call: string): string {
  const literal = /(['`])((?:\\.|(?!\1).)*?)(\$\{|\1)/s.exec(call)
  return (literal?.[2] ?? '').replace(/\\'/g, "'").trim()
}

describe('docs/fields.md', () => {
  const fields = read('docs/fields.md')
  const labels = [
    ...Object.values(definition.authentication?.fields ?? {}).map((field) => field.label),
    ...Object.values(definition.actions).flatMap((action) => [
      action.title,
      ...Object.values(action.fields).map((field) => field.label)
    ])
  ]

  it.each(labels)('names "%s"', (label) => {
    expect(fields).toContain(label)
  })
})

describe('docs/fields.md links every action field to its rules in docs/rules.md', () => {
  const fields = read('docs/fields.md')
  const anchors = new Set(
    [...read('docs/rules.md').matchAll(/^## (.+)$/gm)].map((match) =>
      match[1]
        .toLowerCase()
        .replace(/[^\w\s-]/g, '')
        .replace(/\s/g, '-')
    )
  )
  const rows = Object.entries(definition.actions).flatMap(([actionKey, action]) =>
    Object.keys(action.fields).map((key) => [actionKey, key] as const)
  )

  it.each(rows)('%s.%s', (_action, key) => {
    const row = fields.split('\n').find((line) => line.startsWith(`| \`${key}\` |`))
    const anchor = /\[rules\]\(rules\.md#([\w-]+)\)/.exec(row ?? '')?.[1]
    expect(anchor).toBeDefined()
    expect(anchors).toContain(anchor)
  })
})

describe('docs/migrating.md shows every action key and field key', () => {
  const migrating = read('docs/migrating.md')
  const keys = Object.entries(definition.actions).flatMap(([actionKey, action]) => [
    actionKey,
    ...Object.keys(action.fields)
  ])

  it.each([...new Set(keys)])('`%s`', (key) => {
    expect(migrating).toContain(`\`${key}\``)
  })
})

describe('the repository stands alone', () => {
  // The team's working notes live outside the repository; nothing in it may send a reader there.
  const outside =
    /(^|[^/A-Za-z-])(design|fullstory-api|actions-framework|published-destination)\.md|\.\.\/shared|\/work\/shared/
  const skipped = new Set(['node_modules', 'dist', 'coverage', '.git'])
  function files(dir: string): string[] {
    return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
      const file = path.join(dir, entry.name)
      if (entry.isDirectory()) return skipped.has(entry.name) ? [] : files(file)
      return entry.name === 'package-lock.json' ? [] : [file]
    })
  }
  const all = files('.')

  it('finds the files to check', () => {
    expect(all.length).toBeGreaterThan(50)
  })

  it('no file refers to notes outside it', () => {
    const referring = all.filter((file) => outside.test(read(file)))
    expect(referring).toEqual([])
  })
})

describe('docs/troubleshooting.md covers every error the destination raises', () => {
  const guide = read('docs/troubleshooting.md').replace(/`/g, '')
  const errors = read('src/api/errors.ts')

  const classes = [...new Set([...errors.matchAll(/new (\w+Error)\(/g)].map((match) => match[1]))]
  it.each(classes)('the class %s', (name) => {
    expect(guide).toContain(name)
  })

  const throwSites = sourceFiles('src').flatMap((file) =>
    [
      ...read(file).matchAll(
        /new (PayloadValidationError|InvalidAuthenticationError|IntegrationError|RetryableError|APIError)\(\s*([^]*?)\)\s*$/gm
      )
    ]
      .map((match) => leadingText(match[2]))
      .filter((text) => text.length > 0)
      .map((text) => [file, text.slice(0, 40)] as const)
  )

  it('finds the messages to check', () => {
    expect(throwSites.length).toBeGreaterThanOrEqual(12)
  })

  it.each(throwSites)('%s: "%s"', (_file, text) => {
    // The guide quotes how each message starts; a message built from parts starts with its parts.
    const start = text.split(/\s+/).slice(0, 4).join(' ')
    expect(guide).toContain(start)
  })
})

describe('README.md', () => {
  const readme = read('README.md')
  const scripts = JSON.parse(read('package.json')).scripts as Record<string, string>

  it('starts with the set-up-and-start and the test commands', () => {
    const firstBlock = /```sh\n([^]*?)```/.exec(readme)?.[1] ?? ''
    expect(firstBlock).toContain('npm install && npm start')
    expect(firstBlock).toContain('npm test')
  })

  it.each([...new Set([...readme.matchAll(/npm run ([\w:]+)/g)].map((match) => match[1]))])(
    'npm run %s exists',
    (script) => {
      expect(scripts[script]).toBeDefined()
    }
  )
})

describe('the claims that once drifted from the code', () => {
  it('docs/rules.md: an event name is cut to its first 250 characters, counted as code points', () => {
    const limit = Number(
      /longer than (\d+) characters[^]*?cut to its first \1 characters, counted as code points/.exec(
        read('docs/rules.md')
      )?.[1]
    )
    expect(limit).toBe(250)
    expect(eventName('😀'.repeat(limit + 50))).toBe('😀'.repeat(limit))
  })

  it('README.md: an Idempotency-Key for each delivery that has a message ID, not for every request', async () => {
    const readme = read('README.md')
    expect(readme).not.toMatch(/every request carries an `Idempotency-Key`/)
    expect(readme).toMatch(/each user and event sent with its Segment message ID[^]*carries an `Idempotency-Key`/)
    const keys: (string | undefined)[] = []
    const answer = function (this: nock.ReplyFnContext): nock.ReplyFnResult {
      keys.push(this.req.headers['idempotency-key'] as string | undefined)
      return [200, {}]
    }
    nock('https://api.fullstory.com')
      .persist()
      .post(/.*/)
      .reply(answer)
      .get(/.*/)
      .reply(answer)
      .delete(/.*/)
      .reply(answer)
    const destination = new Destination(definition)
    const track = { type: 'track', event: 'E', userId: 'u', messageId: 'm-1' } as SegmentEvent
    const preset = definition.presets?.find((p) => p.partnerAction === 'trackEvent')
    const mapping = (preset as { mapping: JSONObject }).mapping
    const subscription = (map: JSONObject) => ({
      apiKey: 'k',
      subscriptions: [{ subscribe: 'type = "track"', partnerAction: 'trackEvent', mapping: map }]
    })
    await destination.onEvent(track, subscription(mapping) as unknown as JSONObject)
    await destination.onEvent(track, subscription({ ...mapping, idempotencyKey: '' }) as unknown as JSONObject)
    await destination.testAuthentication({ apiKey: 'k' })
    await destination.onDelete?.({ type: 'delete', userId: 'u' } as SegmentEvent, { apiKey: 'k' })
    expect(keys.map((key) => key !== undefined)).toEqual([true, false, false, false])
  })
})
