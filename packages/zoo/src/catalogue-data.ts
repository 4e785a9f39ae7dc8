// `@fleetbench/zoo/catalogue`: the zoo's published data alone (catalogue and reference hardware), plain data with
// type-only imports, for bundles that must not pull in the ONNX builders of the package's main entry (the dashboard).
export { CATALOGUE_ENTRIES } from './catalogue.generated';
export { REFERENCE_HARDWARE, type ReferenceHardware } from './reference-hardware';
export type * from './catalogue.types';
