import type { RawHttpRequest } from '../../adapters/payment/connector';
import { sandboxConnector } from '../../adapters/payment/sandbox/sandbox-connector';
import { describeConnectorContract } from '../support/payment-contract';
import { startSandboxSimulator } from '../support/payment-simulators/sandbox-simulator';

describeConnectorContract('sandbox', {
  connector: sandboxConnector,
  startSimulator: startSandboxSimulator,
  tamperAmount: (callback: RawHttpRequest) => {
    const body = JSON.parse(callback.body) as { amount: number };
    return { ...callback, body: JSON.stringify({ ...body, amount: body.amount + 1000 }) };
  },
  apis: ['query', 'refund'],
  notifiesFailures: true,
});
