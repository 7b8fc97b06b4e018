import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { MAX_EVENTLIST_ITEMS } from '../../protocol/limits.ts'
import { errorOf, eventList, happy, post, setup, TOKEN } from './webhook-helpers.ts'

describe('POST /audit/webhook: size limit', () => {
  it('413 on a Content-Length above the limit, before reading the body', async () => {
    const { app, bus } = setup({ token: TOKEN, maxBodyBytes: 1000 })
    const res = await app.request(
      '/audit/webhook',
      post(eventList([]), { 'content-length': '5000' }),
    )
    assert.equal(res.status, 413)
    assert.equal((await errorOf(res)).code, 'PayloadTooLarge')
    assert.equal(bus.publishes.length, 0)
  })

  it('413 on an actual body above the limit without a Content-Length', async () => {
    const { app, bus } = setup({ token: TOKEN, maxBodyBytes: 1000 })
    const body = eventList(happy())
    assert.ok(body.length > 1000)
    const req = new Request('http://gw/audit/webhook', post(body))
    assert.equal(req.headers.get('content-length'), null, 'the test sends no Content-Length')
    const res = await app.request(req)
    assert.equal(res.status, 413)
    assert.equal(bus.publishes.length, 0)
  })

  it('413 naming the cap on an EventList of more than MAX_EVENTLIST_ITEMS items; 10,000 pass', async () => {
    const { app, bus } = setup({ token: TOKEN })
    // Small items, so the count and not the byte limit is what trips.
    const item = { kind: 'Event' }
    const over = await app.request(
      '/audit/webhook',
      post(eventList(Array(MAX_EVENTLIST_ITEMS + 1).fill(item))),
    )
    assert.equal(over.status, 413)
    assert.match((await errorOf(over)).message, /10001 items, more than the 10000/)
    assert.equal(bus.publishes.length, 0)
    const at = await app.request(
      '/audit/webhook',
      post(eventList(Array(MAX_EVENTLIST_ITEMS).fill(item))),
    )
    assert.equal(at.status, 200)
  })

  it('stops reading an endless streamed body once past the limit', async () => {
    const { app } = setup({ token: TOKEN, maxBodyBytes: 64 * 1024 })
    let pulled = 0
    let cancelled = false
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++
        controller.enqueue(new Uint8Array(16 * 1024).fill(32))
      },
      cancel() {
        cancelled = true
      },
    })
    const init = { ...post(stream), duplex: 'half' } as RequestInit
    const res = await app.request(new Request('http://gw/audit/webhook', init))
    assert.equal(res.status, 413)
    assert.ok(cancelled, 'the body stream was cancelled')
    assert.ok(pulled <= 8, `read ${pulled} chunks of 16 KiB for a 64 KiB limit`)
  })

  it('a body exactly at the limit is read', async () => {
    const body = eventList([])
    const { app } = setup({ token: TOKEN, maxBodyBytes: body.length })
    assert.equal((await app.request('/audit/webhook', post(body))).status, 200)
  })
})
