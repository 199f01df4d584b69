/**
 * The arithmetic of UnsortedSegmentSum (the gradient of tf.gather, i.e. of an
 * embedding lookup), shared by our wasm and cpu kernels:
 * sums[s, ...] += values[i, ...] for every i with ids[i] = s; ids outside
 * [0, numSegments) are dropped, as TensorFlow does. One pass, whole rows.
 */
export function segmentSumRows(
  values: ArrayLike<number>,
  ids: ArrayLike<number>,
  rowSize: number,
  numSegments: number,
  sums: { [i: number]: number },
): void {
  for (let i = 0; i < ids.length; i++) {
    const segment = ids[i];
    if (segment < 0 || segment >= numSegments) continue;
    const from = i * rowSize;
    const to = segment * rowSize;
    for (let j = 0; j < rowSize; j++) sums[to + j] += values[from + j];
  }
}

/** Checks the inputs and returns the row shape and size (segmentIds' shape must prefix x's). */
export function segmentSumShape(
  backendName: string,
  xShape: number[],
  xDtype: string,
  idsShape: number[],
): { rowShape: number[]; rowSize: number } {
  if (xDtype !== 'float32' && xDtype !== 'int32') {
    throw new Error(`UnsortedSegmentSum (${backendName}): x must be float32 or int32, found ${xDtype}`);
  }
  if (idsShape.length > xShape.length || idsShape.some((dim, axis) => dim !== xShape[axis])) {
    throw new Error(
      `UnsortedSegmentSum (${backendName}): segmentIds shape [${idsShape}] must be a prefix of x shape [${xShape}]`,
    );
  }
  const rowShape = xShape.slice(idsShape.length);
  return { rowShape, rowSize: rowShape.reduce((a, b) => a * b, 1) };
}
