// The ABI of attnpool.wasm: kernels take byte pointers into linear memory and sizes, allocate
// nothing and never call back into JS. The host (src/backend/wasm/) owns the memory.
export { exp2Array } from './exp';
export { scores } from './scores';
export { softmax, softmaxCheck } from './softmax';
export { bmm } from './bmm';
export { pool, poolLoss, poolRows, poolLossRows } from './pool';
export { poolCompact, poolLossCompact, kernelValues } from './compact';
export { exactGrid, exactQuery, exactQueryGrad, exactOuterBox, exactNearest } from './exactCells';
export { poolNd, poolNdRows, poolLossNd, poolLossNdRows } from './poolNd';
export { scoresNd } from './ndTerms';
export { localMomentsNd } from './momentsNd';
export { fgtMoments, fgtEvaluate, fgtStage1, fgtStage2, fgtStage3 } from './fgtNd';
