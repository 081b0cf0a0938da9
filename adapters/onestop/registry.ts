import { dvcqgAdapter } from './dvcqg/dvcqg-adapter';
import type { OneStopAdapter } from './onestop-adapter';
import { vendorSoapAdapter } from './vendor-soap/vendor-soap-adapter';

/** Every one-stop format the hub speaks, by the id in `/compat/{id}/service`: one line each. */
export const oneStopAdapters: Readonly<Record<string, OneStopAdapter>> = {
  dvcqg: dvcqgAdapter,
  'vendor-soap': vendorSoapAdapter,
};
