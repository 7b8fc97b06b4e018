import { EmbeddedBus } from '../../../../actors/runtime/bus/embedded-bus.ts'
import { runBusContract } from '../../../support/bus-contract.ts'

runBusContract('embedded', async () => {
  const bus = new EmbeddedBus()
  return { bus, cleanup: () => bus.close() }
})
