import { InvalidAuthenticationError } from '@segment/actions-core'
import { headers, sendableApiKey } from '../client'

const KEY = 'na1.api-key-test-6b0e2c'

describe('sendableApiKey', () => {
  it.each([KEY, ` ${KEY}`, `${KEY}\n`, `\t${KEY}\r\n`])(
    'sends %j as the key, without surrounding whitespace',
    (key) => {
      expect(sendableApiKey(key)).toBe(KEY)
      expect(headers(key).Authorization).toBe(`Basic ${KEY}`)
    }
  )

  it.each([
    ['a space inside', 'na1.abc def'],
    ['a line break inside', 'na1.abc\ndef'],
    ['a non-ASCII letter', 'na1.ключ'],
    ['only spaces', '   '],
    ['nothing', '']
  ])('refuses a key with %s as invalid authentication, never quoting it', (_what, key) => {
    let error: unknown
    try {
      sendableApiKey(key)
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(InvalidAuthenticationError)
    expect((error as Error).message).toMatch(/holds characters an API key cannot have/)
    if (key.trim()) expect((error as Error).message).not.toContain(key.trim())
  })
})
