/**
 * The PaddleClas model catalogue and ONNX architecture builders live here (see the model-zoo issue).
 * Until then the package only names the reference it will be generated from.
 */
export const ZOO_SOURCE = 'PaddleClas model library (paddleclas_models.csv)';
