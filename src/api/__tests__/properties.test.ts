import { cleanName, normalizeProperties, parseDeclaredTypes, truncateUtf8 } from '../properties'
import { MAX_PROPERTIES, MAX_PROPERTY_DEPTH, MAX_PROPERTY_PATH_LENGTH, MAX_VALUE_BYTES } from '../limits'

const props = (input: unknown, declared?: Record<string, unknown>) => normalizeProperties(input, declared).properties
const bytes = (text: string) => Buffer.byteLength(text, 'utf8')
/** A list's size as FullStory's 8,192-byte limit counts it: its JSON text. */
const valueBytes = (list: unknown[]) => bytes(JSON.stringify(list))

/** Every dotted path of an output object, with its value. */
function leaves(value: Record<string, unknown>, prefix = ''): [string, unknown][] {
  const out: [string, unknown][] = []
  for (const [key, child] of Object.entries(value)) {
    const path = prefix ? `${prefix}.${key}` : key
    if (child && typeof child === 'object' && !Array.isArray(child)) out.push(...leaves(child as never, path))
    else out.push([path, child])
  }
  return out
}

describe('cleanName', () => {
  it('keeps a valid name as it is', () => {
    expect(cleanName('plan')).toBe('plan')
    expect(cleanName('plan_tier_2')).toBe('plan_tier_2')
    expect(cleanName('typeSuffixed_bool')).toBe('typeSuffixed_bool')
  })

  it('transliterates non-ASCII letters', () => {
    expect(cleanName('Größe')).toBe('Grosse')
    expect(cleanName('café')).toBe('cafe')
    expect(cleanName('Ñandú')).toBe('Nandu')
    expect(cleanName('名字')).toBe('MingZi')
    expect(cleanName('Привет')).toBe('Privet')
  })

  it('drops characters outside [A-Za-z0-9_], as Segment does', () => {
    expect(cleanName('first name')).toBe('firstname')
    expect(cleanName('user.email')).toBe('useremail')
    expect(cleanName('plan-tier')).toBe('plantier')
    expect(cleanName('$revenue (USD)')).toBe('revenueUSD')
  })

  it('prefixes p_ to a name that does not start with a letter', () => {
    expect(cleanName('1st_order')).toBe('p_1st_order')
    expect(cleanName('_id')).toBe('p__id')
    expect(cleanName('42')).toBe('p_42')
    expect(cleanName('__proto__')).toBe('p___proto__')
  })

  it('names a key with nothing left after cleaning from its code points, stably', () => {
    expect(cleanName('!!')).toBe('p_21_21')
    expect(cleanName('?')).toBe('p_3f')
    expect(cleanName('😀')).toBe('p_1f600')
    expect(cleanName('')).toBe('p_')
    expect(cleanName('!!')).toBe(cleanName('!!'))
  })

  it('leaves constructor and prototype alone: they are valid names', () => {
    expect(cleanName('constructor')).toBe('constructor')
    expect(cleanName('prototype')).toBe('prototype')
  })
})

describe('truncateUtf8', () => {
  it('returns a string within the limit unchanged', () => {
    expect(truncateUtf8('abc', 3)).toBe('abc')
    expect(truncateUtf8('€', 3)).toBe('€')
  })

  it('cuts at the byte limit on a character boundary', () => {
    expect(truncateUtf8('abcdef', 4)).toBe('abcd')
    expect(truncateUtf8('a€b', 3)).toBe('a') // € is 3 bytes: it does not fit after a
    expect(truncateUtf8('a€b', 4)).toBe('a€')
    expect(truncateUtf8('😀😀', 5)).toBe('😀') // a surrogate pair is never split
    expect(truncateUtf8('😀', 3)).toBe('')
  })

  it('cuts a long string to exactly the limit when characters allow', () => {
    const cut = truncateUtf8('é'.repeat(5000), MAX_VALUE_BYTES)
    expect(bytes(cut)).toBe(MAX_VALUE_BYTES)
    expect(cut).toBe('é'.repeat(4096))
  })
})

describe('normalizeProperties: names', () => {
  it('keeps both values when two keys end on one name, numbered in source order', () => {
    expect(props({ 'first name': 'A', firstname: 'B', 'first-name': 'C' })).toEqual({
      firstname: 'A',
      firstname_2: 'B',
      firstname_3: 'C'
    })
    expect(Object.keys(props({ 'first name': 'A', firstname: 'B', 'first-name': 'C' }))).toEqual([
      'firstname',
      'firstname_2',
      'firstname_3'
    ])
  })

  it('numbers past a name that is already taken by a later key', () => {
    expect(props({ 'a b': 1, ab: 2, ab_2: 3 })).toEqual({ ab: 1, ab_2: 2, ab_2_2: 3 })
  })

  it('numbers a cleaned name that meets a valid key written before it', () => {
    expect(props({ ab: 1, 'a b': 2 })).toEqual({ ab: 1, ab_2: 2 })
    expect(props({ ab: 1, cd: 2, 'c d': 3, 'a-b': 4 })).toEqual({ ab: 1, cd: 2, cd_2: 3, ab_2: 4 })
    expect(props({ products: [{ sku: 'a', 's ku': 'b' }] })).toEqual({ products: { sku: ['a'], sku_2: ['b'] } })
  })

  it('lets a dropped value leave its name free', () => {
    expect(props({ ab: null, 'a b': 2 })).toEqual({ ab: 2 })
  })

  it('numbers collisions per object level', () => {
    expect(props({ a: { 'x y': 1, xy: 2 }, b: { xy: 3 } })).toEqual({ a: { xy: 1, xy_2: 2 }, b: { xy: 3 } })
  })

  it('writes __proto__, constructor and prototype as plain own names, never onto a prototype', () => {
    const input = JSON.parse('{"__proto__": {"polluted": "yes"}, "constructor": "c", "prototype": {"p": 1}}')
    const { properties } = normalizeProperties(input)
    expect(Object.keys(properties)).toEqual(['p___proto__', 'constructor', 'prototype'])
    expect(properties.p___proto__).toEqual({ polluted: 'yes' })
    expect(Object.getOwnPropertyDescriptor(properties, 'constructor')?.value).toBe('c')
    expect(Object.getPrototypeOf(properties)).toBe(Object.prototype)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(JSON.stringify(properties)).toBe('{"p___proto__":{"polluted":"yes"},"constructor":"c","prototype":{"p":1}}')
  })

  it('cuts a name to 512 characters', () => {
    const { properties } = normalizeProperties({ ['a'.repeat(600)]: 1, ['a'.repeat(600) + 'b']: 2 })
    expect(Object.keys(properties)).toEqual(['a'.repeat(512), 'a'.repeat(510) + '_2'])
  })

  it('cuts a nested name so that its dotted path stays within 512 characters', () => {
    const parent = 'p'.repeat(300)
    const { properties } = normalizeProperties({ [parent]: { ['c'.repeat(300)]: 1 } })
    const [[path]] = leaves(properties)
    expect(path).toBe(`${parent}.${'c'.repeat(211)}`)
    expect(path.length).toBe(MAX_PROPERTY_PATH_LENGTH)
  })

  it('sends an object whose own path leaves no room for nested names as JSON text', () => {
    const name = 'o'.repeat(505)
    expect(props({ [name]: { x: 1 } })).toEqual({ [name]: '{"x":1}' })
    const fits = 'o'.repeat(503)
    expect(props({ [fits]: { x: 1 } })).toEqual({ [fits]: { x: 1 } })
  })
})

describe('normalizeProperties: values', () => {
  it('keeps strings, numbers and booleans as they are', () => {
    expect(props({ s: 'text', n: 2, r: 2.5, neg: -1, t: true, f: false, empty: '' })).toEqual({
      s: 'text',
      n: 2,
      r: 2.5,
      neg: -1,
      t: true,
      f: false,
      empty: ''
    })
  })

  it('drops null and undefined, in objects and lists', () => {
    expect(props({ a: null, b: undefined, c: 1, d: { e: null, f: 2 }, g: [null, 'x', null] })).toEqual({
      c: 1,
      d: { f: 2 },
      g: ['x']
    })
  })

  it('drops an object left with no properties, and keeps an empty list', () => {
    expect(props({ a: {}, b: { c: null }, d: [], e: [null] })).toEqual({ d: [], e: [] })
  })

  it('keeps nested objects, names cleaned at every level', () => {
    expect(props({ address: { 'zip code': '10115', geo: { lat: 52.5 } } })).toEqual({
      address: { zipcode: '10115', geo: { lat: 52.5 } }
    })
  })

  it('turns a list of objects into an object of lists, keys in order of first appearance', () => {
    expect(
      props({
        products: [{ sku: 'a', price: 10 }, { sku: 'b', 'qty!': 2 }, null, { price: 5, sku: null }]
      })
    ).toEqual({ products: { sku: ['a', 'b'], price: [10, 5], qty: [2] } })
  })

  it('joins lists inside a list of objects into one column, and pivots objects in them again', () => {
    expect(
      props({
        products: [
          { tags: ['a'], variants: [{ size: 'S' }] },
          { tags: ['b', 'c'], variants: [{ size: 'M' }, { size: 'L' }] }
        ]
      })
    ).toEqual({ products: { tags: ['a', 'b', 'c'], variants: { size: ['S', 'M', 'L'] } } })
  })

  it('turns a list that mixes scalar types into a list of strings', () => {
    expect(props({ a: [1, 'a', true, 2.5], b: ['x', 'y'], c: [1, 2] })).toEqual({
      a: ['1', 'a', 'true', '2.5'],
      b: ['x', 'y'],
      c: [1, 2]
    })
  })

  it('writes lists in lists, and objects beside other values, as JSON text', () => {
    expect(props({ m: [[1, 2], [3]], o: [{ a: 1 }, 2, 'x'] })).toEqual({
      m: ['[1,2]', '[3]'],
      o: ['{"a":1}', '2', 'x']
    })
  })

  it('cuts a string over 8192 UTF-8 bytes on a character boundary', () => {
    const properties = props({ long: 'x'.repeat(10_000), euro: '€'.repeat(3000) })
    expect(properties.long).toBe('x'.repeat(MAX_VALUE_BYTES))
    expect(properties.euro).toBe('€'.repeat(2730)) // 2730 * 3 = 8190; one more would be 8193
  })

  it('keeps a list within 8192 bytes: elements in order, the overflowing string cut, the rest dropped', () => {
    const items = Array.from({ length: 10 }, (_, i) => String(i).repeat(1000))
    const list = props({ list: items }).list as string[]
    expect(list.slice(0, 8)).toEqual(items.slice(0, 8))
    // 2 brackets + 8 * (1000 + 2 quotes) + 7 commas = 8025; 8192 - 8025 - 1 comma - 2 quotes = 164 left
    expect(list[8]).toBe('8'.repeat(164))
    expect(list).toHaveLength(9)
    expect(valueBytes(list)).toBe(MAX_VALUE_BYTES)
  })

  it('drops numbers that no longer fit in a list of 8192 bytes', () => {
    const numbers = Array.from({ length: 3000 }, (_, i) => i)
    const list = props({ numbers }).numbers as number[]
    expect(valueBytes(list)).toBeLessThanOrEqual(MAX_VALUE_BYTES)
    expect(list).toEqual(numbers.slice(0, list.length))
    expect(valueBytes([...list, list.length])).toBeGreaterThan(MAX_VALUE_BYTES)
  })

  it(`sends an object nested deeper than ${MAX_PROPERTY_DEPTH} levels as JSON text`, () => {
    let deep: Record<string, unknown> = { leaf: 'bottom', gone: null }
    for (let level = 12; level >= 1; level--) deep = { [`l${level}`]: deep }
    expect(leaves(props(deep))).toEqual([
      ['l1.l2.l3.l4.l5.l6.l7.l8.l9.l10', '{"l11":{"l12":{"leaf":"bottom","gone":null}}}']
    ])
  })

  it('drops a too-deep object that holds no value, and cuts long JSON text to 8192 bytes', () => {
    let empty: Record<string, unknown> = { x: null }
    let big: Record<string, unknown> = { text: 'y'.repeat(9000) }
    for (let level = MAX_PROPERTY_DEPTH; level >= 1; level--) {
      empty = { [`e${level}`]: empty }
      big = { [`b${level}`]: big }
    }
    expect(props(empty)).toEqual({})
    const [[, value]] = leaves(props(big))
    expect(typeof value).toBe('string')
    expect(bytes(value as string)).toBe(MAX_VALUE_BYTES)
    expect((value as string).startsWith('{"text":"yyy')).toBe(true)
  })

  it('leaves out a value nested deeper than JSON text can be written, keeping the rest, without overflowing', () => {
    let deep: Record<string, unknown> = { leaf: 'bottom' }
    for (let level = 0; level < 20_000; level++) deep = { next: deep }
    expect(() => JSON.stringify(deep)).toThrow(RangeError)
    expect(normalizeProperties({ plan: 'pro', deep, list: [deep, 'x'] }, { deep: 'str' })).toEqual({
      properties: { plan: 'pro', list: ['x'] }
    })
  })

  it('sends a list of objects at the depth bound as JSON text', () => {
    let deep: Record<string, unknown> = { items: [{ a: 1 }, { a: 2 }] }
    for (let level = MAX_PROPERTY_DEPTH - 1; level >= 1; level--) deep = { [`l${level}`]: deep }
    const [[path, value]] = leaves(props(deep))
    expect(path.split('.')).toHaveLength(MAX_PROPERTY_DEPTH)
    expect(value).toBe('[{"a":1},{"a":2}]')
  })

  it('sends non-finite numbers and bigints as strings and Date objects as ISO-8601', () => {
    expect(
      props({ nan: NaN, inf: Infinity, big: BigInt(12), at: new Date(Date.UTC(2024, 4, 1)), fn: () => 1 })
    ).toEqual({ nan: 'NaN', inf: 'Infinity', big: '12', at: '2024-05-01T00:00:00.000Z' })
  })

  it(`sends at most ${MAX_PROPERTIES} properties: the first in source order, depth first, objects counted`, () => {
    const input: Record<string, unknown> = { group: { a: 1, b: 2 } }
    for (let i = 0; i < 600; i++) input[`t${i}`] = i
    const properties = props(input)
    // group, group.a and group.b are 3 names; then t0 .. t496, and t497 .. t599 are dropped
    expect(properties).toEqual({
      group: { a: 1, b: 2 },
      ...Object.fromEntries(Array.from({ length: 497 }, (_, i) => [`t${i}`, i]))
    })
    expect(Object.keys(properties)).toEqual(['group', ...Array.from({ length: 497 }, (_, i) => `t${i}`)])
  })

  it('cuts an object short at the cap, keeping its first names', () => {
    const input: Record<string, unknown> = {}
    for (let i = 0; i < 498; i++) input[`t${i}`] = i
    input.last = { a: 1, b: 2, c: 3 }
    const properties = props(input)
    expect(Object.keys(properties)).toHaveLength(499)
    expect(properties.last).toEqual({ a: 1 })
  })

  it('gives no properties for anything but an object', () => {
    for (const input of [undefined, null, 'text', 42, ['a'], true])
      expect(normalizeProperties(input)).toEqual({ properties: {} })
  })

  it('puts leading and trailing entries around the input, leading ones winning their names', () => {
    const { properties } = normalizeProperties({ segmentAnonymousId: 'trait', plan: 'pro' }, undefined, {
      leading: [['segmentAnonymousId', 'anon-1']],
      trailing: [['plan', 'extra']]
    })
    expect(JSON.stringify(properties)).toBe(
      '{"segmentAnonymousId":"anon-1","segmentAnonymousId_2":"trait","plan":"pro","plan_2":"extra"}'
    )
  })

  it('does not change its input', () => {
    const input = { 'a b': [{ x: 1 }], c: { d: null }, e: 'x'.repeat(9000) }
    const copy = JSON.parse(JSON.stringify(input))
    normalizeProperties(input, { ab_x: 'int' })
    expect(input).toEqual(copy)
  })
})

describe('normalizeProperties: schema', () => {
  it('declares ISO-8601 date-times as date and lists of them as dates, by dotted path', () => {
    const { schema } = normalizeProperties({
      createdAt: '2024-05-01T12:00:00Z',
      plain: '2024-05-01',
      profile: { lastSeen: '2024-05-02T08:30:00.000+02:00' },
      logins: ['2024-05-01T12:00:00Z', '2024-05-02T12:00:00Z'],
      mixed: ['2024-05-01T12:00:00Z', 'soon'],
      none: []
    })
    expect(schema).toEqual({
      properties: { createdAt: 'date', 'profile.lastSeen': 'date', logins: 'dates' }
    })
  })

  it('declares dates inside a list of objects by the pivoted path', () => {
    const { schema } = normalizeProperties({ orders: [{ at: '2024-05-01T12:00:00Z' }, { at: '2024-05-03T12:00:00Z' }] })
    expect(schema).toEqual({ properties: { 'orders.at': 'dates' } })
  })

  it('guesses no integers and sends no schema when nothing is declared or detected', () => {
    expect(normalizeProperties({ count: 2, price: 2.5, ok: true, name: 'x' })).toEqual({
      properties: { count: 2, price: 2.5, ok: true, name: 'x' }
    })
  })

  it('lets declared types win over detection, keyed by the names FullStory receives', () => {
    const { schema } = normalizeProperties(
      { createdAt: '2024-05-01T12:00:00Z', 'login count': 3, address: { zip: 10115 } },
      { createdAt: 'str', logincount: 'int', 'address.zip': 'STR ' }
    )
    expect(schema).toEqual({ properties: { createdAt: 'str', logincount: 'int', 'address.zip': 'str' } })
  })

  it('matches a declared type to the value: plural for a list, singular otherwise', () => {
    const { schema } = normalizeProperties(
      { products: [{ price: 10 }, { price: 12 }], tags: ['a'], score: 2 },
      { 'products.price': 'int', tags: 'str', score: 'reals' }
    )
    expect(schema).toEqual({ properties: { 'products.price': 'ints', tags: 'strs', score: 'real' } })
  })

  it('leaves out a declaration for a path this call does not send as a value', () => {
    expect(normalizeProperties({ a: 1, obj: { b: 1 } }, { missing: 'int', obj: 'str', a: 'int' }).schema).toEqual({
      properties: { a: 'int' }
    })
    expect(normalizeProperties({ a: 1 }, { missing: 'int' }).schema).toBeUndefined()
  })

  it('orders schema entries as the properties are sent', () => {
    const { schema } = normalizeProperties({ b: 1, a: '2024-05-01T12:00:00Z' }, { b: 'int' })
    expect(JSON.stringify(schema)).toBe('{"properties":{"b":"int","a":"date"}}')
  })

  it('leaves out a declaration of an unknown type, says why, and sends the properties', () => {
    expect(normalizeProperties({ plan: 'pro', seats: 3 }, { plan: 'string', seats: 'int', count: 3 })).toEqual({
      properties: { plan: 'pro', seats: 3 },
      schema: { properties: { seats: 'int' } },
      note:
        'Property Types left out: "plan" is declared "string", not one of str, strs, int, ints, real, reals, bool, ' +
        'bools, date, dates; "count" is declared 3, not one of str, strs, int, ints, real, reals, bool, bools, date, dates.'
    })
  })

  it('leaves out a declared path FullStory cannot receive, suggesting the cleaned name', () => {
    expect(normalizeProperties({}, { 'Größe.in cm': 'int', 'a..b': 'int' }).note).toBe(
      'Property Types left out: "Größe.in cm" is not a property path FullStory can receive (write "Grosse.incm"); ' +
        '"a..b" is not a property path FullStory can receive (write "a.p_.b").'
    )
  })

  it('parses no declarations from nothing, and says so of a declaration list that is not an object', () => {
    expect(parseDeclaredTypes(undefined)).toEqual({ ignored: [] })
    expect(parseDeclaredTypes({})).toEqual({ ignored: [] })
    expect(parseDeclaredTypes('plan: int').ignored).toEqual([
      'Property Types is not an object of property path -> type (one of str, strs, int, ints, real, reals, bool, bools, date, dates)'
    ])
  })
})

describe("legacyNames 'camelCase': trait names as the published Identify User sent them to the v1 API", () => {
  const legacy = (input: Record<string, unknown>, declared?: Record<string, unknown>) =>
    normalizeProperties(input, declared, { legacyNames: 'camelCase' })

  it('camel-cases names, then applies the character rules', () => {
    expect(
      legacy({ 'originally-hyphenated': 1, 'first name': 'Ann', 'is-vip': true, Order_Total: 2, Größe: 'M', plan: 'x' })
        .properties
    ).toEqual({ originallyHyphenated: 1, firstName: 'Ann', isVip: true, orderTotal: 2, grosse: 'M', plan: 'x' })
  })

  it('keeps a FullStory type suffix out of the name and declares it, as v1 stored it', () => {
    expect(legacy({ plan_str: 'pro', 'seat count_int': 3, tags_strs: ['a'] })).toEqual({
      properties: { plan: 'pro', seatCount: 3, tags: ['a'] },
      schema: { properties: { plan: 'str', seatCount: 'int', tags: 'strs' } }
    })
    expect(legacy({ plan_str: 'pro' }, { plan: 'date' }).schema).toEqual({ properties: { plan: 'date' } })
  })

  it('camel-cases five levels deep, and not the columns of a list of objects', () => {
    const deep = { 'a-1': { 'b-2': { 'c-3': { 'd-4': { 'e-5': { 'f-6': 1 } } } } }, 'o-s': [{ 'x-y': 1 }] }
    expect(legacy(deep).properties).toEqual({ a1: { b2: { c3: { d4: { e5: { f6: 1 } } } } }, oS: { xy: [1] } })
  })

  it('keeps both values when two keys end on one name', () => {
    expect(legacy({ 'first name': 'a', firstName: 'b', first_name_str: 'c' }).properties).toEqual({
      firstName: 'a',
      firstName_2: 'b',
      firstName_3: 'c'
    })
  })
})

describe("legacyNames 'typeSuffix': property names as the published Track Event sent them to the v1 API", () => {
  const legacy = (input: Record<string, unknown>) =>
    normalizeProperties(input, undefined, { legacyNames: 'typeSuffix' })

  it('keeps a FullStory type suffix out of the name and declares it, without camel case', () => {
    expect(
      legacy({ total_real: 9.5, 'order-id_str': 'A1', Order_Total: 2, tags_strs: ['a'], address_obj: 'x' })
    ).toEqual({
      properties: { total: 9.5, orderid: 'A1', Order_Total: 2, tags: ['a'], address_obj: 'x' },
      schema: { properties: { total: 'real', orderid: 'str', tags: 'strs' } }
    })
  })

  it('renames five levels deep, and not the columns of a list of objects', () => {
    const deep = { a_obj: { b: { c: { d: { e_int: 1, f: { g_int: 2 } } } } }, rows: [{ n_int: 1 }] }
    expect(legacy(deep)).toEqual({
      properties: { a_obj: { b: { c: { d: { e: 1, f: { g_int: 2 } } } } }, rows: { n_int: [1] } },
      schema: { properties: { 'a_obj.b.c.d.e': 'int' } }
    })
  })
})
