import { isSessionId, parseSessionId } from '../session'

describe('parseSessionId: Session URL -> FullStory session id', () => {
  const accepted: Array<[string, string, string]> = [
    ['a raw device:session id', '123456789:987654321', '123456789:987654321'],
    ['a raw id with surrounding spaces', '  123:456 ', '123:456'],
    ['a raw id with its colon percent-encoded', '123%3A456', '123:456'],
    ['a replay URL with an encoded colon', 'https://app.fullstory.com/ui/o-1ABC-na1/session/123%3A456', '123:456'],
    ['a replay URL with a lower-case encoded colon', 'https://app.fullstory.com/ui/ORG/session/123%3a456', '123:456'],
    ['a replay URL with a plain colon', 'https://app.fullstory.com/ui/ORG/session/123:456', '123:456'],
    ['a replay URL with a query string', 'https://app.fullstory.com/ui/ORG/session/123%3A456?t=1700000000', '123:456'],
    ['a replay URL with a fragment', 'https://app.fullstory.com/ui/ORG/session/123%3A456#page=2', '123:456'],
    ['a replay URL with a trailing slash', 'https://app.fullstory.com/ui/ORG/session/123%3A456/', '123:456'],
    ['a replay URL on the eu1 host', 'https://app.eu1.fullstory.com/ui/o-1-eu1/session/111%3A222', '111:222'],
    ['a replay URL with an upper-case host', 'https://APP.FullStory.com/ui/ORG/session/123%3A456', '123:456'],
    ['ids with letters, dashes and underscores', 'abc-DEF_1:xyz_2-3', 'abc-DEF_1:xyz_2-3']
  ]

  it.each(accepted)('accepts %s', (_shape, input, expected) => {
    expect(parseSessionId(input)).toBe(expected)
  })

  const rejected: Array<[string, string | null | undefined]> = [
    ['undefined', undefined],
    ['null', null],
    ['an empty string', ''],
    ['only spaces', '   '],
    ['garbage text', 'not a session'],
    ['an id without a colon', '123456'],
    ['an id with an empty device part', ':456'],
    ['an id with an empty session part', '123:'],
    ['an id with two colons', '123:456:789'],
    ['an id with spaces inside', '123 :456'],
    ['an id with a slash', '12/3:456'],
    ['a URL on another host', 'https://evil.example.com/ui/ORG/session/123%3A456'],
    ['a URL on a look-alike host', 'https://app.fullstory.com.evil.example/ui/ORG/session/123%3A456'],
    ['a URL on a sub-domain that is not an app host', 'https://api.fullstory.com/ui/ORG/session/123%3A456'],
    ['a FullStory URL that is not a session replay', 'https://app.fullstory.com/ui/ORG/segments/123%3A456'],
    ['a FullStory URL without an id', 'https://app.fullstory.com/ui/ORG/session/'],
    ['a replay URL whose id is malformed', 'https://app.fullstory.com/ui/ORG/session/123'],
    ['a replay URL with a broken percent-encoding', 'https://app.fullstory.com/ui/ORG/session/123%3G456'],
    ['a non-web scheme', 'ftp://app.fullstory.com/ui/ORG/session/123%3A456'],
    ['an over-long id part', `${'1'.repeat(129)}:456`]
  ]

  it.each(rejected)('rejects %s', (_shape, input) => {
    expect(parseSessionId(input)).toBeUndefined()
  })
})

describe('isSessionId', () => {
  it('requires two non-empty parts around one colon', () => {
    expect(isSessionId('1:2')).toBe(true)
    expect(isSessionId('1:2:3')).toBe(false)
    expect(isSessionId('12')).toBe(false)
    expect(isSessionId('')).toBe(false)
  })
})
