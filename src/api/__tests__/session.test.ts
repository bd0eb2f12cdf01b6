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
    ['ids with letters, dashes and underscores', 'abc-DEF_1:xyz_2-3', 'abc-DEF_1:xyz_2-3'],
    // List Sessions' fsUrl examples (developer.fullstory.com/server/v1/sessions/list-sessions/)
    [
      'a List Sessions URL (www host, discover path)',
      'https://www.fullstory.com/ui/ORG_ID/discover/session/1234567890:1234567890',
      '1234567890:1234567890'
    ],
    [
      'a List Sessions URL with an encoded colon',
      'https://www.fullstory.com/ui/o-1ABC-na1/discover/session/1234567890%3A0987654321',
      '1234567890:0987654321'
    ],
    ['a discover URL on the app host', 'https://app.fullstory.com/ui/ORG/discover/session/123%3A456', '123:456'],
    ['a discover URL on the eu1 host', 'https://app.eu1.fullstory.com/ui/o-1-eu1/discover/session/111:222', '111:222'],
    [
      'a replay URL on the eu1 host, plain colon',
      'https://app.eu1.fullstory.com/ui/o-1-eu1/session/111:222',
      '111:222'
    ],
    [
      'a discover URL with a query and a trailing slash',
      'https://www.fullstory.com/ui/ORG/discover/session/123%3A456/?ref=email',
      '123:456'
    ],
    ['a plain-http www URL', 'http://www.fullstory.com/ui/ORG/discover/session/123:456', '123:456']
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
    ['an over-long id part', `${'1'.repeat(129)}:456`],
    // Get Session Details URLs since 2023 (help.fullstory.com/hc/en-us/articles/14144212080151)
    [
      'a client-session URL (opaque id)',
      'https://app.fullstory.com/ui/o-1ABC-na1/client-session/0f8fad5b-d9cb-469f-a165-70867728950e'
    ],
    ['a client-session URL whose id looks like device:session', 'https://app.fullstory.com/ui/ORG/client-session/1:2'],
    ['a discover URL on another host', 'https://www.example.com/ui/ORG/discover/session/123%3A456'],
    ['a discover URL on a look-alike www host', 'https://www.fullstory.com.evil.example/ui/ORG/discover/session/1:2'],
    ['a discover URL without an id', 'https://www.fullstory.com/ui/ORG/discover/session/'],
    ['a discover page that is not a session', 'https://www.fullstory.com/ui/ORG/discover/123%3A456'],
    ['a discover URL whose id has two colons', 'https://www.fullstory.com/ui/ORG/discover/session/1:2:3'],
    ['the bare fullstory.com host', 'https://fullstory.com/ui/ORG/discover/session/123:456']
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
