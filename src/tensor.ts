/** A dense row-major float32 array with a shape. `data.length` is the product of `shape`. */
export interface Tensor {
  /** The elements in row-major order. */
  data: Float32Array;
  /** The size of each axis; their product is `data.length`. */
  shape: number[];
}

/** What the API accepts where a tensor is expected: a Tensor, or a flat array (taken as 1-D). */
export type TensorInput =
  | Tensor
  | {
      /** numbers in row-major order (converted to float32) */
      data: ArrayLike<number>;
      /** the size of each axis */
      shape: number[];
    }
  | ArrayLike<number>;

export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** Real arrays the kernels read and write: float32 tensors, or float64 data on exact paths. */
export type RealArray = Float32Array | Float64Array;
