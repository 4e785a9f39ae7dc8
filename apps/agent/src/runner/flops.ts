/** The graph FLOPs counter lives in @fleetbench/zoo (shared with the hub, which counts user models' FLOPs). */
export { countFlops } from '@fleetbench/zoo';
