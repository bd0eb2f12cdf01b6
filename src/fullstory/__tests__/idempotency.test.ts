import { createHash } from 'crypto'
import { idempotencyHeaderValue, MAX_PLAIN_KEY_LENGTH } from '../idempotency'

const sha = (key: string) => `sha256-${createHash('sha256').update(key, 'utf8').digest('hex')}`

describe('idempotencyHeaderValue', () => {
  it.each(['ajs-next-1714567890-abc', 'api-3f2a9c1e-0b7d-4e8a-9f21-7c5d3b1a0e44', 'k', '~!@#$%^&*()'])(
    'sends a key of visible ASCII as it is: %s',
    (key) => {
      expect(idempotencyHeaderValue(key)).toBe(key)
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
    ['the word actions-core reads as "remove this header"', 'undefined'],
    ['a key over 255 characters', 'k'.repeat(MAX_PLAIN_KEY_LENGTH + 1)]
  ])('sends the SHA-256 of a key with %s, the same every time', (_what, key) => {
    const value = idempotencyHeaderValue(key)
    expect(value).toBe(sha(key))
    expect(value).toMatch(/^sha256-[0-9a-f]{64}$/)
    expect(idempotencyHeaderValue(key)).toBe(value)
  })

  it('keeps distinct keys distinct', () => {
    expect(idempotencyHeaderValue('名字')).not.toBe(idempotencyHeaderValue('名前'))
    expect(idempotencyHeaderValue(' msg-1')).not.toBe(idempotencyHeaderValue('msg-1'))
  })
})
