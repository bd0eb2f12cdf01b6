import { deliveryKey, jobKey, keyedBody, MAX_KEY_LENGTH, messageKey } from '../idempotency'
import { expectedDeliveryKey, expectedJobKey } from '../../__tests__/__helpers__/expected-keys'

const body = '{"name":"Order Completed","user":{"uid":"u-1"}}'

describe('deliveryKey', () => {
  it.each(['ajs-next-1714567890-abc', 'api-3f2a9c1e-0b7d-4e8a-9f21-7c5d3b1a0e44', 'k', '~!@#$%^&*()'])(
    'keeps a message key of visible ASCII readable, scoped to endpoint and body: %s',
    (key) => {
      const value = deliveryKey(key, '/v2/events', body)
      expect(value).toBe(expectedDeliveryKey(key, '/v2/events', body))
      expect(value).toMatch(new RegExp(`^${key.replace(/[^\w-]/g, '\\$&')}:[0-9a-f]{32}$`))
    }
  )

  it.each([
    ['a non-ASCII letter', 'ﬁ'],
    ['CJK', '名字'],
    ['an emoji', 'msg-😀'],
    ['a lone surrogate', 'msg-\ud83d'],
    ['a space inside', 'msg 1'],
    ['spaces around', ' msg-1 '],
    ['a line break', 'msg-1\n'],
    ['a NUL', 'a\u0000b'],
    ['a key too long to carry its scope', 'k'.repeat(MAX_KEY_LENGTH - 32)]
  ])('folds a message key with %s into a SHA-256, the same every time', (_what, key) => {
    const value = deliveryKey(key, '/v2/users', body)
    expect(value).toBe(expectedDeliveryKey(key, '/v2/users', body))
    expect(value).toMatch(/^sha256-[0-9a-f]{64}$/)
    expect(deliveryKey(key, '/v2/users', body)).toBe(value)
  })

  it('sends keys within the header limit, the longest readable key included', () => {
    const longest = 'k'.repeat(MAX_KEY_LENGTH - 33)
    expect(deliveryKey(longest, '/v2/events', body)).toHaveLength(MAX_KEY_LENGTH)
    expect(deliveryKey(longest, '/v2/events', body).startsWith(`${longest}:`)).toBe(true)
  })

  it('gives one message two keys for two bodies or two endpoints, and one key for one request', () => {
    const other = '{"name":"Order Completed","session":{"id":"1:2"}}'
    expect(deliveryKey('m-1', '/v2/events', body)).toBe(deliveryKey('m-1', '/v2/events', body))
    expect(deliveryKey('m-1', '/v2/events', body)).not.toBe(deliveryKey('m-1', '/v2/events', other))
    expect(deliveryKey('m-1', '/v2/events', body)).not.toBe(deliveryKey('m-1', '/v2/users', body))
    expect(deliveryKey('m-1', '/v2/events', body)).not.toBe(deliveryKey('m-2', '/v2/events', body))
    expect(deliveryKey('名字', '/v2/events', body)).not.toBe(deliveryKey('名前', '/v2/events', body))
  })
})

describe('keyedBody', () => {
  // Non-ASCII text in the body: its bytes must be the UTF-8 of the text, however the key is formed.
  const text = '{"name":"Größe 名字 😀","user":{"uid":"u-1"}}'

  it.each([
    ['a readable key', 'm-1'],
    ['a key folded into the digest', 'msg 1 名字'],
    ['no key', undefined]
  ])('sends exactly the UTF-8 of the body, with %s', (_what, key) => {
    const { body, idempotencyKey } = keyedBody(key, '/v2/events', text)
    expect(Buffer.compare(body, Buffer.from(text, 'utf8'))).toBe(0)
    expect(body.toString('utf8')).toBe(text)
    expect(idempotencyKey).toBe(key === undefined ? undefined : expectedDeliveryKey(key, '/v2/events', text))
  })
})

describe('messageKey', () => {
  it('takes a non-empty value, blanks included, and nothing else', () => {
    expect(messageKey('m-1')).toBe('m-1')
    expect(messageKey('  ')).toBe('  ')
    expect(messageKey('')).toBeUndefined()
    expect(messageKey(undefined)).toBeUndefined()
    expect(messageKey(null)).toBeUndefined()
  })
})

describe('jobKey', () => {
  it('digests the kind and the row keys in order', () => {
    expect(jobKey('events', ['a', 'b'])).toBe(expectedJobKey('events', ['a', 'b']))
    expect(jobKey('events', ['a', 'b'])).not.toBe(jobKey('events', ['b', 'a']))
    expect(jobKey('events', ['a'])).not.toBe(jobKey('users', ['a']))
  })
})

describe('on a Node without crypto.hash (before 20.12; the monorepo still runs Node 18)', () => {
  it('makes the same keys through a Hash object', () => {
    const actual = jest.requireActual<typeof import('crypto')>('crypto')
    const createHash = jest.fn(actual.createHash)
    let older: typeof import('../idempotency') | undefined
    jest.isolateModules(() => {
      jest.doMock('crypto', () => ({ ...actual, hash: undefined, createHash }))
      older = jest.requireActual<typeof import('../idempotency')>('../idempotency')
    })
    const key = 'ajs-next-1714567890-abc'
    expect(older?.deliveryKey(key, '/v2/events', body)).toBe(expectedDeliveryKey(key, '/v2/events', body))
    expect(older?.keyedBody('名字', '/v2/users', body)).toEqual(keyedBody('名字', '/v2/users', body))
    expect(older?.jobKey('events', ['a', 'b'])).toBe(expectedJobKey('events', ['a', 'b']))
    expect(createHash).toHaveBeenCalledTimes(3)
  })
})
