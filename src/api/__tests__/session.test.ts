import { parseSessionId } from '../session'

describe('parseSessionId: Session URL -> FullStory session id', () => {
  it.each([
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
    [
      'a List Sessions URL',
      'https://www.fullstory.com/ui/ORG/discover/session/1234567890:1234567890',
      '1234567890:1234567890'
    ],
    ['a path, as the published destination read it', 'session/url/12345%3A678', '12345:678'],
    ['a URL on any host', 'https://fs.example.com/replays/1:2', '1:2'],
    ['ids with letters, dashes and underscores', 'abc-DEF_1:xyz_2-3', 'abc-DEF_1:xyz_2-3']
  ])('accepts %s', (_shape, input, expected) => {
    expect(parseSessionId(input)).toBe(expected)
  })

  it.each([
    ['undefined', undefined],
    ['null', null],
    ['an empty string', ''],
    ['only spaces', '   '],
    ['garbage text', 'not a session'],
    ['an id without a colon', '123456'],
    ['an id with an empty part', ':456'],
    ['an id with two colons', '123:456:789'],
    ['an id with spaces inside', '123 :456'],
    ['a URL without an id', 'https://app.fullstory.com/ui/ORG/session/'],
    ['a URL whose last segment is not an id', 'https://app.fullstory.com/ui/ORG/session/123'],
    ['a broken percent-encoding', 'https://app.fullstory.com/ui/ORG/session/123%3G456'],
    ['an opaque client-session id', 'https://app.fullstory.com/ui/ORG/client-session/0f8fad5b-d9cb-469f-a165'],
    ['an over-long id part', `${'1'.repeat(129)}:456`]
  ])('finds no session id in %s', (_shape, input) => {
    expect(parseSessionId(input)).toBeUndefined()
  })
})
